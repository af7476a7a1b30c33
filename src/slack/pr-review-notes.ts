import type { WebClient } from "@slack/web-api";
import { and, eq } from "drizzle-orm";
import { type PrReviewView, renderPrReview } from "../../blocks/pr-review.ts";
import { slackCallWindowMs } from "../adapters/slack/client.ts";
import type { Db } from "../db/client.ts";
import { effects } from "../db/schema.ts";
import { effectKey } from "../runner/effects.ts";
import type { ReviewNote, ReviewNoteSink } from "../runner/review-notes.ts";
import { defaultRedactor, type Redactor } from "../safety/redact.ts";
import {
  findInThread,
  type MessageMetadata,
  messageExternalId,
  postMessage,
  redactView,
  type SlackMessageRef,
} from "./messages.ts";
import { PARENT_EFFECT } from "./notifier.ts";

/** The metadata event of a review note's reply: found again by run and note after a crash. */
export const PR_REVIEW_EVENT = "prode_pr_review";

export interface ReviewNoteSinkOptions {
  /** The process's WebClient (createSlackWebClient: no SDK retries, the ledger retries). */
  client: WebClient;
  db: Db;
  redactor?: Redactor;
  /** Pages of the thread searched when reconciling (200 replies each). */
  historyPages?: number;
  now?: () => Date;
}

/** The view of a queued note (its text still to be redacted). */
export function reviewNoteView(note: ReviewNote): PrReviewView {
  return {
    kind: note.kind,
    reviewer: note.login,
    pr: { number: note.pr.number, ...(note.pr.url ? { url: note.pr.url } : {}) },
    ...(note.state ? { state: note.state } : {}),
    ...(note.path ? { path: note.path } : {}),
    ...(note.line !== undefined ? { line: note.line } : {}),
    ...(note.startLine !== undefined ? { startLine: note.startLine } : {}),
    body: note.body,
    url: note.url,
    ...(note.at ? { at: note.at } : {}),
  };
}

/** Where the run's thread is: its parent message, from the effect ledger. */
async function threadOf(db: Db, runId: string): Promise<SlackMessageRef | null> {
  const [row] = await db
    .select({ result: effects.result })
    .from(effects)
    .where(and(eq(effects.key, effectKey(runId, PARENT_EFFECT)), eq(effects.status, "done")));
  const ref = row?.result as SlackMessageRef | null | undefined;
  return ref?.channel && ref.ts ? ref : null;
}

/**
 * Review notes as replies in the run's triage thread (src/runner/review-notes.ts posts
 * them through the effect ledger). The note is redacted here, at egress, with the view.
 */
export function createReviewNoteSink(options: ReviewNoteSinkOptions): ReviewNoteSink {
  const { client, db } = options;
  const redactor = options.redactor ?? defaultRedactor;
  const pages = options.historyPages ?? 5;
  const now = options.now ?? (() => new Date());
  // A post that timed out may still land: its retry looks it up only after this (ADR 0002).
  const inFlightMs = slackCallWindowMs(client);
  return {
    async deliveryFor(run, note) {
      const parent = await threadOf(db, run.id);
      if (!parent) return null;
      const metadata: MessageMetadata = {
        event_type: PR_REVIEW_EVENT,
        event_payload: { run_id: run.id, ref: note.ref },
      };
      return {
        capability: "slack_post",
        inFlightMs,
        perform: async () => {
          const posted = await postMessage(client, {
            channel: parent.channel,
            threadTs: parent.ts,
            message: renderPrReview(redactView(reviewNoteView(note), redactor), now()),
            metadata,
          });
          return { externalId: messageExternalId(posted), result: posted };
        },
        reconcile: async () => {
          const found = await findInThread(client, parent.channel, parent.ts, metadata, pages);
          return found ? { externalId: messageExternalId(found), result: found } : null;
        },
      };
    },
  };
}
