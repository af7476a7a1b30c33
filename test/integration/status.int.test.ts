import { sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.ts";
import { listActiveRuns } from "../../src/runner/status.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { memoryIo } from "../setup/io.ts";

function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

describe("status with 100k runs", () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb();
    await t.db.execute(sql`
      insert into runs (id, ticket, phase, outcome, created_at, ended_at)
      select 'old' || g, 'ENG-' || g, 'RUN_COMPLETE', 'RUN_COMPLETE',
             now() - (g || ' minutes')::interval, now()
      from generate_series(1, 99950) g`);
    await t.db.execute(sql`
      insert into runs (id, ticket, phase, lease_owner, created_at)
      select 'act' || g, 'OPS-' || g, 'WAIT_FOR_EVIDENCE', case when g % 2 = 0 then 'worker-1' end,
             now() - (g || ' seconds')::interval
      from generate_series(1, 50) g`);
    await t.db.execute(sql`insert into approvals (id, run_id, action, digest, requester, expires_at)
      values ('ap1', 'act3', 'production_write', 'd', 'U1', now() + interval '30 minutes')`);
    await t.db.execute(sql`analyze runs`);
  }, 60_000);
  afterEach(async () => {
    await t.drop();
  });

  it("lists the active runs newest first through the partial index", async () => {
    const { total, runs } = await listActiveRuns(t.db, 20);
    expect(total).toBe(50);
    expect(runs.map((r) => r.id).slice(0, 3)).toEqual(["act1", "act2", "act3"]);
    expect(runs.find((r) => r.id === "act3")?.pendingApprovals).toBe(1);

    const plan = rowsOf<{ "QUERY PLAN": string }>(
      await t.db.execute(
        sql`explain select id from runs where outcome is null order by created_at desc limit 20`,
      ),
    )
      .map((r) => r["QUERY PLAN"])
      .join("\n");
    expect(plan).toContain("runs_active_by_created");
    expect(plan).not.toMatch(/Seq Scan on runs/);
  });

  it("prints a table and --json from the CLI", async () => {
    process.env.DATABASE_URL = t.url;
    const io = memoryIo();
    expect(await runCli(["status", "--limit", "5"], io)).toBe(0);
    const lines = io.out().trim().split("\n");
    expect(lines[0]).toMatch(/^TICKET\s+PHASE\s+AGE\s+IN PHASE\s+LEASE OWNER\s+APPROVALS\s+RUN$/);
    expect(lines[1]).toMatch(/^OPS-1\s+WAIT_FOR_EVIDENCE/);
    expect(lines.at(-1)).toBe("…and 45 more active runs");

    const json = memoryIo();
    expect(await runCli(["status", "--json"], json)).toBe(0);
    expect(JSON.parse(json.out())).toMatchObject({ total: 50 });
    expect(await runCli(["status", "--limit", "0"], memoryIo())).toBe(2);
  });
});
