import { describe, expect, it } from "vitest";
import { checkSql } from "../../src/safety/sql-guard.ts";
import { CHECK_RULES, EvidenceCollector } from "../shared/collector.ts";
import type { ReplicaQueryResult, ReplicaReader } from "../tools.ts";
import { checkReferenceEdits, judgeShift, MIN_ROWS_EACH_SIDE } from "./reference-edit.ts";
import {
  auditSql,
  auditTimeColumn,
  isAuditTable,
  keysSql,
  linksOf,
  nameColumns,
  namedMatchSql,
  shiftSql,
  updatedSql,
  valueMatchSql,
} from "./reference-edit-sql.ts";
import { tablesOf } from "./schema.ts";

/** A reference row the ticket names, edited, and the rows referring to it since. */

const T = "timestamp with time zone";
const tablesRows: string[][] = [
  ["tiers", "tier_code", "text"],
  ["tiers", "label", "text"],
  ["tiers", "currency", "text"],
  ["tiers", "fee", "integer"],
  ["tiers", "updated_at", T],
  ["tier_history", "id", "text"],
  ["tier_history", "tier_code", "text"],
  ["tier_history", "changed_at", T],
  ["accounts", "id", "text"],
  ["accounts", "tier_code", "text"],
  ["accounts", "currency", "text"],
  ["accounts", "monthly_fee", "integer"],
  ["accounts", "owner_id", "text"],
  ["accounts", "created_at", T],
];
const tables = tablesOf({
  columns: ["table_name", "column_name", "data_type"],
  rows: tablesRows,
  rowCount: 14,
  truncated: false,
});
const byName = (name: string) => tables.find((t) => t.name === name)!;
const tiers = byName("tiers");
const row = { table: tiers, column: "label", value: "Gold Plus", rows: 1 };
const now = new Date("2026-05-10T12:00:00Z");
const editedAt = new Date("2026-05-08T09:00:00Z");

describe("schema conventions", () => {
  it("links a small table by same-named key columns, and tells the audit trail by its name", () => {
    const links = linksOf(tiers, tables).map((l) => `${l.key}->${l.table.name}.${l.column}`);
    expect(links).toEqual([
      "tier_code->tier_history.tier_code",
      "tier_code->accounts.tier_code",
      "currency->accounts.currency",
    ]);
    expect(isAuditTable(byName("tier_history"))).toBe(true);
    expect(isAuditTable(byName("accounts"))).toBe(false);
    expect(auditTimeColumn(byName("tier_history"))).toBe("changed_at");
  });

  it("every statement passes the SQL guard: aggregates only", async () => {
    const [audit, referring] = linksOf(tiers, tables);
    const all = [
      namedMatchSql(tiers, ["Gold Plus", "Tuesday"])!,
      valueMatchSql(tiers, "label", ["Gold Plus", "Tuesday"]),
      keysSql(tiers, ["tier_code", "currency"]),
      updatedSql(row, "updated_at"),
      auditSql(row, audit!, "changed_at", new Date("2026-04-26T12:00:00Z")),
      shiftSql(
        row,
        referring!,
        "created_at",
        ["monthly_fee"],
        editedAt,
        new Date("2026-05-06T06:00:00Z"),
      ),
    ];
    for (const sql of all) expect(await checkSql(sql), sql).toMatchObject({ allowed: true });
    expect(all[0]).toContain(
      "from (select t.tier_code, t.label, t.currency from tiers t limit 501) s",
    );
  });
  it("looks for a named value in no sensitive column: the guard would refuse the table", async () => {
    const [contacts] = tablesOf({
      columns: ["table_name", "column_name", "data_type"],
      rows: [
        ["contacts", "display_name", "text"],
        ["contacts", "contact_email", "text"],
        ["contacts", "access_token", "text"],
        ["contacts", "signing_key", "character varying"],
        ["contacts", "email_verified", "text"],
      ],
      rowCount: 5,
      truncated: false,
    });
    expect(nameColumns(contacts!)).toEqual(["display_name", "email_verified"]);
    expect(await checkSql(namedMatchSql(contacts!, ["Gold Plus"])!)).toMatchObject({
      allowed: true,
    });
  });
});

const side = (n: number) => ({ ns: n, nb: n, os: n, ob: n });

describe("judging the referring rows across the edit", () => {
  const enough = side(MIN_ROWS_EACH_SIDE);

  it("a column that moved for the named row while the others held is shifted", () => {
    const judged = judgeShift({ ...enough, ns0: "0", nb0: "1500.00", os0: 800, ob0: 790 }, ["fee"]);
    expect(judged.shifted).toEqual([{ column: "fee", before: 1500, after: 0 }]);
  });

  it("a column that moved for every row is not the edit's effect", () => {
    const judged = judgeShift({ ...enough, ns0: 0, nb0: 1500, os0: 0, ob0: 800 }, ["fee"]);
    expect(judged.shifted).toEqual([]);
  });

  it("too few rows on one side is not judged", () => {
    const few = { ...enough, ns: MIN_ROWS_EACH_SIDE - 1, ns0: 0, nb0: 1500, os0: 800, ob0: 800 };
    expect(judgeShift(few, ["fee"])).toMatchObject({ enough: false, shifted: [] });
  });
});

const result = (row: Record<string, unknown>): ReplicaQueryResult => ({
  columns: Object.keys(row),
  rows: [Object.values(row)],
  rowCount: 1,
  truncated: false,
});

/** The replica as the read sees it: one tier named, edited in its history, fees zeroed since. */
function replica(auditAt: string | null): ReplicaReader {
  return {
    query: async (sql) => {
      if (sql.includes("limit 501")) return result({ total: 8, m0: 0, m1: 1, m2: 0 });
      if (sql.includes("as v0")) return result({ v0: 1, v1: 0 });
      if (sql.includes("count(distinct")) return result({ total: 8, d0: 8, d1: 3 });
      if (sql.includes("from tier_history a"))
        return result({ edits: auditAt ? 1 : 0, edited_at: auditAt, other_edits: 0 });
      if (sql.includes("max(t.updated_at)")) return result({ edited_at: "2026-03-01 08:00:00+00" });
      if (sql.includes("from accounts r"))
        return result({
          ns: 40,
          nb: 90,
          os: 300,
          ob: 700,
          ns0: "0",
          nb0: "1500",
          os0: 900,
          ob0: 905,
        });
      throw new Error(`unexpected statement: ${sql}`);
    },
  };
}

const ctx = (r: ReplicaReader) => ({
  replica: r,
  ev: new EvidenceCollector({
    specialistId: "db",
    question: "?",
    at: now,
    deadlineMs: 10_000,
    rules: CHECK_RULES,
  }),
  now,
  clock: () => now,
});

describe("on the replica", () => {
  it("an audited edit the referring rows shifted at is a reference_edit signal dated by it", async () => {
    const c = ctx(replica("2026-05-08 09:00:00+00"));
    await checkReferenceEdits(c, tables, ["Gold Plus", "Tuesday"]);
    expect(c.ev.signals).toEqual([
      expect.objectContaining({
        kind: "reference_edit",
        table: "tiers",
        named: "Gold Plus",
        editedAt: "2026-05-08T09:00:00.000Z",
        datedBy: "audit_trail",
        referringTable: "accounts",
        rowsBefore: 90,
        rowsSince: 40,
        shifted: [{ column: "monthly_fee", before: 1500, after: 0 }],
      }),
    ]);
  });

  it("a table whose read is refused costs that table, not the step", async () => {
    const withRefused = tablesOf({
      columns: ["table_name", "column_name", "data_type"],
      rows: [["aaa_refused", "title", "text"], ...tablesRows],
      rowCount: 15,
      truncated: false,
    });
    const base = replica("2026-05-08 09:00:00+00");
    const c = ctx({
      query: async (sql) => {
        if (sql.includes("from aaa_refused")) throw new Error("refused by the SQL guard");
        return base.query(sql);
      },
    });
    await checkReferenceEdits(c, withRefused, ["Gold Plus"]);
    expect(c.ev.signals).toEqual([
      expect.objectContaining({ kind: "reference_edit", table: "tiers", named: "Gold Plus" }),
    ]);
  });

  it("an edit older than the lookback is not an onset: findings only", async () => {
    const c = ctx(replica(null));
    await checkReferenceEdits(c, tables, ["Gold Plus"]);
    expect(c.ev.signals).toEqual([]);
  });
});
