import type { WebClient } from "@slack/web-api";
import { eq } from "drizzle-orm";
import type { Logger } from "pino";
import { renderApprovalDecided } from "../../blocks/approval-decided.ts";
import { fullDigest } from "../../blocks/approval-request.ts";
import { codeBlockBody, inlineCode } from "../../blocks/escape.ts";
import { short } from "../../blocks/format.ts";
import { context, finish, header, type RenderedMessage, section } from "../../blocks/kit.ts";
import { MAX_SECTION_TEXT, truncateMrkdwn } from "../../blocks/limits.ts";
import { slackDate } from "../../blocks/time.ts";
import type { ApprovalDecisionView } from "../../blocks/view-models.ts";
import type { UserNames } from "../adapters/slack/user-names.ts";
import { type ApprovalRow, getApproval } from "../approvals/create.ts";
import type { Db } from "../db/client.ts";
import { effects, runs } from "../db/schema.ts";
import { activeKillSwitchForRun } from "../policy/kill-switch-check.ts";
import { effectKey } from "../runner/effects.ts";
import { runScope } from "../runner/engine.ts";
import { defaultRedactor, type Redactor } from "../safety/redact.ts";
import { approvalDecidedView, decisionOf } from "./approval-views.ts";
import {
  findInThread,
  HANDOFF_EVENT,
  type MessageMetadata,
  postMessage,
  redactView,
  type SlackMessageRef,
  updateMessage,
} from "./messages.ts";
import { approvalEffectName } from "./notifier.ts";
import { ticketView } from "./views.ts";

/**
 * The approval message after the request: shown decided (who, when) or expired in place,
 * and, for an approved action prode never performs, the approved statement posted in the
 * thread for a human to run. Used by the web process (button clicks) and by the
 * reconciler (`onApprovalExpired`).
 */
export interface ApprovalMessageDeps {
  client: WebClient;
  db: Db;
  log: Logger;
  names?: UserNames;
  redactor?: Redactor;
  now?: () => Date;
}

/** Where the notifier posted an approval's request message, from the effect ledger. */
export async function approvalMessageRef(
  db: Db,
  approval: Pick<ApprovalRow, "id" | "runId">,
): Promise<SlackMessageRef | null> {
  const [row] = await db
    .select({ result: effects.result, status: effects.status })
    .from(effects)
    .where(eq(effects.key, effectKey(approval.runId, approvalEffectName(approval.id))));
  const ref = row?.status === "done" ? (row.result as SlackMessageRef | null) : null;
  return ref?.channel && ref.ts ? ref : null;
}

async function ticketOf(db: Db, runId: string) {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  return ticketView(run ?? { ticket: "?", context: {} });
}

/** Re-renders the approval message in place for a decided or expired approval. */
export async function showApprovalOutcome(
  deps: ApprovalMessageDeps,
  approval: ApprovalRow,
  ref: Pick<SlackMessageRef, "channel" | "ts">,
  decision?: ApprovalDecisionView,
): Promise<boolean> {
  const now = deps.now?.() ?? new Date();
  if (approval.approver && deps.names) await deps.names.nameOf(approval.approver);
  const shown = decision ?? decisionOf(approval, now, deps.names?.known());
  if (!shown) return false;
  const ticket = await ticketOf(deps.db, approval.runId);
  const view = redactView(
    approvalDecidedView(approval, ticket, shown, deps.names?.known()),
    deps.redactor ?? defaultRedactor,
  );
  await updateMessage(deps.client, ref, renderApprovalDecided(view, now));
  return true;
}

/**
 * The reconciler's `onApprovalExpired`: updates the request message to say it expired
 * (its buttons disappear). Nothing to do when no message was posted for it.
 */
export function createApprovalExpiryHook(
  deps: ApprovalMessageDeps,
): (approvalId: string) => Promise<void> {
  return async (approvalId) => {
    const approval = await getApproval(deps.db, approvalId);
    if (!approval) return;
    const ref = await approvalMessageRef(deps.db, approval);
    if (!ref) {
      deps.log.info({ approvalId }, "expired approval had no Slack message");
      return;
    }
    const [run] = await deps.db.select().from(runs).where(eq(runs.id, approval.runId));
    const held = await activeKillSwitchForRun(deps.db, run ? runScope(run) : {}, "slack_update");
    if (held) {
      deps.log.info(
        { approvalId, killSwitch: held.scope },
        "expired approval message not updated: paused",
      );
      return;
    }
    await showApprovalOutcome(deps, approval, ref, {
      kind: "expired",
      at: approval.expiresAt.toISOString(),
    });
  };
}

/** The thread reply that hands an approved production write to a human. */
export function renderApprovedStatement(
  approval: ApprovalRow,
  approverName: string,
): RenderedMessage {
  const at = (approval.decidedAt ?? new Date()).toISOString();
  const body = codeBlockBody(approval.detail);
  const fits = body.length <= MAX_SECTION_TEXT - 6;
  const statement = fits
    ? `\`\`\`${body}\`\`\``
    : `\`\`\`${truncateMrkdwn(body, MAX_SECTION_TEXT - 200)}\`\`\`\n:warning: Shown cut: the full statement (${approval.detail.length} characters) is in the approval record.`;
  return finish(`Approved ${approval.action} for a human to run: ${short(approval.detail, 200)}`, [
    header(`✅ Approved — a human runs this`),
    section(
      `*${short(approverName, 120)}* approved this ${inlineCode(approval.action)} at ${slackDate(at)}.\nprode never runs production writes: run the statement below yourself, exactly as approved, and say so in this thread.`,
    ),
    section(statement),
    context(
      `approval ${inlineCode(approval.id)}`,
      `digest ${inlineCode(fullDigest(approval.digest))}`,
    ),
  ]);
}

/**
 * Posts the approved statement in the ticket's thread, once: a reply carrying this
 * approval's metadata is looked for first, so a retried click or a second process
 * cannot post it twice.
 */
export async function postApprovedStatement(
  deps: ApprovalMessageDeps,
  approval: ApprovalRow,
  ref: SlackMessageRef,
  approverName: string,
): Promise<SlackMessageRef> {
  const threadTs = ref.threadTs ?? ref.ts;
  const metadata: MessageMetadata = {
    event_type: HANDOFF_EVENT,
    event_payload: { run_id: approval.runId, approval_id: approval.id },
  };
  const existing = await findInThread(deps.client, ref.channel, threadTs, metadata, 2);
  if (existing) return existing;
  const redactor = deps.redactor ?? defaultRedactor;
  const safe = { ...approval, detail: redactor.redact(approval.detail).text };
  return postMessage(deps.client, {
    channel: ref.channel,
    threadTs,
    message: renderApprovedStatement(safe, redactor.redact(approverName).text),
    metadata,
  });
}
