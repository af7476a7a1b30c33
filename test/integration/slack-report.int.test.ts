import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditEvents, runs } from "../../src/db/schema.ts";
import { askCommand, type SlackHarness, startSlackHarness, USERS } from "../setup/slack-harness.ts";

/**
 * `/prode report [weekly|calibration]` (issue 15.6): the reliability review as a Slack
 * message, through the real Bolt endpoint and the slash-command queue. It spans every
 * team, so it needs a role in the platform policy; a refusal is audited.
 */

let h: SlackHarness;
beforeEach(async () => {
  h = await startSlackHarness();
  const ended = new Date(Date.now() - 3600_000);
  await h.t.db.insert(runs).values([
    {
      id: "run_a",
      ticket: "ENG-501",
      phase: "RUN_COMPLETE",
      outcome: "VENDOR_OR_INFRA",
      endedAt: ended,
      createdAt: ended,
    },
    {
      id: "run_b",
      ticket: "ENG-502",
      phase: "FAILED",
      outcome: "FAILED",
      error: "upstream_unavailable: sentry down",
      endedAt: ended,
      createdAt: ended,
    },
  ]);
});
afterEach(async () => {
  await h.close();
});

const ask = (text: string, user: string) => askCommand(h, text, user);

describe("/prode report", () => {
  it("shows a platform viewer the last 7 days by exit, in fixed width", async () => {
    const weekly = await ask("report", USERS.support);
    expect(weekly).toContain("Weekly reliability review");
    expect(weekly).toContain("runs: 2 started");
    expect(weekly).toContain("VENDOR_OR_INFRA");
    const calibration = await ask("report calibration", USERS.support);
    expect(calibration).toContain("Confidence calibration");
  });

  it("refuses someone with no platform role, shows nothing, and audits it", async () => {
    const answer = await ask("report weekly", USERS.backend);
    expect(answer).toContain("needs a role in prode's platform policy");
    expect(answer).not.toContain("ENG-50");
    const refused = await h.t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, "report.refused"));
    expect(refused.map((r) => r.actor)).toEqual([`slack:${USERS.backend}`]);
  });

  it("answers a bad report name with the usage", async () => {
    expect(await ask("report monthly", USERS.support)).toContain("`report` takes `weekly`");
  });
});
