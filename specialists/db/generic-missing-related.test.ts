import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { checkSql } from "../../src/safety/sql-guard.ts";
import { CHECK_RULES, EvidenceCollector } from "../shared/collector.ts";
import type { ReplicaReader } from "../tools.ts";
import {
  checkMissingRelated,
  isStillAppearing,
  judgeMissing,
  missingEntitySql,
  missingSamplesSql,
  missingSummarySql,
  recoverySql,
  withRelatedSql,
} from "./generic-missing-related.ts";
import { tablesOf } from "./schema.ts";

/** Records lacking the related row nearly all their peers in the same state have. */

const tables = tablesOf({
  columns: ["table_name", "column_name", "data_type"],
  rows: [
    ["invoices", "id", "text"],
    ["invoices", "state", "text"],
    ["invoices", "created_at", "timestamp with time zone"],
    ["receipts", "id", "text"],
    ["receipts", "invoice_id", "text"],
    ["receipts", "created_at", "timestamp with time zone"],
    ["notes", "id", "text"],
    ["notes", "body", "text"],
  ],
  rowCount: 8,
  truncated: false,
});
const invoices = tables.find((t) => t.name === "invoices")!;
const receipts = tables.find((t) => t.name === "receipts")!;
const window = {
  cutoff: new Date("2026-01-02T09:00:00Z"),
  since: new Date("2026-01-01T10:00:00Z"),
};

describe("statements", () => {
  const all = [
    missingEntitySql(invoices, receipts, "invoice_id", ["inv_1", "inv_2"]),
    withRelatedSql(invoices, receipts, "invoice_id", "paid"),
    missingSummarySql(invoices, receipts, "invoice_id", { state: "paid", ids: ["inv_1"], window }),
    missingSamplesSql(invoices, receipts, "invoice_id", "paid", window.cutoff),
    recoverySql(invoices, "paid", {
      first: "2026-01-01T15:00:00.000Z",
      last: "2026-01-01T15:20:00.000Z",
      cutoff: window.cutoff,
    }),
  ];

  it("every statement passes the SQL guard: aggregates or bounded, tables related by qualified joins", async () => {
    for (const sql of all) expect(await checkSql(sql), sql).toMatchObject({ allowed: true });
  });

  it("relates the quoted records to the referring table by a left join, undoing its fan-out", () => {
    expect(all[0]).toBe(
      "select t.state as state, count(distinct t.id) as n, count(distinct t.id) filter (where r.invoice_id is null) as missing from invoices t left join receipts r on r.invoice_id = t.id where t.id in ('inv_1', 'inv_2') group by t.state limit 20",
    );
  });

  it("counts a record as missing its related row only once it is older than the in-flight cutoff", () => {
    expect(all[2]).toContain(
      "where t.state = 'paid' and not exists (select 1 from receipts r where r.invoice_id = t.id) and t.created_at < '2026-01-02T09:00:00.000Z'::timestamptz",
    );
    expect(all[2]).toContain("count(*) filter (where t.id in ('inv_1')) as quoted");
    expect(all[3]).toMatch(/order by t\.created_at, t\.id limit 5$/);
  });

  it("never splices a state that is not a short enumeration value", () => {
    expect(() => withRelatedSql(invoices, receipts, "invoice_id", "x' or '1'='1")).toThrow();
    expect(() =>
      missingSamplesSql(invoices, receipts, "invoice_id", "paid'--", window.cutoff),
    ).toThrow();
  });
});

describe("judging the share", () => {
  it("a related row nearly all settled peers have, absent on some: a discrepancy", () => {
    expect(judgeMissing({ withRelated: 940, missing: 60 })).toEqual({
      kind: "missing",
      missing: 60,
      peers: 1000,
    });
  });

  it("a related row only some peers have is optional: its absence is ordinary", () => {
    expect(judgeMissing({ withRelated: 800, missing: 200 })).toMatchObject({ kind: "optional" });
  });

  it("a share over a handful of peers is no norm", () => {
    expect(judgeMissing({ withRelated: 19, missing: 1 })).toMatchObject({ kind: "optional" });
  });

  it("nothing missing is nothing to report", () => {
    expect(judgeMissing({ withRelated: 500, missing: 0 })).toEqual({ kind: "none" });
  });
});

describe("still appearing", () => {
  it("none within the ongoing window: not ongoing", () => {
    expect(isStillAppearing({ recent: 0, missing: 40, during: 40, after: 0 })).toBe(false);
  });

  it("a recent burst followed by many whole records: the write path recovered", () => {
    expect(isStillAppearing({ recent: 300, missing: 300, during: 300, after: 420 })).toBe(false);
  });

  it("a recent burst with only a few records since: too early to call it over", () => {
    expect(isStillAppearing({ recent: 300, missing: 300, during: 300, after: 12 })).toBe(true);
  });

  it("a trickle (one in twenty) needs a run several gaps long before it counts as stopped", () => {
    expect(isStillAppearing({ recent: 10, missing: 50, during: 1000, after: 60 })).toBe(true);
    expect(isStillAppearing({ recent: 10, missing: 50, during: 1000, after: 120 })).toBe(false);
  });
});

describe("a refused statement", () => {
  const collector = () =>
    new EvidenceCollector({
      specialistId: "db",
      question: "?",
      at: window.cutoff,
      deadlineMs: 10_000,
      rules: CHECK_RULES,
    });
  const ctx = (replica: ReplicaReader) => ({
    replica,
    ev: collector(),
    now: window.cutoff,
    clock: () => window.cutoff,
  });
  const hit = { table: invoices, column: "id", rows: 1 };

  it("is a gap naming the referring table, not a crash", async () => {
    const c = ctx({
      query: () => Promise.reject(new AppError(ErrorCode.SqlRefused, "SQL refused: too costly")),
    });
    await checkMissingRelated(c, hit, tables, ["inv_1"]);
    const out = c.ev.finish(new AbortController().signal);
    expect(out.gaps).toEqual([
      expect.objectContaining({
        what: expect.stringMatching(
          /invoices rows without a receipts row unavailable \(sql_refused\)/,
        ),
      }),
    ]);
    expect(c.ev.signals).toEqual([]);
  });

  it("a programming error is not swallowed as a gap", async () => {
    const c = ctx({ query: () => Promise.reject(new TypeError("bug")) });
    await expect(checkMissingRelated(c, hit, tables, ["inv_1"])).rejects.toThrow("bug");
  });
});
