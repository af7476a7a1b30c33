import { describe, expect, it } from "vitest";
import { ALLOWED_CASES, REFUSED_CASES } from "./sql-guard.cases.ts";
import { checkSql, checkSqlSync, isPureAggregate, loadSqlGuard } from "./sql-guard.ts";

describe("SQL guard case table", () => {
  it("holds at least 150 statements, allowed and refused", () => {
    expect(ALLOWED_CASES.length + REFUSED_CASES.length).toBeGreaterThanOrEqual(150);
    expect(new Set([...ALLOWED_CASES, ...REFUSED_CASES].map((c) => c.sql)).size).toBe(
      ALLOWED_CASES.length + REFUSED_CASES.length,
    );
  });

  it.each(ALLOWED_CASES.map((c) => [c.sql]))("allows %s", async (sql) => {
    const result = await checkSql(sql);
    expect(result).toMatchObject({ allowed: true });
  });

  it.each(REFUSED_CASES.map((c) => [c.sql.slice(0, 200), c.reason, c.sql] as const))(
    "refuses %s",
    async (_label, reason, sql) => {
      const result = await checkSql(sql);
      expect(result.allowed).toBe(false);
      if (result.allowed) return;
      if (typeof reason === "string") expect(result.reason).toContain(reason);
      else expect(result.reason).toMatch(reason);
    },
  );
});

describe("checkSql", () => {
  it("returns the statement text without the trailing semicolon, comments and all", async () => {
    expect(await checkSql("  select id from users limit 1 ;  ")).toEqual({
      allowed: true,
      normalized: "select id from users limit 1",
    });
    const withComment = await checkSql("select 1 -- note\n");
    expect(withComment).toEqual({ allowed: true, normalized: "select 1 -- note" });
  });

  it("cuts the statement by bytes, so multi-byte text before it does not shift the cut", async () => {
    const result = await checkSql("/* größe ü */ select 'ü€' as s;");
    expect(result).toMatchObject({ allowed: true });
    if (result.allowed) expect(result.normalized).toContain("select 'ü€' as s");
    if (result.allowed) expect(result.normalized.endsWith(";")).toBe(false);
  });

  it("takes the LIMIT cap from its options", async () => {
    const sql = "select id from users limit 500";
    expect(await checkSql(sql)).toMatchObject({ allowed: true });
    expect(await checkSql(sql, { maxLimit: 100 })).toEqual({
      allowed: false,
      reason: "LIMIT 500 exceeds the cap of 100",
    });
  });

  it("offers a synchronous check once the parser is loaded", async () => {
    await loadSqlGuard();
    expect(checkSqlSync("select count(*) from users")).toMatchObject({ allowed: true });
    expect(checkSqlSync("select nextval('s')")).toMatchObject({ allowed: false });
  });

  it("refuses unparsable SQL with the parser's own message", async () => {
    expect(await checkSql("select from where")).toEqual({
      allowed: false,
      reason: 'syntax error at or near "where"',
    });
  });
});

describe("isPureAggregate", () => {
  async function top(sql: string) {
    const { parseSync } = await import("libpg-query");
    await loadSqlGuard();
    const tree = parseSync(sql) as unknown as {
      stmts: Array<{ stmt: { SelectStmt: Record<string, unknown> } }>;
    };
    return tree.stmts[0]!.stmt.SelectStmt;
  }

  it.each([
    ["select count(*) from users", true],
    ["select count(*) + 1, max(id) from users where id > 1", true],
    ["select 1, now()", true],
    ["select 1 from users having count(*) > 1", true],
    ["select (select max(id) from users)", true],
    ["select 1 from users", false],
    ["select id from users", false],
    ["select count(*) from users group by status", false],
    ["select sum(id) over () from users", false],
    ["select generate_series(1, 3)", false],
    ["select abs(unnest(array[1]))", false],
    ["select id in (select 1) from users", false],
    ["select count(*) from users union select 1", false],
    ["select", false],
  ])("%s → %s", async (sql, expected) => {
    expect(isPureAggregate(await top(sql))).toBe(expected);
  });
});
