import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditEvents, runs } from "../../src/db/schema.ts";
import { askCommand, type SlackHarness, startSlackHarness, USERS } from "../setup/slack-harness.ts";

/**
 * Issue 18 item 9: `/prode status` shows a run only to holders of the viewer role under
 * that run's policy (its team scope); someone with no viewer role is refused, audited.
 */

let h: SlackHarness;
beforeEach(async () => {
  h = await startSlackHarness();
  // The payments team narrows its viewers to the on-call operator (admins keep theirs).
  await mkdir(join(h.policyDir, "teams"), { recursive: true });
  await writeFile(
    join(h.policyDir, "teams", "payments.yaml"),
    "version: 1\nroles:\n  viewer: { users: [] }\n",
  );
  await h.t.db.insert(runs).values([
    {
      id: "run_onb",
      ticket: "ENG-401",
      phase: "WAIT_FOR_EVIDENCE",
      context: { title: "Onboarding 500s", team: "onboarding", service: "onboarding-api" },
    },
    {
      id: "run_pay",
      ticket: "ENG-402",
      phase: "WAIT_FOR_EVIDENCE",
      context: { title: "Refund webhook retries", team: "payments" },
    },
  ]);
});
afterEach(async () => {
  await h.close();
});

const ask = (text: string, user: string) => askCommand(h, text, user);

describe("/prode status is scoped to viewers of each run's team", () => {
  it("refuses someone with no viewer role, list and detail, and audits it", async () => {
    const list = await ask("status", USERS.backend);
    expect(list).toContain("needs the viewer role");
    expect(list).not.toContain("ENG-401");
    expect(list).not.toContain("Onboarding 500s");
    const detail = await ask("status ENG-401", USERS.backend);
    expect(detail).toContain("needs the viewer role");
    expect(detail).not.toContain("Onboarding 500s");
    const refused = await h.t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, "status.refused"));
    expect(refused.map((r) => [r.actor, r.payload.reason])).toEqual([
      [`slack:${USERS.backend}`, "not_viewer"],
      [`slack:${USERS.backend}`, "not_viewer"],
    ]);
  });

  it("shows a viewer the runs of teams they may view, and not another team's", async () => {
    const list = await ask("status", USERS.support);
    expect(list).toContain("ENG-401");
    expect(list).not.toContain("ENG-402");
    expect(list).not.toContain("Refund webhook retries");
    // The other team's run reads as absent, not as forbidden: its existence is not told.
    const detail = await ask("status ENG-402", USERS.support);
    expect(detail).toContain("No run found");
    expect(detail).not.toContain("Refund webhook retries");
    // An admin keeps the viewer role everywhere.
    expect(await ask("status ENG-402", USERS.dba)).toContain("Refund webhook retries");
  });
});
