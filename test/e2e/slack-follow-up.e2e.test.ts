import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FEEDBACK_INPUT_ACTION_ID,
  FEEDBACK_INPUT_BLOCK_ID,
  FEEDBACK_RIGHT_ACTION_ID,
  FEEDBACK_WRONG_ACTION_ID,
} from "../../blocks/feedback.ts";
import { type Harness, startHarness } from "../../sim/demo/run-scenario.ts";
import {
  slackAppMention,
  slackBlockAction,
  slackSlashCommand,
  slackViewSubmission,
} from "../../sim/services/slack-requests.ts";
import type { SlackMessage } from "../../sim/services/slack-workspace.ts";
import { verifyAudit } from "../../src/audit/audit.ts";
import { auditEvents, runs, verdictFeedback } from "../../src/db/schema.ts";
import { FOLLOW_UP_EVENT } from "../../src/slack/follow-up.ts";
import { MILESTONE_EVENT, PARENT_EVENT } from "../../src/slack/messages.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";
import { USERS } from "../setup/slack-harness.ts";

/**
 * What the on-call does in the thread (issue 19.2, 19.3), through the production wiring:
 * the db-state-approval scenario runs in the scenario harness (prode started by the
 * composition root, `dev` role); the simulated Slack delivers `@prode …` as a signed
 * Events API POST to /slack/events and the Right / Wrong clicks and the modal as signed
 * interactions; prode answers in the thread from the run's stored bundle.
 */
async function until<T>(
  what: string,
  read: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function texts(m: { blocks?: unknown[] }): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === "text" && typeof x === "string") out.push(x);
        else walk(x);
      }
    }
  };
  walk(m.blocks ?? []);
  return out.join("\n");
}

describe("follow-ups and feedback in a triage thread, through the production wiring", () => {
  let t: TestDb;
  let prefix: string;
  let policyDir: string;
  let h: Harness;
  let runId: string;
  let parent: SlackMessage;
  const extraRuns: string[] = [];

  beforeAll(async () => {
    t = await createTestDb();
    prefix = testQueuePrefix();
    // The shipped policy, with the world's on-call group as viewers and operators and its
    // engineering lead as an approver; the backend engineer holds no role.
    policyDir = await mkdtemp(join(tmpdir(), "prode-e2e-followup-"));
    await cp("policy", policyDir, { recursive: true });
    for (const file of ["org.yaml", join("teams", "onboarding.yaml")]) {
      const path = join(policyDir, file);
      await writeFile(
        path,
        (await readFile(path, "utf8"))
          .replaceAll("U0LEADAMY", USERS.lead)
          .replaceAll("S0EVERYONE", "S0SREONCAL")
          .replaceAll("S0ONCALL", "S0SREONCAL"),
      );
    }
    h = await startHarness({
      scenario: "db-state-approval",
      ...harnessOpts(t, prefix),
      replicaAdminUrl: TEST_ADMIN_URL,
      policyDir,
    });
    const accepted = await h.trigger();
    expect(accepted.status).toBe(200);
    const run = await h.follow(accepted.runId!);
    runId = run.id;
    parent = h.world.state.slack
      .withMetadata(PARENT_EVENT, channel())
      .find((m) => m.metadata?.event_payload.run_id === runId)!;
    expect(parent).toBeDefined();
  }, 90_000);
  afterAll(async () => {
    for (const id of extraRuns) await h?.follow(id).catch(() => undefined);
    await h?.close();
    await dropQueuePrefix(prefix);
    await t?.drop();
    await rm(policyDir, { recursive: true, force: true });
  });

  const channel = () => h.scenario.slack.incidentChannel;
  const post = (req: { headers: Record<string, string>; body: string }) =>
    fetch(`${h.url}/slack/events`, { method: "POST", headers: req.headers, body: req.body });
  const answersTo = (eventId: string) =>
    h.world.state.slack
      .thread(channel(), parent.ts)
      .filter(
        (m) =>
          m.metadata?.event_type === FOLLOW_UP_EVENT &&
          m.metadata.event_payload.event_id === `event:${eventId}`,
      );
  async function ask(user: string, text: string) {
    const req = slackAppMention(h.world, { user, text, threadTs: parent.ts });
    const res = await post(req);
    expect(res.status).toBe(200);
    return req;
  }
  async function answer(user: string, text: string): Promise<SlackMessage> {
    const req = await ask(user, text);
    return until(`an answer to "${text}"`, () => answersTo(req.eventId)[0]);
  }
  const ephemeralFor = (user: string, pattern: RegExp, after = 0) =>
    until(`an ephemeral to ${user} matching ${pattern}`, () =>
      h.world.state.slack
        .ephemerals()
        .slice(after)
        .find((e) => e.user === user && pattern.test(`${e.text}\n${texts(e)}`)),
    );

  it("'why not infra?' is answered in the thread from the bundle, the same way twice", async () => {
    const first = await answer(USERS.oncall, "why not infra?");
    expect(first.thread_ts).toBe(parent.ts);
    const body = texts(first);
    expect(body).toMatch(/infra/);
    expect(body).toContain("from the stored evidence bundle");
    const second = await answer(USERS.oncall, "why not infra?");
    // Deterministic: the same blocks, but for the footer's time.
    expect(second.blocks!.slice(0, -1)).toEqual(first.blocks!.slice(0, -1));
    // Each answer is audited on the run's chain once posted.
    const audited = await until("both answers audited", async () => {
      const rows = await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.runId, runId), eq(auditEvents.type, "follow_up.answered")));
      return rows.length === 2 ? rows : undefined;
    });
    expect(audited.map((a) => a.actor)).toEqual([`slack:${USERS.oncall}`, `slack:${USERS.oncall}`]);
  }, 60_000);

  it("'show the db queries' lists the run's database queries and the proposed correction", async () => {
    const m = await answer(USERS.oncall, "show the db queries");
    const body = texts(m);
    expect(body).toContain("`db_query:");
    expect(body).toContain("*Proposed, not run*");
  }, 30_000);

  it("'what would change your mind?' lists the gaps and the checks that would settle it", async () => {
    const body = texts(await answer(USERS.oncall, "what would change your mind?"));
    expect(body).toContain("*Gaps in the evidence*");
    expect(body).toContain("What would change my mind");
  }, 30_000);

  it("an unknown question gets the list of what prode answers", async () => {
    const body = texts(await answer(USERS.oncall, "what's the weather like?"));
    expect(body).toContain("Ask me in this thread");
    expect(body).toContain("show the db queries");
  }, 30_000);

  it("Slack's retry of a mention (same event id) is not answered twice; a forged one is refused", async () => {
    const req = await ask(USERS.lead, "why not code?");
    await until("the first answer", () => answersTo(req.eventId)[0]);
    const retry = slackAppMention(h.world, {
      user: USERS.lead,
      text: "why not code?",
      threadTs: parent.ts,
      redeliver: { eventId: req.eventId, ts: req.ts },
      retryNum: 1,
    });
    expect((await post(retry)).status).toBe(200);
    const forged = slackAppMention(
      h.world,
      { user: USERS.lead, text: "rerun", threadTs: parent.ts },
      "not-the-secret",
    );
    expect((await post(forged)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 500));
    expect(answersTo(req.eventId)).toHaveLength(1);
    expect(answersTo(forged.eventId)).toHaveLength(0);
  }, 30_000);

  it("past the limit, a user's questions in the thread are refused to them alone", async () => {
    // The on-call's five questions above were answered within the minute: the sixth is refused.
    const before = h.world.state.slack.ephemerals().length;
    const req = await ask(USERS.oncall, "why not vendor?");
    await ephemeralFor(USERS.oncall, /Too many questions/, before);
    expect(answersTo(req.eventId)).toHaveLength(0);
  }, 30_000);

  it("a user without a role on the run is told so, and nothing is posted in the thread", async () => {
    const req = await ask(USERS.backend, "why not infra?");
    await ephemeralFor(USERS.backend, /needs the viewer role/);
    expect(answersTo(req.eventId)).toHaveLength(0);
  }, 30_000);

  it("'rerun' goes through the normal intake: a new run, then joined rather than doubled", async () => {
    const first = await answer(USERS.lead, "rerun");
    expect(texts(first)).toMatch(/Started triage of/);
    const newRun = /run `([^`]+)`/.exec(texts(first))?.[1];
    expect(newRun).toBeDefined();
    expect(newRun).not.toBe(runId);
    extraRuns.push(newRun!);
    // The new run takes seconds to stop: asking again joins it (one active run per ticket).
    const second = await answer(USERS.lead, "rerun");
    expect(texts(second)).toMatch(/already has an active run/);
    expect(texts(second)).toContain(newRun!);
    const active = await t.db
      .select()
      .from(runs)
      .where(and(eq(runs.ticket, h.scenario.ticket.identifier), isNull(runs.outcome)));
    expect(active.length).toBeLessThanOrEqual(1);
  }, 60_000);

  describe("feedback on the verdict", () => {
    const decision = () =>
      h.world.state.slack
        .thread(channel(), parent.ts)
        .find(
          (m) =>
            m.metadata?.event_type === MILESTONE_EVENT &&
            m.metadata.event_payload.kind === "decision",
        )!;
    const click = (user: string, actionId: string, value: string) =>
      post(
        slackBlockAction(h.world, {
          user,
          actionId,
          value,
          channel: channel(),
          messageTs: decision().ts,
        }),
      );
    const feedbackRows = () =>
      t.db.select().from(verdictFeedback).where(eq(verdictFeedback.runId, runId));

    it("the decision reply carries Right / Wrong; Right is stored per user and audited", async () => {
      expect(JSON.stringify(decision().blocks)).toContain(FEEDBACK_RIGHT_ACTION_ID);
      const res = await click(USERS.oncall, FEEDBACK_RIGHT_ACTION_ID, runId);
      expect(res.status).toBe(200);
      const row = await until("the feedback row", async () => (await feedbackRows())[0]);
      expect(row).toMatchObject({ userId: USERS.oncall, verdict: "right", correctOutcome: null });
      expect(row.prodeOutcome).toBe("APPROVAL_REQUIRED");
      await ephemeralFor(USERS.oncall, /Saved your feedback/);
    }, 30_000);

    it("Wrong opens a modal for the right exit; submitting replaces the user's answer, audited", async () => {
      const opened = h.world.state.slack.openedViews().length;
      expect((await click(USERS.oncall, FEEDBACK_WRONG_ACTION_ID, runId)).status).toBe(200);
      const modal = await until("the modal", () => h.world.state.slack.openedViews()[opened]);
      expect(JSON.stringify(modal.view)).toContain("NO_CODE_CHANGE");
      const submit = slackViewSubmission(h.world, {
        user: USERS.oncall,
        view: { ...modal.view, id: modal.id, hash: modal.hash },
        selected: { [FEEDBACK_INPUT_BLOCK_ID]: { [FEEDBACK_INPUT_ACTION_ID]: "NO_CODE_CHANGE" } },
      });
      expect((await post(submit)).status).toBe(200);
      const row = await until("the answer to change", async () => {
        const [r] = await feedbackRows();
        return r?.verdict === "wrong" ? r : undefined;
      });
      expect(row.correctOutcome).toBe("NO_CODE_CHANGE");
      expect(await feedbackRows()).toHaveLength(1);
      const types = (
        await t.db
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.runId, runId), eq(auditEvents.actor, `slack:${USERS.oncall}`)))
      ).map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(["feedback.recorded", "feedback.updated"]));
      expect((await verifyAudit(t.db, { runId })).ok).toBe(true);
    }, 30_000);

    it("`/prode status RUN` shows the feedback given", async () => {
      const before = h.world.state.slack.ephemerals().length;
      const res = await post(
        slackSlashCommand(h.world, { user: USERS.oncall, text: `status ${runId}` }),
      );
      expect(res.status).toBe(200);
      await ephemeralFor(
        USERS.oncall,
        /Verdict feedback:\* 1 wrong \(said NO_CODE_CHANGE\)/,
        before,
      );
    }, 30_000);

    it("a malformed value, an unknown run and a user without a role get a clear answer; nothing is stored", async () => {
      const before = (await feedbackRows()).length;
      expect((await click(USERS.oncall, FEEDBACK_RIGHT_ACTION_ID, "not a run id!")).status).toBe(
        200,
      );
      await ephemeralFor(USERS.oncall, /does not name a run/);
      expect((await click(USERS.oncall, FEEDBACK_RIGHT_ACTION_ID, "run_missing")).status).toBe(200);
      await ephemeralFor(USERS.oncall, /No run `run_missing`/);
      expect((await click(USERS.backend, FEEDBACK_RIGHT_ACTION_ID, runId)).status).toBe(200);
      await ephemeralFor(USERS.backend, /needs the viewer role/);
      expect(await feedbackRows()).toHaveLength(before);
      // The process is still up and answering.
      expect((await fetch(`${h.url}/healthz`)).status).toBeLessThan(500);
    }, 30_000);
  });
});
