import type { WebClient } from "@slack/web-api";
import { renderApprovalDecided } from "../../blocks/approval-decided.ts";
import { renderApprovalRequest } from "../../blocks/approval-request.ts";
import { renderEvidenceBundle } from "../../blocks/evidence-bundle.ts";
import type { RenderedMessage } from "../../blocks/kit.ts";
import { renderMilestone } from "../../blocks/milestone.ts";
import { type MonitorVerdictView, renderMonitorVerdict } from "../../blocks/monitor-verdict.ts";
import { renderParentMessage } from "../../blocks/parent-message.ts";
import { slackCallWindowMs } from "../adapters/slack/client.ts";
import { getApproval } from "../approvals/create.ts";
import type { MilestoneKind, TriageNotifier, TriageSnapshot } from "../runner/ports.ts";
import type { EffectOutcome, PhaseContext } from "../runner/types.ts";
import { defaultRedactor, type Redactor } from "../safety/redact.ts";
import { approvalDecidedView, approvalRequestView, decisionOf } from "./approval-views.ts";
import {
  APPROVAL_EVENT,
  findInChannel,
  findInThread,
  type MessageMetadata,
  MILESTONE_EVENT,
  messageExternalId,
  PARENT_EVENT,
  postMessage,
  redactView,
  type SlackMessageRef,
  updateMessage,
  withPermalink,
} from "./messages.ts";
import {
  decisionMilestone,
  evidenceBundleView,
  handoffMilestone,
  specialistResultsMilestone,
  toolInventoryMilestone,
} from "./milestone-views.ts";
import { deliveryOf, parentMessageView, type RunLinkBuilder, ticketView } from "./views.ts";

export interface SlackNotifierOptions {
  /** A WebClient built with {@link createSlackWebClient} (no SDK retries). */
  client: WebClient;
  /** The incident channel's id (C…): history is searched by id. */
  channel: string;
  links?: RunLinkBuilder;
  redactor?: Redactor;
  /** Pages (200 messages each) of history searched when reconciling a parent. */
  historyPages?: number;
}

/** The triage notifier plus the approval request messages the runner asks for. */
export interface SlackNotifier extends TriageNotifier {
  /**
   * Posts the approval request (Approve/Reject buttons carrying only the approval id)
   * in the ticket's thread, once per approval (`slack.approval.<id>`).
   */
  postApprovalRequest(
    ctx: PhaseContext,
    approvalId: string,
    triage?: TriageSnapshot,
  ): Promise<SlackMessageRef | null>;
}

/** The run's monitor verdict as the reply's view (unredacted), once there is one. */
function monitorVerdictView(triage: TriageSnapshot): MonitorVerdictView | undefined {
  const delivery = deliveryOf(triage.run.context);
  const m = delivery?.monitor;
  if (!m) return undefined;
  return {
    runId: triage.run.id,
    ticketKey: triage.ticket?.ticketKey ?? triage.run.ticket,
    verdict: m.verdict,
    reason: m.reason,
    ...(m.decidedBy ? { decidedBy: m.decidedBy } : {}),
    ...(m.checks !== undefined ? { checks: m.checks } : {}),
    ...(m.deploy ? { deploy: m.deploy } : {}),
    ...(delivery.pr ? { pr: { number: delivery.pr.number, url: delivery.pr.url } } : {}),
    ...(m.decidedAt ? { at: m.decidedAt } : {}),
  };
}

/** Which verdict a reply is for: its decision time (committed with it), else the verdict. */
function monitorVerdictKey(triage: TriageSnapshot): string | undefined {
  const m = deliveryOf(triage.run.context)?.monitor;
  return m ? (m.decidedAt ?? m.verdict) : undefined;
}

/** The ledger's effect name of a ticket's parent message (its result is the message ref). */
export const PARENT_EFFECT = "slack.parent";

/** The ledger's effect name of an approval's request message (looked up on expiry). */
export function approvalEffectName(approvalId: string): string {
  return `slack.approval.${approvalId}`;
}

/**
 * The Slack triage thread (DESIGN.md, Slack surface): one parent message per ticket,
 * posted once through the effect ledger (`slack.parent`) and updated in place; one
 * thread reply per milestone (`slack.milestone.<kind>`); the approval requests. Every
 * post is found again by its message metadata after a crash, so a rerun or a lost
 * ledger write never posts twice. A 429 surfaces as a retryable AppError: the runner
 * retries the phase later and the ledger keeps the post single.
 */
export function createSlackNotifier(options: SlackNotifierOptions): SlackNotifier {
  const { client, channel } = options;
  const links = options.links ?? {};
  const redactor = options.redactor ?? defaultRedactor;
  const pages = options.historyPages ?? 5;
  // A post that timed out may still land: its retry looks it up only after this (ADR 0002).
  const inFlightMs = slackCallWindowMs(client);
  // Updates go through the ledger too (kill switch, audit): one entry per update call
  // of a step, so a retried step skips the updates it already made.
  const updatesMade = new WeakMap<PhaseContext, number>();

  const parentMetadata = (triage: TriageSnapshot): MessageMetadata => ({
    event_type: PARENT_EVENT,
    event_payload: { run_id: triage.run.id, ticket: triage.run.ticket },
  });

  const renderParent = (triage: TriageSnapshot, now: Date): RenderedMessage =>
    renderParentMessage(redactView(parentMessageView(triage, now, links), redactor), now);

  async function ensureParent(
    ctx: PhaseContext,
    triage: TriageSnapshot,
  ): Promise<EffectOutcome<SlackMessageRef>> {
    const metadata = parentMetadata(triage);
    return ctx.effect<SlackMessageRef>({
      name: PARENT_EFFECT,
      capability: "slack_post",
      inFlightMs,
      perform: async () => {
        const posted = await postMessage(client, {
          channel,
          message: renderParent(triage, ctx.now()),
          metadata,
        });
        const ref = await withPermalink(client, posted);
        return { externalId: messageExternalId(ref), result: ref };
      },
      reconcile: async () => {
        const found = await findInChannel(client, channel, metadata, pages);
        if (!found) return null;
        const ref = await withPermalink(client, found);
        return { externalId: messageExternalId(ref), result: ref };
      },
    });
  }

  async function postReply(
    ctx: PhaseContext,
    triage: TriageSnapshot,
    name: string,
    metadata: MessageMetadata,
    render: () => RenderedMessage,
  ): Promise<SlackMessageRef> {
    const parent = (await ensureParent(ctx, triage)).result;
    const outcome = await ctx.effect<SlackMessageRef>({
      name,
      capability: "slack_post",
      inFlightMs,
      perform: async () => {
        const posted = await postMessage(client, {
          channel: parent.channel,
          threadTs: parent.ts,
          message: render(),
          metadata,
        });
        const ref = await withPermalink(client, posted);
        return { externalId: messageExternalId(ref), result: ref };
      },
      reconcile: async () => {
        const found = await findInThread(client, parent.channel, parent.ts, metadata, pages);
        if (!found) return null;
        const ref = await withPermalink(client, found);
        return { externalId: messageExternalId(ref), result: ref };
      },
    });
    return outcome.result;
  }

  function renderMilestoneOf(
    kind: MilestoneKind,
    triage: TriageSnapshot,
    now: Date,
  ): RenderedMessage | string {
    switch (kind) {
      case "tool_inventory":
        return triage.toolMap
          ? renderMilestone(
              redactView(
                toolInventoryMilestone({ ...triage, toolMap: triage.toolMap }, now, links),
                redactor,
              ),
              now,
            )
          : "no tool map yet";
      case "specialist_results":
        return triage.specialists
          ? renderMilestone(
              redactView(
                specialistResultsMilestone(
                  { ...triage, specialists: triage.specialists },
                  now,
                  links,
                ),
                redactor,
              ),
              now,
            )
          : "no specialist outputs yet";
      case "evidence_bundle":
        return triage.bundle || triage.specialists
          ? renderEvidenceBundle(redactView(evidenceBundleView(triage, now, links), redactor), now)
          : "no evidence bundle yet";
      case "decision":
        return triage.decision
          ? renderMilestone(
              redactView(
                decisionMilestone({ ...triage, decision: triage.decision }, now, links),
                redactor,
              ),
              now,
            )
          : "no decision yet";
      case "handoff":
        return renderMilestone(redactView(handoffMilestone(triage, now, links), redactor), now);
      case "monitor_verdict": {
        const view = monitorVerdictView(triage);
        return view
          ? renderMonitorVerdict(redactView(view, redactor), now)
          : "no monitor verdict yet";
      }
      default: {
        const never: never = kind;
        return `unknown milestone ${String(never)}`;
      }
    }
  }

  const notifier: SlackNotifier = {
    async syncParent(ctx, triage) {
      const parent = await ensureParent(ctx, triage);
      // A fresh post already shows the current state; only an existing parent is updated.
      if (!parent.reused) return;
      const n = (updatesMade.get(ctx) ?? 0) + 1;
      updatesMade.set(ctx, n);
      await ctx.effect({
        name: `${PARENT_EFFECT}.update.${ctx.run.seq}.${n}`,
        capability: "slack_update",
        perform: async () => {
          await updateMessage(
            client,
            parent.result,
            renderParent(triage, ctx.now()),
            parentMetadata(triage),
          );
          return { externalId: parent.externalId, result: null };
        },
      });
    },

    async postMilestone(ctx, kind, triage) {
      const message = renderMilestoneOf(kind, triage, ctx.now());
      if (typeof message === "string") {
        // A notification is not evidence: a milestone without its data is skipped, loudly.
        ctx.log.warn({ milestone: kind, reason: message }, "milestone not posted");
        return;
      }
      // A verdict's reply is keyed by the verdict (its decision time), so its retries post
      // once and a later verdict of the same run would get its own reply.
      const verdictAt = kind === "monitor_verdict" ? monitorVerdictKey(triage) : undefined;
      await postReply(
        ctx,
        triage,
        verdictAt ? `slack.milestone.${kind}.${verdictAt}` : `slack.milestone.${kind}`,
        {
          event_type: MILESTONE_EVENT,
          event_payload: {
            run_id: triage.run.id,
            kind,
            ...(verdictAt ? { verdict_at: verdictAt } : {}),
          },
        },
        () => message,
      );
      if (kind === "decision") {
        for (const id of triage.pendingApprovalIds ?? []) {
          await notifier.postApprovalRequest(ctx, id, triage);
        }
      }
    },

    async postApprovalRequest(ctx, approvalId, triage) {
      const row = await getApproval(ctx.db, approvalId);
      if (!row) {
        ctx.log.warn({ approvalId }, "approval request not posted: no such approval");
        return null;
      }
      const snapshot = triage ?? { run: ctx.run };
      const ticket = ticketView(snapshot.run, snapshot);
      return postReply(
        ctx,
        snapshot,
        approvalEffectName(row.id),
        { event_type: APPROVAL_EVENT, event_payload: { run_id: row.runId, approval_id: row.id } },
        () => {
          const now = ctx.now();
          const decided = decisionOf(row, now);
          return decided
            ? renderApprovalDecided(
                redactView(approvalDecidedView(row, ticket, decided), redactor),
                now,
              )
            : renderApprovalRequest(redactView(approvalRequestView(row, ticket), redactor), now);
        },
      );
    },
  };
  return notifier;
}
