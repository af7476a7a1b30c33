import type { WebClient } from "@slack/web-api";
import { z } from "zod";
import { inlineCode } from "../../blocks/escape.ts";
import {
  exitChoiceLabel,
  type FeedbackModalMetadata,
  isValidRunId,
  renderFeedbackModal,
  renderFeedbackSaved,
} from "../../blocks/feedback.ts";
import { finish, type RenderedMessage, section } from "../../blocks/kit.ts";
import { outcomeSentence } from "../../blocks/verdict.ts";
import { callSlack } from "../adapters/slack/client.ts";
import type { SlackInteraction } from "../adapters/slack/interaction.ts";
import type { Db } from "../db/client.ts";
import { EXIT_OUTCOMES, isOutcome } from "../domain/phases.ts";
import type { PolicySource } from "../policy/source.ts";
import { findRun } from "../runner/status.ts";
import type { RunRow } from "../runner/types.ts";
import { recordFeedback } from "./feedback-store.ts";
import { runVisibility } from "./visibility.ts";

/**
 * Right / Wrong under a decision reply (issue 19.3). Right is stored at once; Wrong opens
 * a modal asking for the right exit, stored on submission. Anyone who may see the run
 * (viewer role for its team) may answer, once per run: answering again replaces it.
 * Every refusal is a short ephemeral answer; nothing throws at the user.
 */
export interface FeedbackDeps {
  db: Db;
  client: WebClient;
  policyFor: PolicySource;
  groupsOf(userId: string, candidates: readonly string[]): Promise<readonly string[]>;
  now(): Date;
}

type Click = Extract<SlackInteraction, { kind: "feedback" }>;
type Submit = Extract<SlackInteraction, { kind: "feedback_submit" }>;
type Tell = (message: RenderedMessage) => Promise<void>;

function say(text: string): RenderedMessage {
  return finish(text, [section(text)]);
}

/** The outcome the run's verdict names: its final outcome, else the exit it chose. */
function verdictOf(run: RunRow): string | null {
  return run.outcome ?? run.pendingOutcome ?? null;
}

async function viewableRun(
  deps: FeedbackDeps,
  runId: string,
  userId: string,
  tell: Tell,
): Promise<RunRow | undefined> {
  if (!isValidRunId(runId)) {
    await tell(say(":warning: This button does not name a run prode knows. Nothing was stored."));
    return undefined;
  }
  const run = await findRun(deps.db, runId);
  if (!run || run.id !== runId) {
    await tell(
      say(
        `:warning: No run ${inlineCode(runId)} here (it may have been purged). Nothing was stored.`,
      ),
    );
    return undefined;
  }
  if (!(await runVisibility(deps, userId)(run))) {
    await tell(
      say(
        ":no_entry: Feedback on this run needs the viewer role in prode's policy for its team; you hold none. Nothing was stored.",
      ),
    );
    return undefined;
  }
  return run;
}

export async function handleFeedbackClick(deps: FeedbackDeps, i: Click, tell: Tell): Promise<void> {
  const run = await viewableRun(deps, i.runId, i.userId, tell);
  if (!run) return;
  const prodeOutcome = verdictOf(run);
  if (i.verdict === "right") {
    const { updated } = await recordFeedback(deps.db, {
      runId: run.id,
      userId: i.userId,
      verdict: "right",
      prodeOutcome,
      correctOutcome: null,
      at: deps.now(),
    });
    await tell(
      renderFeedbackSaved({
        ticketKey: run.ticket,
        verdict: "right",
        ...(prodeOutcome ? { prodeOutcome } : {}),
        updated,
      }),
    );
    return;
  }
  if (!i.triggerId) {
    await tell(say(":warning: Slack sent no trigger to open the form with; click *Wrong* again."));
    return;
  }
  const metadata: FeedbackModalMetadata = {
    runId: run.id,
    ...(i.channel ? { channel: i.channel } : {}),
    ...(i.threadTs ? { threadTs: i.threadTs } : {}),
  };
  const view = renderFeedbackModal({
    metadata,
    ticketKey: run.ticket,
    verdict: prodeOutcome
      ? `${prodeOutcome} (${isOutcome(prodeOutcome) ? outcomeSentence(prodeOutcome) : "unknown exit"})`
      : "no verdict yet",
    choices: EXIT_OUTCOMES.filter((o) => o !== prodeOutcome).map((o) => ({
      outcome: o,
      label: exitChoiceLabel(o, outcomeSentence(o)),
    })),
  });
  await callSlack("views.open", () => deps.client.views.open({ trigger_id: i.triggerId!, view }));
}

const ModalMetadata = z.object({
  runId: z.string().min(1).max(128),
  channel: z.string().min(1).max(255).optional(),
  threadTs: z.string().min(1).max(100).optional(),
});

export async function handleFeedbackSubmit(
  deps: FeedbackDeps,
  i: Submit,
  tellIn: (to: { channel?: string; threadTs?: string }, message: RenderedMessage) => Promise<void>,
): Promise<void> {
  let metadata: FeedbackModalMetadata;
  try {
    metadata = ModalMetadata.parse(JSON.parse(i.privateMetadata));
  } catch {
    // Nowhere to answer: the form did not come from prode.
    return;
  }
  const tell: Tell = (m) =>
    tellIn(
      {
        ...(metadata.channel ? { channel: metadata.channel } : {}),
        ...(metadata.threadTs ? { threadTs: metadata.threadTs } : {}),
      },
      m,
    );
  const run = await viewableRun(deps, metadata.runId, i.userId, tell);
  if (!run) return;
  if (!(EXIT_OUTCOMES as readonly string[]).includes(i.outcome)) {
    await tell(say(":warning: That is not one of prode's exits. Nothing was stored."));
    return;
  }
  const prodeOutcome = verdictOf(run);
  const { updated } = await recordFeedback(deps.db, {
    runId: run.id,
    userId: i.userId,
    verdict: "wrong",
    prodeOutcome,
    correctOutcome: i.outcome,
    at: deps.now(),
  });
  await tell(
    renderFeedbackSaved({
      ticketKey: run.ticket,
      verdict: "wrong",
      ...(prodeOutcome ? { prodeOutcome } : {}),
      correctOutcome: i.outcome,
      updated,
    }),
  );
}
