import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { checkSqlSync, loadSqlGuard } from "./sql-guard.ts";
import { MAX_SERIES_ROWS } from "./sql-guard-allowlists.ts";
import { MAX_CROSS_MULTIPLIER, MAX_FROM_RELATIONS } from "./sql-guard-products.ts";
import { METADATA_SUFFIXES, sensitiveColumn } from "./sql-guard-sensitive.ts";

beforeAll(loadSqlGuard);

const TABLES = ["users", "accounts", "orders", "pg_class"];
const table = fc.constantFrom(...TABLES);
const allowed = (sql: string) => checkSqlSync(sql).allowed;

describe("products in one FROM (property)", () => {
  it("refuses any two or more tables with no condition relating them, however they are written", () => {
    fc.assert(
      fc.property(
        fc.array(table, { minLength: 2, maxLength: MAX_FROM_RELATIONS }),
        fc.constantFrom(", ", " cross join ", " join "),
        (tables, glue) => {
          const from = tables.map((t, i) => `${t} t${i}`);
          const joined = from
            .map((item, i) =>
              i === 0 ? item : `${glue}${item}${glue === " join " ? " on true" : ""}`,
            )
            .join("");
          expect(allowed(`select count(*) from ${joined}`)).toBe(false);
        },
      ),
    );
  });

  it("allows up to the relation limit when each table is joined to the previous one", () => {
    fc.assert(
      fc.property(
        fc.array(table, { minLength: 1, maxLength: MAX_FROM_RELATIONS }),
        fc.boolean(),
        (tables, inWhere) => {
          const aliases = tables.map((_, i) => `t${i}`);
          const conditions = aliases.slice(1).map((a, i) => `${a}.id = ${aliases[i]}.id`);
          const sql = inWhere
            ? `select count(*) from ${tables.map((t, i) => `${t} t${i}`).join(", ")}${conditions.length > 0 ? ` where ${conditions.join(" and ")}` : ""}`
            : `select count(*) from ${tables
                .map((t, i) => (i === 0 ? `${t} t0` : `join ${t} t${i} on ${conditions[i - 1]}`))
                .join(" ")}`;
          expect(checkSqlSync(sql)).toMatchObject({ allowed: true });
        },
      ),
    );
    const nine = Array.from({ length: MAX_FROM_RELATIONS + 1 }, (_, i) =>
      i === 0 ? "users t0" : `join users t${i} on t${i}.id = t${i - 1}.id`,
    ).join(" ");
    expect(checkSqlSync(`select count(*) from ${nine}`)).toMatchObject({
      allowed: false,
      reason: expect.stringContaining(`more than ${MAX_FROM_RELATIONS} relations`),
    });
  });

  it("allows series side by side exactly when their product is within the series cap", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 2_000 }), { minLength: 1, maxLength: 4 }),
        (sizes) => {
          const from = sizes.map((n, i) => `generate_series(1, ${n}) s${i}`).join(", ");
          const product = sizes.reduce((a, b) => a * b, 1);
          expect(allowed(`select count(*) from ${from}`)).toBe(product <= MAX_SERIES_ROWS);
        },
      ),
    );
  });

  it("allows a table crossed with constant rows exactly up to the multiplier", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5_000 }), table, (n, t) => {
        const sql = `select count(*) from ${t} x cross join generate_series(1, ${n}) g`;
        expect(allowed(sql)).toBe(n <= MAX_CROSS_MULTIPLIER);
      }),
    );
  });
});

describe("sensitive column names (property)", () => {
  const words = fc.constantFrom("user", "api", "reset", "refresh", "primary", "old", "oauth");
  const secret = fc.constantFrom("password", "token", "secret", "api_key", "ssn", "email");

  it("refuses a sensitive name in the result and allows it counted or compared", () => {
    fc.assert(
      fc.property(words, secret, (prefix, name) => {
        const column = `${prefix}_${name}`;
        expect(sensitiveColumn(column)).toBeDefined();
        expect(allowed(`select ${column} from t limit 1`)).toBe(false);
        expect(allowed(`select max(${column}) from t`)).toBe(false);
        expect(allowed(`select count(${column}) from t`)).toBe(true);
        expect(allowed(`select id from t where ${column} = 'x' limit 1`)).toBe(true);
      }),
    );
  });

  it("treats a name ending in a metadata word as metadata about the secret", () => {
    fc.assert(
      fc.property(secret, fc.constantFrom(...METADATA_SUFFIXES), (name, suffix) => {
        expect(sensitiveColumn(`${name}_${suffix}`)).toBeUndefined();
      }),
    );
    for (const plain of ["id", "status", "created_at", "plan", "hashtag", "name", "country"]) {
      expect(sensitiveColumn(plain)).toBeUndefined();
    }
  });
});
