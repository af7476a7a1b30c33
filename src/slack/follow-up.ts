import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { type FollowUpView, renderFollowUp } from "../../blocks/follow-up.ts";
import type { RenderedMessage } from "../../blocks/kit.ts";
import type { SlackInteraction } from "../adapters/slack/interaction.ts";
import { appendAudit } from "../audit/audit.ts";
import type { EvidenceBundle } from "../domain/evidence-bundle.ts";
import { parseRunContext } from "../domain/run-context.ts";
import { getArtifact } from "../runner/artifacts.ts";
import { type CommandDeps, triageAs } from "./commands.ts";
import { countRecentFollowUps } from "./follow-up-limit.ts";
import { answerFromBundle, parseFollowUp } from "./follow-up-question.ts";
import { postMessage, redactView } from "./messages.ts";
import { runOfThread } from "./thread-run.ts";
import { runVisibility } from "./visibility.ts";

/** The metadata of a follow-up answer: the event it answers, so it is found again. */
export const FOLLOW_UP_EVENT = "prode_follow_up";

/** Questions one user may ask in one thread per window (issue 19.2: rate limited). */
export const FOLLOW_UP_LIMIT = { perUserAndThread: 5, perThread: 20, windowSec: 60 } as const;

export interface FollowUpDeps extends CommandDeps {
  client: WebClient;
  log: Logger;
}

type Mention = Extract<SlackInteraction, { kind: "mention" }>;

/**
 * Answers `@prode <question>` in a triage thread, in the thread, from the run's stored
 * bundle. Outside a triage thread, for a user without the viewer role on the run, or over
 * the rate limit, the asker alone is told why (ephemeral). Each answer is audited on the
 * run's chain; the audit rows are also what the rate limit counts, so the limit holds
 * across processes. A retried event never reaches here twice (its event id is claimed).
 */
export async function answerMention(
  deps: FollowUpDeps,
  m: Mention,
  tell: (message: RenderedMessage) => Promise<void>,
): Promise<void> {
  const now = deps.now();
  const question = parseFollowUp(m.text);
  const run = m.threadTs
    ? await runOfThread(deps.db, { channel: m.channel, ts: m.threadTs })
    : undefined;
  if (!run) {
    await tell(
      renderFollowUp(
        {
          kind: "help",
          ticketKey: "—",
          runId: "—",
          userId: m.userId,
          at: now.toISOString(),
          question: m.text,
          problem:
            "Ask me in the thread of a triage (under prode's message for the ticket): that thread tells me which run you mean.",
        },
        now,
      ),
    );
    return;
  }
  const canView = runVisibility(deps, m.userId);
  if (!(await canView(run))) {
    await appendAudit(deps.db, {
      runId: run.id,
      type: "follow_up.refused",
      actor: `slack:${m.userId}`,
      payload: { reason: "not_viewer", eventId: m.deliveryId },
      at: now,
    });
    await tell(
      renderFollowUp(
        {
          kind: "help",
          ticketKey: run.ticket,
          runId: run.id,
          userId: m.userId,
          at: now.toISOString(),
          question: m.text,
          problem:
            ":no_entry: Answering about this run needs the viewer role in prode's policy for its team; you hold none. Nothing is shown.",
        },
        now,
      ),
    );
    return;
  }
  const window = {
    runId: run.id,
    thread: m.threadTs ?? "",
    since: new Date(now.getTime() - FOLLOW_UP_LIMIT.windowSec * 1000),
  };
  const [mine, everyone] = await Promise.all([
    countRecentFollowUps(deps.db, { ...window, actor: `slack:${m.userId}` }),
    countRecentFollowUps(deps.db, window),
  ]);
  if (mine >= FOLLOW_UP_LIMIT.perUserAndThread || everyone >= FOLLOW_UP_LIMIT.perThread) {
    deps.log.info({ runId: run.id, user: m.userId }, "follow-up rate limited");
    await tell(
      renderFollowUp(
        {
          kind: "rate_limited",
          ticketKey: run.ticket,
          runId: run.id,
          userId: m.userId,
          at: now.toISOString(),
          retryAfterSec: FOLLOW_UP_LIMIT.windowSec,
        },
        now,
      ),
    );
    return;
  }
  const base = { ticketKey: run.ticket, runId: run.id, userId: m.userId, at: now.toISOString() };
  let view: FollowUpView;
  if (question.kind === "rerun") {
    const started = await triageAs(deps, { userId: m.userId }, run.ticket);
    // A refusal or failure is for the asker alone; a started or joined run is news.
    if (!started.ok) {
      await tell(started.message);
      return;
    }
    view = { ...base, kind: "rerun", message: started.message.text };
  } else if (question.kind === "help") {
    // The list of questions needs no evidence: answered even before the run classified.
    view = {
      ...base,
      kind: "help",
      question: question.text,
      ...(question.problem ? { problem: question.problem } : {}),
    };
  } else {
    const sha = parseRunContext(run.context).bundleSha;
    const bundle = sha ? await getArtifact<EvidenceBundle>(deps.db, run.id, sha) : undefined;
    view = bundle
      ? answerFromBundle(question, bundle, base)
      : { ...base, kind: "no_bundle", phase: run.phase };
  }
  await postMessage(deps.client, {
    channel: m.channel,
    threadTs: m.threadTs,
    message: renderFollowUp(redactView(view), now),
    metadata: {
      event_type: FOLLOW_UP_EVENT,
      event_payload: { run_id: run.id, event_id: m.deliveryId, question: question.kind },
    },
  });
  // Audited once posted: a failed post is not an answer, and does not count for the limit.
  await appendAudit(deps.db, {
    runId: run.id,
    type: "follow_up.answered",
    actor: `slack:${m.userId}`,
    payload: { question: question.kind, eventId: m.deliveryId, thread: m.threadTs ?? "" },
    at: now,
  });
}
