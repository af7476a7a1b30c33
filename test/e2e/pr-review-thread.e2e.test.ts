import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, like } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { referenceAgentEnv } from "../../sim/demo/delivery-env.ts";
import { startHarness } from "../../sim/demo/run-scenario.ts";
import { findScenario } from "../../sim/scenario.ts";
import type { SimRepo } from "../../sim/services/github-repo.ts";
import { auditEvents, effects, runs } from "../../src/db/schema.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import { reviewNoteOf } from "../../src/intake/github-review.ts";
import { effectKey } from "../../src/runner/effects.ts";
import { REVIEW_NOTE_EFFECT_PREFIX, reviewNoteEffectName } from "../../src/runner/review-notes.ts";
import { PR_REVIEW_EVENT } from "../../src/slack/pr-review-notes.ts";
import { createTestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";

/**
 * Reviews on prode's draft PR in the run's Slack thread (issue 15, delivery part 2,
 * item 1), through the production wiring: backend-500-pr delivers a draft PR and waits in
 * AWAIT_HUMAN_REVIEW; GitHub's `pull_request_review` and `pull_request_review_comment`
 * deliveries (GitHub's payload shape, around the simulated PR) are posted signed to
 * POST /webhooks/github; the worker's reconciler posts each once in the thread.
 */

const SCENARIO = "backend-500-pr";
const REPO = "acme-sim/onboarding-api";
const SECRET = "github-webhook-secret-for-the-review-test";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `done` holds (or the deadline passes), returning the last value. */
async function until<T>(read: () => Promise<T> | T, done: (v: T) => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < end) {
    await sleep(100);
    value = await read();
  }
  return value;
}

const REVIEWER = {
  login: "reviewer-ana",
  id: 5_501,
  node_id: "MDQ6VXNlcjU1MDE=",
  type: "User",
  site_admin: false,
};

/** A `pull_request_review` submitted delivery as GitHub sends it, around the live PR. */
function reviewPayload(pull: Record<string, unknown>, id: number, state: string, body: string) {
  const prUrl = pull.html_url as string;
  return {
    action: "submitted",
    review: {
      id,
      node_id: `PRR_kwDO${id}`,
      user: REVIEWER,
      body,
      commit_id: (pull.head as { sha: string }).sha,
      submitted_at: "2025-03-04T03:10:00Z",
      state,
      html_url: `${prUrl}#pullrequestreview-${id}`,
      pull_request_url: pull.url,
      author_association: "MEMBER",
      _links: {
        html: { href: `${prUrl}#pullrequestreview-${id}` },
        pull_request: { href: pull.url },
      },
    },
    pull_request: pull,
    repository: (pull.base as { repo: unknown }).repo,
    sender: REVIEWER,
  };
}

/** A `pull_request_review_comment` created delivery. */
function commentPayload(pull: Record<string, unknown>, id: number) {
  const prUrl = pull.html_url as string;
  return {
    action: "created",
    comment: {
      url: `${pull.url}/comments/${id}`,
      pull_request_review_id: 9_001,
      id,
      node_id: `PRRC_kwDO${id}`,
      diff_hunk: "@@ -1,3 +1,4 @@",
      path: "src/handlers/onboarding.ts",
      commit_id: (pull.head as { sha: string }).sha,
      original_commit_id: (pull.head as { sha: string }).sha,
      user: REVIEWER,
      body: "Could this return early instead of nesting?",
      created_at: "2025-03-04T03:11:00Z",
      updated_at: "2025-03-04T03:11:00Z",
      html_url: `${prUrl}#discussion_r${id}`,
      pull_request_url: pull.url,
      author_association: "MEMBER",
      start_line: 14,
      original_start_line: 14,
      start_side: "RIGHT",
      line: 18,
      original_line: 18,
      side: "RIGHT",
      subject_type: "line",
    },
    pull_request: pull,
    repository: (pull.base as { repo: unknown }).repo,
    sender: REVIEWER,
  };
}

describe("reviews of a prode PR in the run's Slack thread", () => {
  it("a review and a review comment each land once in the thread, through redeliveries, replays and a crash after the post", async () => {
    const scenario = await findScenario(SCENARIO);
    const dir = mkdtempSync(join(tmpdir(), "prode-pr-review-"));
    dirs.push(dir);
    const t = await createTestDb();
    const prefix = testQueuePrefix();
    const harness = await startHarness({
      scenario,
      ...harnessOpts(t, prefix),
      replicaAdminUrl: TEST_ADMIN_URL,
      timeoutMs: 60_000,
      reconcileMs: 300,
      env: {
        ...referenceAgentEnv(scenario, dir),
        GITHUB_WEBHOOK_SECRET: SECRET,
        // No poll: the run waits on its PR for the whole test.
        PRODE_PR_POLL_MS: "3600000",
      },
    });
    try {
      const accepted = await harness.trigger();
      expect(accepted.status).toBe(200);
      const run = await harness.follow(
        accepted.runId!,
        (r) => r.outcome !== null || r.phase === "AWAIT_HUMAN_REVIEW",
      );
      expect(run.phase).toBe("AWAIT_HUMAN_REVIEW");
      const number = parseRunContext(run.context).delivery!.pr!.number;
      const github = harness.world.state.github as { repos: Map<string, SimRepo> };
      const repo = github.repos.get(REPO)!;
      const pull = repo.renderPull(repo.findPull(number)!) as Record<string, unknown>;

      const post = async (event: string, body: string, delivery = randomUUID()) => {
        const response = await fetch(`${harness.url}/webhooks/github`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": event,
            "x-github-delivery": delivery,
            "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
          },
          body,
        });
        return {
          status: response.status,
          body: (await response.json()) as Record<string, unknown>,
        };
      };

      const secretBody =
        "Please cover the empty list. <!channel> The log shows token ghp_Q7s9dK2mP4xZ8vB1nR6tY3wE5uI0oA2cL9fH";
      const review = JSON.stringify(reviewPayload(pull, 7_001, "changes_requested", secretBody));
      const deliveryId = randomUUID();
      expect(await post("pull_request_review", review, deliveryId)).toMatchObject({
        status: 200,
        body: { runId: run.id, result: "noted", reply: "queued" },
      });
      // GitHub's redelivery keeps the id; a replay under a new id is the same body.
      expect((await post("pull_request_review", review, deliveryId)).body).toMatchObject({
        duplicate: true,
      });
      expect((await post("pull_request_review", review)).body).toMatchObject({ duplicate: true });
      // The same review in another envelope (another body, another id) is queued once.
      const again = JSON.parse(review) as Record<string, unknown>;
      again.installation = { id: 1 };
      expect((await post("pull_request_review", JSON.stringify(again))).body).toMatchObject({
        reply: "already queued",
      });
      // An edit of it is noted, never posted again.
      const edited = { ...again, action: "edited", changes: { body: { from: "x" } } };
      expect((await post("pull_request_review", JSON.stringify(edited))).body).toMatchObject({
        reply: "not posted: review edited",
      });
      const comment = JSON.stringify(commentPayload(pull, 8_001));
      expect((await post("pull_request_review_comment", comment)).body).toMatchObject({
        reply: "queued",
      });
      expect((await post("pull_request_review_comment", comment)).body).toMatchObject({
        duplicate: true,
      });

      const slack = harness.world.state.slack;
      const [parent] = slack
        .withMetadata("prode_triage")
        .filter((m) => m.metadata?.event_payload.run_id === run.id);
      expect(parent).toBeDefined();
      const replies = () =>
        slack
          .withMetadata(PR_REVIEW_EVENT)
          .filter((m) => m.metadata?.event_payload.run_id === run.id);
      await until(replies, (r) => r.length >= 2);
      // Several reconciler passes later, still one reply each.
      await sleep(1_500);
      const posted = replies();
      expect(posted.map((m) => m.metadata?.event_payload.ref).sort()).toEqual([
        "comment.8001",
        "review.7001",
      ]);
      for (const m of posted) expect(m.thread_ts).toBe(parent!.ts);
      const text = (ref: string) =>
        JSON.stringify(posted.find((m) => m.metadata?.event_payload.ref === ref));
      const shown = text("review.7001");
      expect(shown).toContain("*reviewer-ana* requested changes on");
      expect(shown).toContain(`#pullrequestreview-7001|Review on GitHub>`);
      expect(shown).toContain("Please cover the empty list.");
      expect(shown).toContain("[REDACTED:github_token]");
      expect(shown).not.toContain("ghp_Q7s9");
      expect(shown).not.toContain("<!channel>");
      expect(text("comment.8001")).toContain("`src/handlers/onboarding.ts:14-18`");

      // A crash after Slack took the post but before the ledger recorded it: the retry
      // finds the reply in the thread by its metadata and posts nothing.
      const key = effectKey(run.id, reviewNoteEffectName("review.7001"));
      const made = reviewNoteOf("pull_request_review", JSON.parse(review));
      const queued = "note" in made ? made.note : undefined;
      expect(queued?.ref).toBe("review.7001");
      await t.db
        .update(effects)
        // As the webhook queued it: the note, which the post's ref replaced when done.
        .set({ status: "pending", attempts: 1, inFlightUntil: null, result: queued })
        .where(eq(effects.key, key));
      const settled = await until(
        async () => (await t.db.select().from(effects).where(eq(effects.key, key)))[0],
        (row) => row?.status === "done",
      );
      expect(settled?.status).toBe("done");
      await sleep(600);
      expect(replies()).toHaveLength(2);
      const reconciled = await t.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.runId, run.id), eq(auditEvents.type, "effect.reconciled")));
      expect(reconciled.map((a) => a.payload.name)).toContain(reviewNoteEffectName("review.7001"));

      // Malformed: 400; a PR prode does not own: 200, ignored; nothing queued; still up.
      const missing = JSON.parse(review) as Record<string, unknown>;
      delete missing.review;
      expect((await post("pull_request_review", JSON.stringify(missing))).status).toBe(400);
      const foreign = reviewPayload(
        { ...pull, number: 9_999, head: { ...(pull.head as object), ref: "someone/else" } },
        7_002,
        "approved",
        "",
      );
      expect(await post("pull_request_review", JSON.stringify(foreign))).toMatchObject({
        status: 200,
        body: { ignored: "not a prode PR (#9999)" },
      });
      const notes = await t.db
        .select()
        .from(effects)
        .where(like(effects.name, `${REVIEW_NOTE_EFFECT_PREFIX}%`));
      expect(notes.map((n) => n.name).sort()).toEqual([
        reviewNoteEffectName("comment.8001"),
        reviewNoteEffectName("review.7001"),
      ]);
      // The run still waits on its PR: a review moves nothing.
      const [still] = await t.db.select().from(runs).where(eq(runs.id, run.id));
      expect(still?.phase).toBe("AWAIT_HUMAN_REVIEW");
      expect((await fetch(`${harness.url}/healthz`)).status).toBe(200);
    } finally {
      await harness.close();
      await dropQueuePrefix(prefix);
      await t.drop();
    }
  }, 180_000);
});
