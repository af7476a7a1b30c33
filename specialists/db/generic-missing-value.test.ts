import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { checkSql } from "../../src/safety/sql-guard.ts";
import { CHECK_RULES, EvidenceCollector } from "../shared/collector.ts";
import type { ReplicaQueryResult, ReplicaReader } from "../tools.ts";
import {
  checkMissingValues,
  isWritePathWhole,
  missingSpanSql,
  missingValueSamplesSql,
  quotedNullsSql,
  valueSummarySql,
  writeTimeColumns,
  writtenAroundSql,
} from "./generic-missing-value.ts";
import { tablesOf } from "./schema.ts";

/** Records lacking a value nearly all their peers hold, dated by a write-time column. */

const tables = tablesOf({
  columns: ["table_name", "column_name", "data_type"],
  rows: [
    ["accounts", "id", "text"],
    ["accounts", "status", "text"],
    ["accounts", "cycle_day", "integer"],
    ["accounts", "opened_on", "date"],
    ["accounts", "tier_changed_at", "timestamp with time zone"],
    ["accounts", "last_billed_at", "timestamp with time zone"],
  ],
  rowCount: 6,
  truncated: false,
});
const accounts = tables.find((t) => t.name === "accounts")!;
const NOW = new Date("2026-09-01T12:00:00Z");
const since = new Date("2026-08-31T12:00:00Z");

describe("statements", () => {
  const all = [
    quotedNullsSql(accounts, ["ac_1", "ac_2"]),
    valueSummarySql(accounts, "cycle_day", { states: ["open"], ids: ["ac_1"] }),
    missingSpanSql(accounts, "cycle_day", {
      writeTime: "tier_changed_at",
      states: ["open"],
      since,
    }),
    writtenAroundSql(accounts, {
      writeTime: "tier_changed_at",
      states: ["open"],
      first: "2026-01-01T00:00:00.000Z",
      last: "2026-02-01T00:00:00.000Z",
      cutoff: NOW,
    }),
    missingValueSamplesSql(accounts, "cycle_day", {
      states: ["open"],
      writeTime: "tier_changed_at",
    }),
  ];

  it("every statement passes the SQL guard: aggregates or bounded reads of one table", async () => {
    for (const sql of all) expect(await checkSql(sql), sql).toMatchObject({ allowed: true });
  });

  it("counts the quoted records' NULLs per column and state", () => {
    expect(all[0]).toBe(
      "select t.status as state, count(*) as n, count(*) filter (where t.status is null) as status, count(*) filter (where t.cycle_day is null) as cycle_day, count(*) filter (where t.opened_on is null) as opened_on, count(*) filter (where t.tier_changed_at is null) as tier_changed_at, count(*) filter (where t.last_billed_at is null) as last_billed_at from accounts t where t.id in ('ac_1', 'ac_2') group by t.status limit 20",
    );
  });

  it("never splices a state that is not a short enumeration value", () => {
    expect(() =>
      valueSummarySql(accounts, "cycle_day", { states: ["x' or '1'='1"], ids: ["ac_1"] }),
    ).toThrow();
  });

  it("dates rows by creation or modification times only: not a business date, not a consequence", () => {
    expect(writeTimeColumns(accounts)).toEqual(["tier_changed_at"]);
  });
});

describe("the write path whole again", () => {
  it("a burst followed by many right rows: whole again", () => {
    expect(isWritePathWhole({ missing: 88, during: 88, after: 412 })).toBe(true);
  });

  it("a handful of rows since is too few to tell", () => {
    expect(isWritePathWhole({ missing: 88, during: 88, after: 12 })).toBe(false);
  });

  it("a trickle (one in twenty) needs a run several gaps long", () => {
    expect(isWritePathWhole({ missing: 50, during: 1000, after: 60 })).toBe(false);
    expect(isWritePathWhole({ missing: 50, during: 1000, after: 120 })).toBe(true);
  });
});

/** A replica answering each statement by the check it belongs to. */
function replicaOf(answers: { match: RegExp; columns: string[]; row: unknown[] }[]): ReplicaReader {
  return {
    query: async (sql: string): Promise<ReplicaQueryResult> => {
      const a = answers.find((x) => x.match.test(sql));
      if (!a) return { columns: [], rows: [], rowCount: 0, truncated: false };
      return { columns: a.columns, rows: [a.row], rowCount: 1, truncated: false };
    },
  };
}

const collector = () =>
  new EvidenceCollector({
    specialistId: "db",
    question: "?",
    at: NOW,
    deadlineMs: 10_000,
    rules: CHECK_RULES,
  });
const ctx = (replica: ReplicaReader) => ({ replica, ev: collector(), now: NOW, clock: () => NOW });
const hit = { table: accounts, column: "id", rows: 2 };

const quoted = {
  match: /^select t\.status as state, count\(\*\) as n/,
  columns: ["state", "n", "status", "cycle_day", "opened_on", "tier_changed_at", "last_billed_at"],
  row: ["open", 2, 0, 2, 0, 0, 0],
};
const summary = (withValue: number, missing: number) => ({
  match: /as with_value/,
  columns: ["with_value", "missing", "quoted"],
  row: [withValue, missing, 2],
});
const span = {
  match: /as dated/,
  columns: ["dated", "first_at", "last_at", "recent"],
  row: [88, "2026-03-10 11:20:00+00", "2026-05-17 15:00:00+00", 0],
};
const around = (after: number) => ({
  match: /as during/,
  columns: ["during", "after"],
  row: [88, after],
});

describe("checkMissingValues", () => {
  it("a value nearly all peers hold, missing from the quoted records: one signal, dated and whole again", async () => {
    const c = ctx(replicaOf([quoted, summary(5092, 88), span, around(412)]));
    await checkMissingValues(c, hit, ["ac_1", "ac_2"]);
    expect(c.ev.signals).toEqual([
      expect.objectContaining({
        kind: "stale_derived_rows",
        discrepancy: "missing_value",
        table: "accounts",
        staleCount: 88,
        totalCount: 5180,
        oldestStaleAt: "2026-03-10T11:20:00.000Z",
        newestStaleAt: "2026-05-17T15:00:00.000Z",
        ongoing: false,
        writePathWhole: true,
        ticketEntitiesAffected: 2,
      }),
    ]);
  });

  it("too few rows written since: not whole again (yet)", async () => {
    const c = ctx(replicaOf([quoted, summary(5092, 88), span, around(5)]));
    await checkMissingValues(c, hit, ["ac_1", "ac_2"]);
    expect(c.ev.signals).toEqual([expect.objectContaining({ writePathWhole: false })]);
  });

  it("a value many peers lack too is optional: a finding, no signal", async () => {
    const c = ctx(replicaOf([quoted, summary(700, 300), span, around(412)]));
    await checkMissingValues(c, hit, ["ac_1", "ac_2"]);
    expect(c.ev.signals).toEqual([]);
  });

  it("a refused statement is a gap naming the table, not a crash", async () => {
    const c = ctx({
      query: () => Promise.reject(new AppError(ErrorCode.SqlRefused, "SQL refused: too costly")),
    });
    await checkMissingValues(c, hit, ["ac_1"]);
    const out = c.ev.finish(new AbortController().signal);
    expect(out.gaps).toEqual([
      expect.objectContaining({
        what: expect.stringMatching(/accounts rows lacking a value unavailable \(sql_refused\)/),
      }),
    ]);
  });
});
