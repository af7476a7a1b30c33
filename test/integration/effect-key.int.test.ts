import { describe, expect, it } from "vitest";
import { performEffect } from "../../src/runner/effects.ts";
import { PARENT_EFFECT } from "../../src/slack/notifier.ts";
import { activeRunViews } from "../../src/slack/run-queries.ts";
import { type TestDb, useTestDb } from "../setup/db.ts";
import { insertLeasedRun } from "../setup/slack-approval-fixtures.ts";

/**
 * Readers of the effect ledger find an effect by the key the ledger wrote, including in
 * SQL (effectKeySql), where the run id is a column of the query.
 */
describe("the effect ledger's key, read back", () => {
  let t: TestDb;
  useTestDb((db) => {
    t = db;
  });

  it("an active run links the Slack thread its parent effect recorded", async () => {
    const posted = await insertLeasedRun(t.db, "run_key_posted");
    const silent = await insertLeasedRun(t.db, "run_key_silent");
    const ref = { channel: "C0INCIDENT", ts: "1718000000.000100", permalink: "https://slack/p1" };
    await performEffect(
      t.db,
      { runId: posted.id, fencing: posted.fencing, workerId: posted.leaseOwner! },
      {
        name: PARENT_EFFECT,
        capability: "slack_post",
        perform: async () => ({ externalId: `${ref.channel}/${ref.ts}`, result: ref }),
      },
    );

    const { runs } = await activeRunViews(t.db);
    expect(runs.find((r) => r.runId === posted.id)?.threadUrl).toBe(ref.permalink);
    expect(runs.find((r) => r.runId === silent.id)).toBeDefined();
    expect(runs.find((r) => r.runId === silent.id)?.threadUrl).toBeUndefined();
  });
});
