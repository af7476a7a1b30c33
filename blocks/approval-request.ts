import type { KnownBlock } from "@slack/types";
import { codeBlockBody, escapeMrkdwn, inlineCode, plainText } from "./escape.ts";
import { short, word } from "./format.ts";
import {
  actions,
  button,
  context,
  fields,
  finish,
  header,
  type RenderedMessage,
  section,
} from "./kit.ts";
import { MAX_SECTION_TEXT, truncate, truncateMrkdwn } from "./limits.ts";
import { formatRelative, formatUtc, isPast, slackDate } from "./time.ts";
import type { ApprovalRequestView } from "./view-models.ts";

/** The Approve button. The interaction handler routes on these ids; `value` is only the approval id. */
export const APPROVE_ACTION_ID = "prode_approve";
/** The Reject button; see {@link APPROVE_ACTION_ID}. */
export const REJECT_ACTION_ID = "prode_reject";
/** The actions block holding both buttons. */
const APPROVAL_BLOCK_ID = "prode_approval";

/**
 * What an approval id may look like (uuid, ulid, or a prefixed key). Anything else is not
 * put on a button: a malformed id would authorise nothing, or the wrong thing.
 */
export const APPROVAL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** Whether `id` may go on a button (see {@link APPROVAL_ID_PATTERN}). */
export function isValidApprovalId(id: string): boolean {
  return APPROVAL_ID_PATTERN.test(id);
}

const RISK_EMOJI: Record<ApprovalRequestView["risk"]["level"], string> = {
  low: ":large_green_circle:",
  medium: ":large_yellow_circle:",
  high: ":large_orange_circle:",
  critical: ":red_circle:",
};

/** The hex digest without its "sha256:" prefix, when it is hex. */
function digestHex(digest: string): string | undefined {
  const hex = digest.replace(/^sha256:/i, "").toLowerCase();
  return /^[0-9a-f]{16,128}$/.test(hex) ? hex : undefined;
}

/** "sha256:3f9a1c0b7d2e" — what a human compares at a glance. */
export function shortDigest(digest: string): string {
  const hex = digestHex(digest);
  return hex === undefined ? truncate(digest, 24) : `sha256:${hex.slice(0, 12)}`;
}

/** The full digest, as carried by the audit record. */
export function fullDigest(digest: string): string {
  const hex = digestHex(digest);
  return hex === undefined ? truncate(digest, 200) : `sha256:${hex}`;
}

/**
 * The exact statement in a code block. When it does not fit it is cut visibly, with its
 * full length, and the reader is told the digest covers the whole statement.
 */
function statementSection(view: ApprovalRequestView): KnownBlock {
  const { body, kind } = view.action;
  const note = `\n:warning: Shown cut: the full statement is ${body.length} characters and the digest covers all of it.`;
  if (kind === "text") {
    const text = short(body, 2_600);
    return section(body.length > 2_600 ? text + note : text);
  }
  const escaped = codeBlockBody(body);
  if (escaped.length <= MAX_SECTION_TEXT - 6) return section(`\`\`\`${escaped}\`\`\``);
  const cut = truncateMrkdwn(escaped, MAX_SECTION_TEXT - 6 - note.length);
  return section(`\`\`\`${cut}\`\`\`${note}`);
}

/** The blocks that state the action, shared by the request and its decided variants. */
export function approvalActionBlocks(view: ApprovalRequestView): KnownBlock[] {
  const target =
    view.action.target === undefined
      ? ""
      : ` · target ${inlineCode(truncate(view.action.target, 120))}`;
  return [
    section(
      `*${short(view.action.summary, 300)}*\nclass ${inlineCode(truncate(view.action.actionClass, 60))}${target}`,
    ),
    statementSection(view),
  ];
}

/** Risk and rollback, shared by the request and its decided variants. */
export function riskAndRollbackBlock(view: ApprovalRequestView): KnownBlock {
  const notes = view.risk.notes === undefined ? "" : ` — ${short(view.risk.notes, 1_000)}`;
  return section(
    `*Risk:* ${RISK_EMOJI[view.risk.level]} ${word(view.risk.level)}${notes}\n*Rollback:* ${short(view.rollback, 1_500)}`,
  );
}

/** The context line with the full digest, run, ticket and request time. */
export function approvalFooter(view: ApprovalRequestView): KnownBlock {
  return context(
    `digest ${inlineCode(fullDigest(view.digest))}`,
    `approval ${inlineCode(truncate(view.approvalId, 130))} · run ${inlineCode(truncate(view.runId, 80))} · requested ${slackDate(view.requestedAt)}`,
  );
}

function expiryText(view: ApprovalRequestView, now: Date): string {
  return `${slackDate(view.expiresAt)}\n${formatUtc(view.expiresAt)} · ${formatRelative(view.expiresAt, now)}`;
}

/**
 * An approval request: the exact action (SQL or command in a code block, cut safely),
 * its digest (short and full), risk, rollback, absolute expiry and requester, and
 * Approve / Reject buttons whose `value` is only the approval id. A request already past
 * its expiry, or with an id that is not well formed, is shown without buttons.
 */
export function renderApprovalRequest(view: ApprovalRequestView, now: Date): RenderedMessage {
  const expired = isPast(view.expiresAt, now);
  const blocks: KnownBlock[] = [
    header(`✋ Approval needed · ${view.ticket.key}`),
    ...approvalActionBlocks(view),
    fields([
      `*Digest*\n${inlineCode(shortDigest(view.digest))}`,
      `*Risk*\n${RISK_EMOJI[view.risk.level]} ${word(view.risk.level)}`,
      `*Requested by*\n${short(view.requestedBy, 120)}`,
      `*Expires*\n${expiryText(view, now)}`,
    ]),
    riskAndRollbackBlock(view),
  ];

  if (expired) {
    blocks.push(
      section(
        `:hourglass: This request expired ${slackDate(view.expiresAt)}; it can no longer be approved.`,
      ),
    );
  } else if (!isValidApprovalId(view.approvalId)) {
    blocks.push(
      section(":warning: This request has no valid approval id, so it cannot be decided here."),
    );
  } else {
    const summary = truncate(view.action.summary.replace(/\s+/g, " "), 160);
    blocks.push(
      actions(APPROVAL_BLOCK_ID, [
        button({
          text: "Approve",
          actionId: APPROVE_ACTION_ID,
          value: view.approvalId,
          style: "primary",
          confirm: {
            title: { type: "plain_text", text: "Approve this exact action?" },
            text: {
              type: "plain_text",
              text: plainText(
                `${summary} — digest ${shortDigest(view.digest)}. It authorises this action once.`,
              ),
            },
            confirm: { type: "plain_text", text: "Approve" },
            deny: { type: "plain_text", text: "Cancel" },
          },
        }),
        button({
          text: "Reject",
          actionId: REJECT_ACTION_ID,
          value: view.approvalId,
          style: "danger",
        }),
      ]),
    );
  }
  blocks.push(approvalFooter(view));

  const text = `Approval needed for ${short(view.ticket.key, 40)}: ${short(view.action.summary, 300)} (risk ${word(view.risk.level)}, expires ${formatUtc(view.expiresAt)}, digest ${escapeMrkdwn(shortDigest(view.digest))}, requested by ${short(view.requestedBy, 80)})`;
  return finish(text, blocks);
}
