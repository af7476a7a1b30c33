import { describe, expect, it } from "vitest";
import { appendAudit, verifyAudit } from "../../src/audit/audit.ts";
import { runs } from "../../src/db/schema.ts";
import { type TestDb, useTestDb } from "../setup/db.ts";

/**
 * Verifying a run's chain while another transaction appends to it (a racing approver's
 * decision) must not see a break: the heads and the rows are read in one snapshot. Read
 * apart, an append committed between the two reads made the chain look longer than its
 * head, and the loser of an approval race was told "no intact record of this request"
 * instead of "already decided".
 */
describe("audit verification under concurrent appends", () => {
  let t: TestDb;
  useTestDb((db) => {
    t = db;
  });

  it("sees one consistent chain, however the appends interleave", async () => {
    await t.db.insert(runs).values({ id: "run_race", ticket: "ENG-1", phase: "AWAIT_APPROVAL" });
    let appending = true;
    const appends = (async () => {
      for (let i = 0; i < 120; i += 1) {
        await appendAudit(t.db, {
          runId: "run_race",
          type: "test.event",
          actor: "t",
          payload: { i },
        });
      }
      appending = false;
    })();
    const breaks: unknown[] = [];
    let verified = 0;
    while (appending) {
      const result = await verifyAudit(t.db, { runId: "run_race" });
      breaks.push(...result.breaks);
      verified += 1;
    }
    await appends;
    expect(verified).toBeGreaterThan(5);
    expect(breaks).toEqual([]);
  }, 60_000);
});
