import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { runs } from "../../src/db/schema.ts";
import { sweepOrphanWorktrees } from "../../src/delivery/orphans.ts";
import { createRun } from "../../src/runner/runs.ts";
import { type TestDb, useTestDb } from "../setup/db.ts";

let t: TestDb;
useTestDb((db) => {
  t = db;
});
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

async function runAt(ticket: string, phase: string, outcome: string | null = null) {
  const { run } = await createRun(
    { db: t.db, enqueue: async () => {} },
    { ticket, trigger: "test" },
  );
  await t.db.update(runs).set({ phase, outcome }).where(eq(runs.id, run.id));
  return run.id;
}

describe("the reconciler's worktree sweep", () => {
  it("removes the worktrees of runs that stopped, wait for review or are unknown, and keeps those still delivering", async () => {
    const root = mkdtempSync(join(tmpdir(), "prode-sweep-"));
    roots.push(root);
    const implementing = await runAt("ENG-1", "IMPLEMENT");
    const stopped = await runAt("ENG-2", "CANNOT_AUTO_FIX", "CANNOT_AUTO_FIX");
    const reviewing = await runAt("ENG-3", "AWAIT_HUMAN_REVIEW");
    const unknown = "run_not_in_this_db";
    for (const id of [implementing, stopped, reviewing, unknown]) {
      mkdirSync(join(root, id, "repo"), { recursive: true });
    }
    const swept = await sweepOrphanWorktrees(t.db, root);
    expect(swept.sort()).toEqual([stopped, reviewing, unknown].sort());
    expect(readdirSync(root)).toEqual([implementing]);
  });

  it("does nothing when the worktree root does not exist yet", async () => {
    expect(await sweepOrphanWorktrees(t.db, join(tmpdir(), "prode-sweep-absent-x"))).toEqual([]);
  });
});
