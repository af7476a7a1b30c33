import type { ActionsBlock, KnownBlock, ModalView } from "@slack/types";
import { inlineCode, plainText } from "./escape.ts";
import { short } from "./format.ts";
import { actions, button, context, finish, type RenderedMessage, section } from "./kit.ts";
import { truncate } from "./limits.ts";

/**
 * Feedback on a run's verdict (issue 19.3): the Right / Wrong buttons under the decision
 * reply, the modal that asks for the right exit, and the reply to the person who gave it.
 * Pure; the buttons carry only the run id, the modal only the run id and where to answer.
 */

export const FEEDBACK_RIGHT_ACTION_ID = "prode_feedback_right";
export const FEEDBACK_WRONG_ACTION_ID = "prode_feedback_wrong";
/** The modal's callback id: the submission handler routes on it. */
export const FEEDBACK_MODAL_CALLBACK_ID = "prode_feedback";
/** The block and action ids of the modal's one input. */
export const FEEDBACK_INPUT_BLOCK_ID = "prode_feedback_outcome";
export const FEEDBACK_INPUT_ACTION_ID = "outcome";
const FEEDBACK_BLOCK_ID = "prode_feedback";

/** Run ids as they may travel in a button value or modal metadata. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export function isValidRunId(id: string): boolean {
  return RUN_ID.test(id);
}

/** The two buttons, or nothing when the run id cannot go on a button. */
export function feedbackButtons(runId: string): ActionsBlock | undefined {
  if (!isValidRunId(runId)) return undefined;
  return actions(FEEDBACK_BLOCK_ID, [
    button({ text: "Right", actionId: FEEDBACK_RIGHT_ACTION_ID, value: runId }),
    button({ text: "Wrong", actionId: FEEDBACK_WRONG_ACTION_ID, value: runId }),
  ]);
}

/** Where the modal's submission is answered (carried in `private_metadata`). */
export interface FeedbackModalMetadata {
  runId: string;
  channel?: string;
  threadTs?: string;
}

export interface FeedbackModalView {
  metadata: FeedbackModalMetadata;
  ticketKey: string;
  /** The run's verdict, in words and with its outcome name. */
  verdict: string;
  /** The exits the user may choose, with their words. */
  choices: { outcome: string; label: string }[];
  /** The user's earlier answer, preselected. */
  current?: string;
}

/** The modal asking which exit would have been right. */
export function renderFeedbackModal(view: FeedbackModalView): ModalView {
  const options = view.choices.slice(0, 100).map((c) => ({
    text: { type: "plain_text" as const, text: truncate(plainText(c.label), 75), emoji: true },
    value: truncate(c.outcome, 150),
  }));
  const initial = options.find((o) => o.value === view.current);
  const blocks: KnownBlock[] = [
    section(
      `prode concluded *${short(view.verdict, 300)}* on ${inlineCode(truncate(view.ticketKey, 40))}. Which exit would have been right?`,
    ),
    {
      type: "input",
      block_id: FEEDBACK_INPUT_BLOCK_ID,
      label: { type: "plain_text", text: "The right exit" },
      element: {
        type: "static_select",
        action_id: FEEDBACK_INPUT_ACTION_ID,
        placeholder: { type: "plain_text", text: "Choose an exit" },
        options,
        ...(initial ? { initial_option: initial } : {}),
      },
    },
    context("Stored with the run and audited; the calibration report counts it."),
  ];
  return {
    type: "modal",
    callback_id: FEEDBACK_MODAL_CALLBACK_ID,
    private_metadata: JSON.stringify(view.metadata).slice(0, 3_000),
    title: { type: "plain_text", text: "Verdict feedback" },
    submit: { type: "plain_text", text: "Save" },
    close: { type: "plain_text", text: "Cancel" },
    blocks,
  };
}

export interface FeedbackSavedView {
  ticketKey: string;
  verdict: "right" | "wrong";
  /** The run's outcome the user judged. */
  prodeOutcome?: string;
  correctOutcome?: string;
  /** A second answer replaced the first. */
  updated: boolean;
}

/** The ephemeral reply after feedback was stored. */
export function renderFeedbackSaved(view: FeedbackSavedView): RenderedMessage {
  const what =
    view.verdict === "right"
      ? `the verdict${view.prodeOutcome ? ` ${inlineCode(view.prodeOutcome)}` : ""} was right`
      : `the verdict${view.prodeOutcome ? ` ${inlineCode(view.prodeOutcome)}` : ""} was wrong${view.correctOutcome ? `; the right exit is ${inlineCode(view.correctOutcome)}` : ""}`;
  const text = `${view.updated ? "Updated" : "Saved"} your feedback on ${short(view.ticketKey, 40)}: ${what}.`;
  return finish(text, [
    section(`:memo: ${text}`),
    context("One answer per person per run: clicking again replaces it."),
  ]);
}

/** Words for an exit in the modal (its canonical name beside). */
export function exitChoiceLabel(outcome: string, sentence: string): string {
  return `${outcome} — ${sentence}`;
}
