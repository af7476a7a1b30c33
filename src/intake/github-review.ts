import { z } from "zod";
import { storableText } from "../domain/storable-text.ts";
import type { ReviewNote } from "../runner/review-notes.ts";
import { defaultRedactor } from "../safety/redact.ts";

/**
 * What prode reads of GitHub's `pull_request_review` and `pull_request_review_comment`
 * events (https://docs.github.com/en/webhooks/webhook-events-and-payloads), beside the
 * `pull_request` fields every PR event has: who, the review's state or the comment's file
 * and line, the body and the link. Unknown keys are stripped; strings are capped.
 */

/** GitHub refuses review and comment bodies longer than this (characters). */
const MAX_GITHUB_BODY = 65_536;
/** What is kept of a body: far more than the thread shows, so redaction sees whole tokens. */
export const MAX_STORED_BODY = 4_000;
const MAX_URL = 2_000;

const Login = z.object({ login: z.string().max(100) });
const Line = z.number().int().nonnegative().nullable().optional();

const Review = z.object({
  id: z.number().int().positive(),
  user: Login.nullable().optional(),
  state: z.string().max(32),
  body: z.string().max(MAX_GITHUB_BODY).nullable().optional(),
  html_url: z.string().max(MAX_URL),
  submitted_at: z.string().max(64).nullable().optional(),
});

const Comment = z.object({
  id: z.number().int().positive(),
  user: Login.nullable().optional(),
  body: z.string().max(MAX_GITHUB_BODY),
  path: z.string().max(1_000),
  line: Line,
  start_line: Line,
  original_line: Line,
  html_url: z.string().max(MAX_URL),
  created_at: z.string().max(64).nullable().optional(),
});

/** The extra fields of each review event; required for the event that carries them. */
export const REVIEW_EVENT_FIELDS = {
  pull_request_review: z.object({ review: Review }),
  pull_request_review_comment: z.object({ comment: Comment }),
} as const;

export type ReviewEventName = keyof typeof REVIEW_EVENT_FIELDS;

export function isReviewEvent(name: string): name is ReviewEventName {
  return Object.hasOwn(REVIEW_EVENT_FIELDS, name);
}

type ReviewFields = z.output<typeof Review>;
type CommentFields = z.output<typeof Comment>;

/** The PR fields a note names (a subset of the webhook's `pull_request`). */
interface PullFields {
  number: number;
  html_url?: string | null | undefined;
}

/** GitHub shows a deleted account as `ghost`. */
const GHOST = "ghost";

/**
 * The note a review event puts in the run's thread, or why it puts none: only a submitted
 * review and a created comment are news (an edit, a dismissal or a deletion is noted, not
 * posted again); a "comments only" review with no text of its own is the envelope of its
 * line comments, which arrive as their own events. The note is redacted here before it is
 * stored, and again when it is posted.
 */
export function reviewNoteOf(
  name: ReviewEventName,
  event: {
    action: string;
    pull_request: PullFields;
    review?: ReviewFields;
    comment?: CommentFields;
  },
): { note: ReviewNote } | { skip: string } {
  const pr = {
    number: event.pull_request.number,
    ...(event.pull_request.html_url ? { url: event.pull_request.html_url } : {}),
  };
  let note: ReviewNote;
  if (name === "pull_request_review") {
    const review = event.review;
    if (!review) return { skip: "no review in the payload" };
    if (event.action !== "submitted") return { skip: `review ${event.action}` };
    const state = review.state.toLowerCase();
    const body = (review.body ?? "").trim();
    if (state === "commented" && body === "")
      return { skip: "a comments-only review without text: its comments are posted" };
    note = {
      ref: `review.${review.id}`,
      kind: "review",
      pr,
      login: review.user?.login ?? GHOST,
      state,
      body,
      url: review.html_url,
      ...(review.submitted_at ? { at: review.submitted_at } : {}),
    };
  } else {
    const comment = event.comment;
    if (!comment) return { skip: "no comment in the payload" };
    if (event.action !== "created") return { skip: `review comment ${event.action}` };
    // `line` is null on an outdated diff; the line it was written on is still worth naming.
    const line = comment.line ?? comment.original_line ?? undefined;
    note = {
      ref: `comment.${comment.id}`,
      kind: "comment",
      pr,
      login: comment.user?.login ?? GHOST,
      path: comment.path,
      ...(line !== undefined && line !== null ? { line } : {}),
      ...(comment.start_line != null ? { startLine: comment.start_line } : {}),
      body: comment.body.trim(),
      url: comment.html_url,
      ...(comment.created_at ? { at: comment.created_at } : {}),
    };
  }
  // A cut may split a surrogate pair, which jsonb refuses: made storable again.
  const capped = { ...note, body: storableText(note.body.slice(0, MAX_STORED_BODY)) };
  return { note: defaultRedactor.redactValue(capped).value as ReviewNote };
}
