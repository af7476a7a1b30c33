import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type SeededReplica, seedReplica } from "../../sim/replica-seed.ts";
import { loadScenarios, type Scenario } from "../../sim/scenario.ts";
import { createDbSpecialist } from "../../specialists/db/index.ts";
import { openReplica, type ReplicaAdapter } from "../../src/adapters/replica/reader.ts";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { catalogDataChecks, loadServiceCatalog } from "../../src/policy/catalog.ts";
import {
  createGuardedReplica,
  type GuardedReplica,
  type ReadOnlyQueryOptions,
} from "../../src/safety/replica.ts";
import { checkSql } from "../../src/safety/sql-guard.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { specialistInput } from "../setup/scenario-ticket.ts";

/**
 * The replica reader's EXPLAIN ceilings on real Postgres: what the SQL guard cannot price
 * from the text (a join whose condition does not narrow it) is planned, not run, and
 * refused above the cost or the row ceiling; the data checks the scenarios rely on stay
 * under both at their defaults.
 */

const OPTIONS: ReadOnlyQueryOptions = {
  statementTimeoutMs: 5_000,
  lockTimeoutMs: 1_000,
  idleTimeoutMs: 10_000,
  rowCap: 200,
};

/** Joined on a condition, so the guard allows it; a range join of 20,000 rows by 20,000. */
const EXPENSIVE = "select count(*) from events a join events b on a.id < b.id";

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("the replica reader's EXPLAIN ceilings", () => {
  let t: TestDb;
  let admin: postgres.Sql;
  let role: string;
  const readers: GuardedReplica[] = [];

  function reader(options: Partial<ReadOnlyQueryOptions> = {}) {
    const url = new URL(t.url);
    url.username = role;
    const r = createGuardedReplica(url.toString(), { ...OPTIONS, ...options });
    readers.push(r);
    return r;
  }

  beforeEach(async () => {
    t = await createTestDb();
    admin = postgres(t.url, { max: 1, onnotice: () => {} });
    role = `prode_ro_${randomBytes(4).toString("hex")}`;
    await admin.unsafe(`
      create table events as select g as id, now() - g * interval '1 second' as at
        from generate_series(1, 20000) g;
      analyze events;
      create role ${role} login;
      grant connect on database "${t.name}" to ${role};
      grant usage on schema public to ${role};
      grant select on events to ${role};`);
  });

  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.close()));
    await admin.end();
    await t.drop();
    const cluster = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      await cluster.unsafe(`drop role if exists ${role}`);
    } finally {
      await cluster.end();
    }
  });

  it("refuses a statically allowed but expensive join from its plan, without running it", async () => {
    expect(await checkSql(EXPENSIVE)).toMatchObject({ allowed: true });
    const started = Date.now();
    const error = await refusal(reader().query(EXPENSIVE));
    expect(error.code).toBe(ErrorCode.SqlRefused);
    expect(error.message).toMatch(/planner estimates a cost of \d+, above the ceiling of 1000000/);
    // Planned, not run: far below what executing 133 million comparisons would take.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("refuses it on the planner's row estimate when the cost ceiling is lifted", async () => {
    const error = await refusal(reader({ maxPlanCost: 1e12 }).query(EXPENSIVE));
    expect(error.code).toBe(ErrorCode.SqlRefused);
    expect(error.message).toMatch(
      /planner expects a step of \d+ rows, above the ceiling of 100000000/,
    );
    // The row ceiling is the reader's option too.
    const small = await refusal(reader({ maxPlanRows: 100 }).query("select count(*) from events"));
    expect(small.message).toContain("above the ceiling of 100");
  });

  it("only the statement timeout stops it when both ceilings are lifted, and the reader keeps working", async () => {
    // 500 ms: far below the expensive join's run time, far above a one-table count's on a
    // loaded CI machine (50 ms once timed out the cheap query too).
    const r = reader({ maxPlanCost: 1e12, maxPlanRows: 1e12, statementTimeoutMs: 500 });
    const error = await refusal(r.query(EXPENSIVE));
    expect(error.code).toBe(ErrorCode.Timeout);
    const cheap = await r.query("select count(*) from events");
    expect(cheap.rows).toEqual([["20000"]]);
    expect(cheap.planRows).toBeGreaterThanOrEqual(20_000);
    expect(cheap.planRows).toBeLessThan(100_000);
  });
});

describe("the data-state scenarios' checks under the default ceilings", () => {
  const seeded: Array<{ scenario: Scenario; replica: SeededReplica; adapter: ReplicaAdapter }> = [];

  beforeAll(async () => {
    const scenarios = (await loadScenarios()).filter((s) => s.family === "data-state" && s.replica);
    for (const scenario of scenarios) {
      const replica = await seedReplica(TEST_ADMIN_URL, scenario);
      seeded.push({ scenario, replica, adapter: openReplica(replica.url) });
    }
  }, 120_000);

  afterAll(async () => {
    for (const s of seeded) {
      await s.adapter.close();
      await s.replica.drop();
    }
  });

  it("runs every declared and generic check without a refusal", async () => {
    expect(seeded.length).toBeGreaterThanOrEqual(3);
    const db = createDbSpecialist({
      checks: catalogDataChecks(await loadServiceCatalog("policy")),
    });
    for (const { scenario, adapter } of seeded) {
      const input = specialistInput(scenario, { replica: adapter.reader });
      const out = normalizeSpecialistOutput(await db.run(input));
      if (out.status === "skipped") continue;
      expect(out.status, scenario.name).toBe("returned");
      const refused = out.gaps.filter((g) => /sql_refused|SQL refused/.test(g.what));
      expect(refused, scenario.name).toEqual([]);
      // The checks ran and read the replica (what they conclude is specialist-db's concern).
      expect(out.sources.length, scenario.name).toBeGreaterThan(0);
    }
  });
});
