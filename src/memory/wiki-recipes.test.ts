import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../domain/errors.ts";
import { checkSql } from "../safety/sql-guard.ts";
import { exampleValues, fillParams, parseQueryBody, renderRecipeSql } from "./recipes.ts";
import type { WikiQuery } from "./types.ts";
import { loadWiki } from "./wiki.ts";

const SHIPPED_WIKI = fileURLToPath(new URL("../../wiki/", import.meta.url));

let queries: (WikiQuery & { pageId: string })[] = [];
beforeAll(async () => {
  const wiki = await loadWiki(SHIPPED_WIKI);
  queries = wiki.entries.flatMap((e) =>
    e.kind === "page"
      ? [...e.page.recipes, ...e.page.negativeControls].map((q) => ({ ...q, pageId: e.page.id }))
      : [],
  );
});

describe("SQL on the shipped wiki", () => {
  it("every SQL recipe and control, rendered with its examples, passes the SQL guard", async () => {
    const sql = queries.filter((q) => q.sql !== undefined);
    // The pages for the db-backed scenarios carry SQL: the test must not pass vacuously.
    expect(new Set(sql.map((q) => q.pageId))).toEqual(
      new Set([
        "sqs-queue-saturation-ecs-capacity",
        "release-null-dereference",
        "derived-counter-drift",
      ]),
    );
    expect(sql.length).toBeGreaterThanOrEqual(8);
    for (const q of sql) {
      const statement = renderRecipeSql(q, exampleValues(q));
      const verdict = await checkSql(statement);
      expect(verdict, `${q.pageId}/${q.name}`).toMatchObject({ allowed: true });
    }
  });

  it("only db queries carry SQL, and every hint body parses back to the same specialist", () => {
    for (const q of queries) {
      if (q.sql !== undefined) expect(q.specialist).toBe("db");
      expect(parseQueryBody(q.body).specialist).toBe(q.specialist);
    }
  });

  it("the guard would refuse the unsafe variants these recipes avoid", async () => {
    expect((await checkSql("SELECT * FROM workspaces")).allowed).toBe(false);
    expect(
      (await checkSql("SELECT w.id, w.member_count FROM workspaces w ORDER BY w.id")).allowed,
    ).toBe(false);
  });
});

describe("renderRecipeSql", () => {
  const recipe: Pick<WikiQuery, "name" | "sql" | "params"> = {
    name: "null-rows",
    sql: "SELECT count(*) AS n FROM accounts a WHERE a.created_at >= {{since}} AND a.source = {{source}} LIMIT {{n}}",
    params: {
      since: { type: "timestamp", description: "deploy time", example: "2026-11-20T14:02:14Z" },
      source: { type: "text", description: "signup source", example: "self_serve" },
      n: { type: "integer", description: "row cap", example: "10" },
    },
  };

  it("fills placeholders as typed literals", () => {
    expect(
      renderRecipeSql(recipe, { since: "2026-11-20T14:02:14Z", source: "self_serve", n: 10 }),
    ).toBe(
      "SELECT count(*) AS n FROM accounts a WHERE a.created_at >= '2026-11-20T14:02:14Z'::timestamptz AND a.source = 'self_serve' LIMIT 10",
    );
  });

  it.each([
    [{ since: "2026-11-20'; DROP TABLE accounts; --", source: "x", n: 1 }, /ISO-8601/],
    [{ since: "2026-11-20T14:02:14Z", source: "x' OR '1'='1", n: 1 }, /letters, digits/],
    [{ since: "2026-11-20T14:02:14Z", source: "x", n: "1; SELECT 1" }, /must be an integer/],
    [{ since: "2026-11-20T14:02:14Z", source: "x" }, /no value for \{\{n\}\}/],
  ])("refuses a value that could change the statement (%o)", (values, reason) => {
    expect(() => renderRecipeSql(recipe, values)).toThrow(AppError);
    expect(() => renderRecipeSql(recipe, values)).toThrow(reason);
  });

  it("a recipe without SQL cannot be rendered as SQL", () => {
    expect(() => renderRecipeSql({ name: "m", params: {} }, {})).toThrow(/has no SQL/);
  });

  it("fills text templates without SQL quoting", () => {
    const params = {
      id: { type: "text" as const, description: "issue", example: "4501766120" },
      t: { type: "timestamp" as const, description: "t", example: "2026-11-20T08:00:00Z" },
    };
    expect(
      fillParams("issue {{id}} since {{ t }}", params, {
        id: "4501766120",
        t: "2026-11-20T08:00:00Z",
      }),
    ).toBe("issue 4501766120 since 2026-11-20T08:00:00Z");
  });
});
