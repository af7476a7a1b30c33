import type { ChildProcess } from "node:child_process";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { phaseTransitions } from "../../src/db/schema.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { TestDb } from "../setup/db.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
import {
  hasEnded,
  type TestRunner,
  transitionsOf,
  useTestRunner,
  waitForRun,
} from "../setup/runner.ts";
import { spawnFixture } from "../setup/worker-process.ts";

function startSlowWorker(t: TestDb, r: TestRunner, phaseMs: number, graceMs: number) {
  return spawnFixture("test/setup/processes/slow-worker.ts", [
    t.url,
    TEST_REDIS_URL,
    r.prefix,
    String(phaseMs),
    String(graceMs),
  ]);
}

describe("SIGTERM on a worker process", () => {
  let t: TestDb;
  let r: TestRunner;
  let child: ChildProcess | undefined;
  useTestRunner((db, runner) => {
    t = db;
    r = runner;
  });
  // Registered after the runner's hooks, so it runs before they close the runner.
  afterEach(() => {
    child?.kill("SIGKILL");
  });

  it("finishes the running phase within the grace, commits it, and exits cleanly", async () => {
    const w = startSlowWorker(t, r, 800, 10_000);
    child = w.child;
    await w.saw("STARTED");
    const { run } = await createRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { ticket: "ENG-T1", trigger: "test" },
    );
    await w.saw("IN_PHASE");
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    const path = await transitionsOf(t, run.id);
    expect(path.map((p) => [p.fromState, p.worker])).toEqual([
      ["QUEUED", "terminated"],
      ["PRECHECK", "terminated"],
    ]);
    // Nothing lost: another worker carries the run on from the next phase.
    r.startWorker("successor", {
      LINEAR_HANDOFF: async () => ({ next: "WRITE_CANDIDATE_LEARNING" }),
    });
    expect((await waitForRun(t, run.id, hasEnded)).outcome).toBe("RUN_COMPLETE");
  }, 40_000);

  it("past the grace, aborts the phase and releases its lease so another worker takes it at once", async () => {
    const w = startSlowWorker(t, r, 60_000, 300);
    child = w.child;
    await w.saw("STARTED");
    const { run } = await createRun(
      { db: t.db, enqueue: r.queue.enqueue },
      { ticket: "ENG-T2", trigger: "test" },
    );
    await w.saw("IN_PHASE");
    w.child.kill("SIGTERM");
    expect(await w.exited).toBe(0);
    const released = await waitForRun(t, run.id, () => true);
    expect(released).toMatchObject({ phase: "PRECHECK", leaseOwner: null });
    r.startWorker("successor", {
      LINEAR_HANDOFF: async () => ({ next: "WRITE_CANDIDATE_LEARNING" }),
    });
    expect((await waitForRun(t, run.id, hasEnded)).outcome).toBe("RUN_COMPLETE");
    const precheck = await t.db
      .select()
      .from(phaseTransitions)
      .where(eq(phaseTransitions.fromState, "PRECHECK"));
    expect(precheck.map((p) => p.worker)).toEqual(["successor"]);
  }, 40_000);
});
