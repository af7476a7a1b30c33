import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runs } from "../../src/db/schema.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import { type PullState, pullWatcher } from "../../src/runner/pr-watch.ts";
import { createRun } from "../../src/runner/runs.ts";
import type { PhaseJobData } from "../../src/runner/types.ts";
import { type TestDb, useTestDb } from "../setup/db.ts";
import { quietLog } from "../setup/runner.ts";

/**
 * The reconciler's poll of PRs that runs wait on (src/runner/pr-watch.ts), on a real
 * Postgres: throttled per run, one failing lookup does not stop the others, and each
 * merged or closed PR moves its run once.
 */

let t: TestDb;
useTestDb((db) => {
  t = db;
});

/** A run parked in AWAIT_HUMAN_REVIEW on PR #`pr` of acme/api. */
async function waitingRun(ticket: string, pr: number): Promise<string> {
  const { run } = await createRun(
    { db: t.db, enqueue: async () => {} },
    {
      ticket,
      trigger: "test",
      context: {
        delivery: {
          band: "draft_pr",
          confidence: 90,
          dryRun: false,
          repository: "acme/api",
          branch: `prode/${ticket}-x`,
          pr: { number: pr, url: `https://github.test/acme/api/pull/${pr}` },
        },
      },
    },
  );
  // Delivery's path to the wait is not under test: the run is put there directly.
  await t.db.update(runs).set({ phase: "AWAIT_HUMAN_REVIEW" }).where(eq(runs.id, run.id));
  return run.id;
}

describe("the PR watch", () => {
  it("reads each waiting run's PR once per interval, moves merged and closed ones once, and survives a failing lookup", async () => {
    const a = await waitingRun("ENG-1", 1);
    const b = await waitingRun("ENG-2", 2);
    const c = await waitingRun("ENG-3", 3);
    let clock = 0;
    const reads: number[] = [];
    const states = new Map<number, PullState | Error>([
      [1, { number: 1, state: "closed", merged: true, mergeCommitSha: "f".repeat(40) }],
      [2, new Error("GitHub is down")],
      [3, { number: 3, state: "closed", merged: false }],
    ]);
    const jobs: PhaseJobData[] = [];
    const pass = pullWatcher({
      db: t.db,
      enqueue: async (job) => {
        jobs.push(job);
      },
      log: quietLog,
      actor: "reconciler@test",
      minIntervalMs: 1_000,
      now: () => clock,
      lookup: async ({ number }) => {
        reads.push(number);
        const state = states.get(number)!;
        if (state instanceof Error) throw state;
        return state;
      },
    });

    // First sight: no read until an interval has passed (the PR was just opened).
    expect(await pass()).toBe(0);
    expect(reads).toEqual([]);
    clock = 1_000;
    expect(await pass()).toBe(2);
    expect(reads.sort()).toEqual([1, 2, 3]);
    // Within the interval nothing is read again.
    expect(await pass()).toBe(0);
    expect(reads).toHaveLength(3);

    const phase = async (id: string) => (await t.db.select().from(runs).where(eq(runs.id, id)))[0]!;
    expect((await phase(a)).phase).toBe("POST_MERGE_MONITOR");
    expect(parseRunContext((await phase(a)).context).delivery?.review).toMatchObject({
      state: "merged",
      via: "poll",
    });
    expect((await phase(b)).phase).toBe("AWAIT_HUMAN_REVIEW");
    const closed = await phase(c);
    expect(closed.phase).toBe("LINEAR_HANDOFF");
    expect(closed.pendingOutcome).toBe("CANNOT_AUTO_FIX");
    expect(parseRunContext(closed.context).decision?.reasons[0]).toMatch(
      /^PR #3 closed by hand .*not merged$/,
    );
    expect(jobs.map((j) => j.phase).sort()).toEqual(["LINEAR_HANDOFF", "POST_MERGE_MONITOR"]);

    // GitHub is back: the next interval's read moves the last run, once.
    states.set(2, { number: 2, state: "closed", merged: true });
    clock = 2_000;
    expect(await pass()).toBe(1);
    expect((await phase(b)).phase).toBe("POST_MERGE_MONITOR");
    clock = 3_000;
    expect(await pass()).toBe(0);
    expect(jobs).toHaveLength(3);
  });
});
