import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { and, desc, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { HttpReply, Route } from "../adapters/http/server.ts";
import type { Db } from "../db/client.ts";
import { deliveries, runs } from "../db/schema.ts";
import { storableDeep } from "../domain/storable-text.ts";
import { type SettleResult, settlePullRequest } from "../runner/pr-watch.ts";
import { queueReviewNote } from "../runner/review-notes.ts";
import type { RunnerDeps } from "../runner/types.ts";
import {
  isReviewEvent,
  REVIEW_EVENT_FIELDS,
  type ReviewEventName,
  reviewNoteOf,
} from "./github-review.ts";
import type { IntakeDeps } from "./intake.ts";

export const GITHUB_WEBHOOK_PATH = "/webhooks/github";
/** `deliveries.source` of the X-GitHub-Delivery header, and of the signed body's digest. */
const HEADER_SOURCE = "github";
const BODY_SOURCE = "github-content";
const MAX_DELIVERY_ID = 200;
/** prode's branches (DESIGN.md: `prode/<ticket>-<run>`). */
const PRODE_BRANCH_PREFIX = "prode/";

const Login = z.object({ login: z.string().max(100) });

/**
 * What prode reads of `pull_request`, `pull_request_review` and `…_review_comment` events.
 * Unknown keys are stripped, so only these few small fields are made storable (a body
 * nested tens of thousands deep elsewhere never reaches a recursive walk).
 */
const PullEvent = z.object({
  action: z.string().max(64),
  pull_request: z.object({
    number: z.number().int().positive(),
    state: z.string().max(32),
    merged: z.boolean().nullable().optional(),
    merged_at: z.string().max(64).nullable().optional(),
    merge_commit_sha: z.string().max(64).nullable().optional(),
    merged_by: Login.nullable().optional(),
    html_url: z.string().max(2_000).nullable().optional(),
    head: z.object({ ref: z.string().max(300) }),
  }),
  repository: z.object({ full_name: z.string().max(200) }),
  sender: Login.optional(),
});
type PullEvent = z.output<typeof PullEvent> & {
  review?: z.output<(typeof REVIEW_EVENT_FIELDS)["pull_request_review"]>["review"];
  comment?: z.output<(typeof REVIEW_EVENT_FIELDS)["pull_request_review_comment"]>["comment"];
};

/** The schema of an event's payload: the PR's fields, and a review event's own. */
function schemaOf(name: string) {
  return isReviewEvent(name) ? PullEvent.extend(REVIEW_EVENT_FIELDS[name].shape) : PullEvent;
}

type Outcome =
  | { duplicate: true }
  | { ignored: string }
  | { runId: string; result: SettleResult }
  /** A review or review comment: `reply` says whether it was queued for the thread, or why not. */
  | { runId: string; result: "noted"; reply: string };

export interface GithubWebhookOptions {
  /**
   * Whether a review on a prode PR is queued for the run's Slack thread (Slack is
   * configured and the worker's reconciler posts it); without it a review is only noted.
   */
  reviewNotes?: boolean;
}

/** Records the delivery under both keys; false when either was seen before. */
async function firstDelivery(db: Db, keys: { source: string; deliveryId: string }[]) {
  const inserted = await db.insert(deliveries).values(keys).onConflictDoNothing().returning();
  return inserted.length === keys.length;
}

/**
 * The run that owns the event's PR: same repository, and the PR's number or its `prode/…`
 * head branch as delivery recorded them. An active run first, else the newest.
 */
async function ownerRun(db: Db, event: PullEvent) {
  const pr = event.pull_request;
  const repository = event.repository.full_name.toLowerCase();
  const byBranch = pr.head.ref.startsWith(PRODE_BRANCH_PREFIX)
    ? [sql`${runs.context}->'delivery'->>'branch' = ${pr.head.ref}`]
    : [];
  const [run] = await db
    .select()
    .from(runs)
    .where(
      and(
        sql`lower(${runs.context}->'delivery'->>'repository') = ${repository}`,
        or(sql`${runs.context}->'delivery'->'pr'->>'number' = ${String(pr.number)}`, ...byBranch),
      ),
    )
    .orderBy(sql`${runs.outcome} is null desc`, desc(runs.createdAt))
    .limit(1);
  return run;
}

/**
 * What one verified delivery does, inside one transaction: the delivery's keys are
 * recorded and the run moved together, so a crash between the two leaves neither (as the
 * Linear webhook does, issue 17). Jobs are enqueued after the commit; if that fails, the
 * reconciler enqueues the committed step.
 */
async function applyDelivery(
  deps: IntakeDeps,
  options: GithubWebhookOptions,
  name: string,
  event: PullEvent,
  keys: { source: string; deliveryId: string }[],
): Promise<Outcome> {
  const jobs: Parameters<RunnerDeps["enqueue"]>[0][] = [];
  const outcome = await deps.db.transaction(async (tx): Promise<Outcome> => {
    if (!(await firstDelivery(tx, keys))) return { duplicate: true };
    const run = await ownerRun(tx, event);
    const pr = event.pull_request;
    if (!run) return { ignored: `not a prode PR (#${pr.number})` };
    if (isReviewEvent(name)) {
      const reply = await noteReview(tx, options, run, name, event);
      deps.log.info(
        { runId: run.id, event: name, action: event.action, pr: pr.number, reply },
        "review activity on a prode PR",
      );
      return { runId: run.id, result: "noted", reply };
    }
    if (event.action === "reopened") {
      deps.log.info(
        { runId: run.id, pr: pr.number, phase: run.phase, outcome: run.outcome },
        "a prode PR was reopened",
      );
      return { runId: run.id, result: run.outcome ? "not_waiting" : "open" };
    }
    if (event.action !== "closed") return { ignored: `pull_request ${event.action}` };
    const merged = pr.merged === true || Boolean(pr.merged_at);
    const by = merged ? (pr.merged_by?.login ?? event.sender?.login) : event.sender?.login;
    const result = await settlePullRequest(
      {
        db: tx,
        enqueue: async (job) => {
          jobs.push(job);
        },
      },
      run,
      {
        number: pr.number,
        state: "closed",
        merged,
        ...(by ? { by } : {}),
        ...(merged && pr.merged_at ? { at: pr.merged_at } : {}),
        ...(merged && pr.merge_commit_sha ? { mergeCommitSha: pr.merge_commit_sha } : {}),
      },
      { actor: "github-webhook", via: "webhook" },
    );
    return { runId: run.id, result };
  });
  for (const job of jobs) await deps.enqueue(job);
  return outcome;
}

/**
 * A review or a review comment, the human's conversation on the PR: queued, in the
 * delivery's transaction, as a note for the run's Slack thread, which the worker posts
 * once through the effect ledger (src/runner/review-notes.ts). Returns what became of it.
 */
async function noteReview(
  db: Db,
  options: GithubWebhookOptions,
  run: { id: string; fencing: number },
  name: ReviewEventName,
  event: PullEvent,
): Promise<string> {
  if (!options.reviewNotes) return "not posted: no Slack thread is configured";
  const made = reviewNoteOf(name, event);
  if ("skip" in made) return `not posted: ${made.skip}`;
  return (await queueReviewNote(db, run, made.note)) ? "queued" : "already queued";
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * GitHub's `X-Hub-Signature-256` (`sha256=` + hex HMAC-SHA256 of the body with the
 * webhook secret), checked over the raw bytes received. @octokit/webhooks' verify() takes
 * the body as a string: decoding first replaced invalid UTF-8 with U+FFFD, so a correctly
 * signed body answered 401 instead of 400 (probe F7), and the bytes signed were not the
 * bytes checked. Constant-time compare; a malformed header is simply not a match.
 */
export function isGithubSignatureOf(secret: string, rawBody: Buffer, signature: string): boolean {
  if (!/^sha256=[0-9a-f]{64}$/.test(signature)) return false;
  const expected = Buffer.from(
    `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`,
  );
  return timingSafeEqual(expected, Buffer.from(signature));
}

/**
 * POST /webhooks/github: the signature (X-Hub-Signature-256, HMAC-SHA256 of the raw body)
 * verified over the raw bytes, then the body decoded as strict UTF-8 JSON (else 400), the delivery deduplicated by X-GitHub-Delivery and by
 * the body's digest (a replayed body under a new delivery id acts once), then a prode
 * PR's `pull_request` closed (merged or not) moves its run out of AWAIT_HUMAN_REVIEW, and a
 * `pull_request_review` submitted or `pull_request_review_comment` created on it is queued
 * for the run's Slack thread (posted once by the worker). Events about PRs prode does not
 * own are answered 200 and ignored. Bodies are capped by the HTTP server (1 MiB).
 */
export function githubWebhookRoute(
  deps: IntakeDeps,
  secret: string | undefined,
  options: GithubWebhookOptions = {},
): Route {
  return {
    method: "POST",
    path: GITHUB_WEBHOOK_PATH,
    precheck: (headers) =>
      secret && typeof headers["x-hub-signature-256"] !== "string"
        ? { status: 401, body: { error: "missing x-hub-signature-256" } }
        : undefined,
    async handle(req): Promise<HttpReply> {
      if (!secret)
        return {
          status: 503,
          body: { error: "GitHub webhooks are not configured (GITHUB_WEBHOOK_SECRET)" },
        };
      const signature = req.headers["x-hub-signature-256"];
      if (typeof signature !== "string")
        return { status: 401, body: { error: "missing x-hub-signature-256" } };
      if (!isGithubSignatureOf(secret, req.rawBody, signature))
        return { status: 401, body: { error: "bad signature" } };
      const name = req.headers["x-github-event"];
      if (typeof name !== "string" || name === "" || name.length > 100)
        return { status: 400, body: { error: "missing x-github-event" } };
      const header = req.headers["x-github-delivery"];
      if (typeof header === "string" && header.length > MAX_DELIVERY_ID)
        return { status: 400, body: { error: "x-github-delivery header too long" } };
      let raw: string;
      try {
        raw = utf8.decode(req.rawBody);
      } catch {
        return { status: 400, body: { error: "body is not UTF-8" } };
      }
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return { status: 400, body: { error: "body is not JSON" } };
      }
      if (name === "ping") return { status: 200, body: { ok: true, pong: true } };
      if (name !== "pull_request" && !isReviewEvent(name)) {
        deps.log.debug({ event: name }, "GitHub event ignored");
        return { status: 200, body: { ok: true, ignored: `event ${name.slice(0, 40)}` } };
      }
      const parsed = schemaOf(name).safeParse(json);
      if (!parsed.success) {
        const why = z.prettifyError(parsed.error).split("\n").join(" ").slice(0, 300);
        return { status: 400, body: { error: `bad payload: ${why}` } };
      }
      // Storable before anything of it is stored (a login goes into the run's context).
      const event = storableDeep(parsed.data);
      const digest = createHash("sha256").update(req.rawBody).digest("hex");
      const keys = [
        { source: BODY_SOURCE, deliveryId: digest },
        ...(typeof header === "string" && header !== ""
          ? [{ source: HEADER_SOURCE, deliveryId: header }]
          : []),
      ];
      const outcome = await applyDelivery(deps, options, name, event as PullEvent, keys);
      if ("ignored" in outcome)
        deps.log.debug({ event: name, why: outcome.ignored }, "GitHub delivery ignored");
      return { status: 200, body: { ok: true, ...outcome } };
    },
  };
}
