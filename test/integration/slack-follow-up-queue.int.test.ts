import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEEDBACK_RIGHT_ACTION_ID } from "../../blocks/feedback.ts";
import { slackAppMention, slackBlockAction } from "../../sim/services/slack-requests.ts";
import { appendAudit } from "../../src/audit/audit.ts";
import { effects, runs, verdictFeedback } from "../../src/db/schema.ts";
import { FOLLOW_UP_EVENT, FOLLOW_UP_LIMIT } from "../../src/slack/follow-up.ts";
import { PARENT_EFFECT } from "../../src/slack/notifier.ts";
import {
  CHANNEL,
  ephemeralsFor,
  type SlackHarness,
  startSlackHarness,
  USERS,
} from "../setup/slack-harness.ts";

/**
 * Follow-ups and feedback as `prode web` + `prode worker` handle them: the web side
 * verifies, acks and enqueues; the worker answers. The run is set up by hand (no phase
 * worker runs here): a parent message in the channel and its ledger entry, no bundle yet.
 */
async function until<T>(read: () => T | undefined | Promise<T | undefined>, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("follow-ups and feedback through the interaction queue", () => {
  let h: SlackHarness;
  let parentTs: string;

  beforeAll(async () => {
    h = await startSlackHarness({ viaQueue: true });
    parentTs = h.world.state.slack.postAsUser({
      channel: CHANNEL,
      user: "U0PRODEBOT",
      text: "ENG-9 triage",
    }).ts;
    await h.t.db.insert(runs).values({ id: "run_q1", ticket: "ENG-9", phase: "WAIT_FOR_EVIDENCE" });
    await h.t.db.insert(effects).values({
      key: `run_q1:${PARENT_EFFECT}`,
      runId: "run_q1",
      name: PARENT_EFFECT,
      status: "done",
      result: { channel: CHANNEL, ts: parentTs },
      fencing: 0,
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const post = (req: { headers: Record<string, string>; body: string }) =>
    fetch(h.url, { method: "POST", headers: req.headers, body: req.body });

  it("a question in the thread of a run without a bundle yet says so, in the thread", async () => {
    const req = slackAppMention(h.world, {
      user: USERS.support,
      text: "why not infra?",
      threadTs: parentTs,
    });
    expect((await post(req)).status).toBe(200);
    const answers = await until(() => {
      const found = h.world.state.slack
        .thread(CHANNEL, parentTs)
        .filter((m) => m.metadata?.event_type === FOLLOW_UP_EVENT);
      return found.length > 0 ? found : undefined;
    });
    expect(answers).toHaveLength(1);
    expect(JSON.stringify(answers[0]!.blocks)).toContain("no evidence bundle yet");
    expect(answers[0]!.metadata?.event_payload).toMatchObject({
      run_id: "run_q1",
      event_id: `event:${req.eventId}`,
    });
  }, 30_000);

  it("a thread's run is found through the partial index on parent messages", async () => {
    // One connection: the setting and the plan in one transaction (the table is tiny).
    const rows = await h.t.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      return (await tx.execute(
        sql`explain select run_id from effects where name = 'slack.parent' and result->>'ts' = '1.2'`,
      )) as unknown as { "QUERY PLAN": string }[];
    });
    const plan = (Array.isArray(rows) ? rows : (rows as { rows: typeof rows }).rows)
      .map((r) => r["QUERY PLAN"])
      .join("\n");
    expect(plan).toContain("effects_parent_ts");
  });

  it("a mention outside a triage thread is answered to the asker alone, with where to ask", async () => {
    const req = slackAppMention(h.world, { user: USERS.support, text: "rerun" });
    expect((await post(req)).status).toBe(200);
    const told = await until(() => ephemeralsFor(h.world, USERS.support).at(-1));
    expect(JSON.stringify(told?.blocks)).toContain("Ask me in the thread of a triage");
  }, 30_000);

  it("a busy thread is limited for everyone: past the thread's cap, a new asker is refused", async () => {
    for (let i = 0; i < FOLLOW_UP_LIMIT.perThread; i += 1) {
      await appendAudit(h.t.db, {
        runId: "run_q1",
        type: "follow_up.answered",
        actor: `slack:U0OTHER${i}`,
        payload: { question: "help", eventId: `e${i}`, thread: parentTs },
      });
    }
    const before = ephemeralsFor(h.world, USERS.oncall).length;
    const req = slackAppMention(h.world, { user: USERS.oncall, text: "rerun", threadTs: parentTs });
    expect((await post(req)).status).toBe(200);
    const told = await until(() => ephemeralsFor(h.world, USERS.oncall)[before]);
    expect(told.text).toContain("Too many questions");
    expect(await h.triaged()).toEqual([]);
  }, 30_000);

  it("a Right click is stored through the worker", async () => {
    const res = await post(
      slackBlockAction(h.world, {
        user: USERS.support,
        actionId: FEEDBACK_RIGHT_ACTION_ID,
        value: "run_q1",
        channel: CHANNEL,
        messageTs: parentTs,
      }),
    );
    expect(res.status).toBe(200);
    await until(async () =>
      (await h.t.db.select().from(verdictFeedback)).length > 0 ? true : undefined,
    );
    const rows = await h.t.db
      .select()
      .from(verdictFeedback)
      .where(eq(verdictFeedback.runId, "run_q1"));
    expect(rows).toMatchObject([{ userId: USERS.support, verdict: "right", prodeOutcome: null }]);
  }, 30_000);
});
