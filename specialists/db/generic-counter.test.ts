import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { checkSql } from "../../src/safety/sql-guard.ts";
import { CHECK_RULES, EvidenceCollector } from "../shared/collector.ts";
import type { ReplicaQueryResult, ReplicaReader } from "../tools.ts";
import {
  checkCounters,
  counterColumns,
  counterCorrectionSql,
  counterSamplesSql,
  counterSummarySql,
  explainingValue,
  explainSql,
  fitSql,
  pickFit,
  referrerStatesSql,
} from "./generic-counter.ts";
import { tablesOf } from "./schema.ts";

/** A cached counter out of step with the rows it counts, found from the schema and the data. */

const tables = tablesOf({
  columns: ["table_name", "column_name", "data_type"],
  rows: [
    ["lists", "id", "text"],
    ["lists", "size", "integer"],
    ["lists", "open_items", "integer"],
    ["items", "id", "text"],
    ["items", "list_id", "text"],
    ["items", "status", "text"],
    ["items", "source", "text"],
    ["items", "added_at", "timestamp with time zone"],
    ["items", "closed_at", "timestamp with time zone"],
  ],
  rowCount: 9,
  truncated: false,
});
const lists = tables.find((t) => t.name === "lists")!;
const items = tables.find((t) => t.name === "items")!;
const fit = {
  t: lists,
  r: items,
  refColumn: "list_id",
  counter: "open_items",
  counted: { state: "open" },
};
const now = new Date("2026-05-10T12:00:00Z");

describe("statements", () => {
  const all = [
    referrerStatesSql(items),
    fitSql(lists, items, "list_id", {
      counters: ["size", "open_items"],
      counted: [{}, { state: "open" }],
    }),
    counterSummarySql(fit, ["ls_1", "ls_2"]),
    explainSql(fit, "source", true),
    counterSamplesSql(fit),
  ];

  it("every statement passes the SQL guard: aggregates or bounded", async () => {
    for (const sql of all) expect(await checkSql(sql), sql).toMatchObject({ allowed: true });
  });

  it("tests every integer column against every count in one aggregate, with the counts it spans", () => {
    expect(all[1]).toBe(
      "select count(*) as total, count(*) filter (where t.size = s.n0) as m0_0, count(distinct s.n0) filter (where t.size = s.n0) as d0_0, min(s.n0) filter (where t.size = s.n0) as l0_0, count(*) filter (where t.size = s.n1) as m0_1, count(distinct s.n1) filter (where t.size = s.n1) as d0_1, min(s.n1) filter (where t.size = s.n1) as l0_1, count(*) filter (where t.open_items = s.n0) as m1_0, count(distinct s.n0) filter (where t.open_items = s.n0) as d1_0, min(s.n0) filter (where t.open_items = s.n0) as l1_0, count(*) filter (where t.open_items = s.n1) as m1_1, count(distinct s.n1) filter (where t.open_items = s.n1) as d1_1, min(s.n1) filter (where t.open_items = s.n1) as l1_1 from lists t join (select r.list_id as k, count(*) as n0, count(*) filter (where r.status = 'open') as n1 from items r group by r.list_id) s on s.k = t.id",
    );
  });

  it("looks for the over-counted rows outside the count, dated by their newest timestamp", () => {
    expect(all[3]).toContain("where not (r.status = 'open') group by r.source limit 21");
    expect(all[3]).toContain("min(greatest(r.added_at, r.closed_at)) filter (where x.stale)");
    expect(explainSql(fit, "source", false)).toContain("where r.status = 'open' group by");
  });

  it("proposes a recount, never run by prode", () => {
    expect(counterCorrectionSql(fit)).toContain(
      "update lists t set open_items = (select count(*) from items r where r.list_id = t.id and r.status = 'open') where t.open_items <>",
    );
  });

  it("a key column is no counter, and a state is never spliced unless it is an enumeration value", () => {
    expect(counterColumns(lists)).toEqual(["size", "open_items"]);
    expect(() =>
      counterSummarySql({ ...fit, counted: { state: "x' or '1'='1" } }, ["ls_1"]),
    ).toThrow();
  });
});

describe("which count a column caches", () => {
  it("the reading most records match, over enough of them", () => {
    const best = pickFit(240, [
      { counter: "size", counted: {}, matches: 3, values: 2 },
      { counter: "open_items", counted: { state: "open" }, matches: 199, values: 7 },
    ]);
    expect(best).toMatchObject({ counter: "open_items", counted: { state: "open" } });
  });

  it("a match on a minority of records, or on a handful, is chance", () => {
    expect(
      pickFit(240, [{ counter: "size", counted: {}, matches: 100, values: 9 }]),
    ).toBeUndefined();
    expect(pickFit(30, [{ counter: "size", counted: {}, matches: 19, values: 9 }])).toBeUndefined();
  });

  it("a column and a count both mostly 1 agree by coincidence, however many records match", () => {
    // e.g. a quantity of 1 on records with one referring row each: 190 of 200 match on 1 and 2.
    expect(
      pickFit(200, [{ counter: "size", counted: {}, matches: 190, values: 2 }]),
    ).toBeUndefined();
    expect(
      pickFit(200, [{ counter: "size", counted: {}, matches: 190, values: 1 }]),
    ).toBeUndefined();
  });

  it("a column equal to a count of 2 or more on most records fits, even on one value", () => {
    expect(
      pickFit(240, [{ counter: "size", counted: {}, matches: 199, values: 1, low: 27 }]),
    ).toMatchObject({ counter: "size" });
    expect(
      pickFit(200, [{ counter: "size", counted: {}, matches: 190, values: 2, low: 1 }]),
    ).toBeUndefined();
  });

  it("a coincidental reading neither wins nor ties against a real cache", () => {
    const fits = [
      { counter: "size", counted: {}, matches: 195, values: 1 },
      { counter: "open_items", counted: { state: "open" }, matches: 170, values: 6 },
    ];
    expect(pickFit(200, fits)).toMatchObject({ counter: "open_items" });
    expect(pickFit(200, [fits[0]!, { ...fits[1]!, matches: 195 }])).toMatchObject({
      counter: "open_items",
    });
  });

  it("two readings fitting equally well: which one is cached is unknown", () => {
    const fits = [
      { counter: "size", counted: {}, matches: 150, values: 5 },
      { counter: "size", counted: { state: "open" }, matches: 150, values: 5 },
    ];
    expect(pickFit(200, fits)).toBeUndefined();
  });
});

describe("what explains the gap", () => {
  it("a value whose rows on stale records add up to the gap and sit on no consistent record", () => {
    const rows = [
      { value: "manual", on_stale: 120, on_consistent: 600 },
      { value: "import", on_stale: 40, on_consistent: 0 },
    ];
    expect(explainingValue(rows, 40)).toMatchObject({ value: "import" });
  });

  it("a value also found on consistent records explains nothing", () => {
    expect(
      explainingValue([{ value: "import", on_stale: 40, on_consistent: 3 }], 40),
    ).toBeUndefined();
  });
});

const result = (row: Record<string, unknown>): ReplicaQueryResult => ({
  columns: Object.keys(row),
  rows: [Object.values(row)],
  rowCount: 1,
  truncated: false,
});

describe("on the replica", () => {
  const ctx = (replica: ReplicaReader) => ({
    replica,
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
  const hit = { table: lists, column: "id", rows: 2 };
  /** Open items are counted; 30 lists over-count by the items an import closed. */
  const replica: ReplicaReader = {
    query: async (sql) => {
      if (sql.includes("group by r.status order by")) return result({ state: "open", n: 900 });
      if (sql.includes("as m0_0"))
        return result({ total: 200, m0_0: 0, m0_1: 0, m1_0: 0, m1_1: 170, d1_1: 6 });
      if (sql.includes("as over"))
        return result({ total: 200, stale: 30, gap: 60, over: 30, quoted: 2 });
      if (sql.includes("group by r.source"))
        return result({
          value: "import",
          on_stale: 60,
          on_consistent: 0,
          first_at: "2026-05-01 10:00:00+00",
          last_at: "2026-05-10 08:00:00+00",
        });
      if (sql.includes("order by t.id limit")) return result({ id: "ls_9" });
      return { columns: ["value"], rows: [], rowCount: 0, truncated: false };
    },
  };

  it("a counter out of step, the ticket's records among the stale ones: a dated, ongoing derived-counter discrepancy", async () => {
    const c = ctx(replica);
    await checkCounters(c, hit, tables, ["ls_1", "ls_2"]);
    expect(c.ev.signals).toEqual([
      expect.objectContaining({
        kind: "stale_derived_rows",
        discrepancy: "derived_counter",
        table: "lists",
        staleCount: 30,
        totalCount: 200,
        oldestStaleAt: "2026-05-01T10:00:00.000Z",
        newestStaleAt: "2026-05-10T08:00:00.000Z",
        ongoing: true,
        ticketEntitiesAffected: 2,
        sampleIds: ["ls_9"],
      }),
    ]);
  });

  it("the ticket's records agree with the counter: a finding, no signal", async () => {
    const c = ctx({
      query: async (sql) =>
        sql.includes("as over")
          ? result({ total: 200, stale: 30, gap: 60, over: 30, quoted: 0 })
          : replica.query(sql),
    });
    await checkCounters(c, hit, tables, ["ls_1"]);
    expect(c.ev.signals).toEqual([]);
  });

  it("a column matching the count only where both are 1: no counter, no signal", async () => {
    const c = ctx({
      query: async (sql) =>
        sql.includes("as m0_0")
          ? result({ total: 200, m0_0: 190, d0_0: 1, m0_1: 0, m1_0: 0, m1_1: 0 })
          : replica.query(sql),
    });
    await checkCounters(c, hit, tables, ["ls_1"]);
    expect(c.ev.signals).toEqual([]);
  });

  it("a refused statement is a gap naming the referring table, not a crash", async () => {
    const c = ctx({
      query: () => Promise.reject(new AppError(ErrorCode.SqlRefused, "SQL refused: too costly")),
    });
    await checkCounters(c, hit, tables, ["ls_1"]);
    const out = c.ev.finish(new AbortController().signal);
    expect(out.gaps).toEqual([
      expect.objectContaining({
        what: expect.stringMatching(/lists counters against items unavailable \(sql_refused\)/),
      }),
    ]);
  });
});
