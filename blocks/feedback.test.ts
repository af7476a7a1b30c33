import { describe, expect, it } from "vitest";
import { assertSafeRender } from "../test/setup/blocks/assertions.ts";
import {
  FEEDBACK_MODAL_CALLBACK_ID,
  FEEDBACK_RIGHT_ACTION_ID,
  FEEDBACK_WRONG_ACTION_ID,
  feedbackButtons,
  renderFeedbackModal,
  renderFeedbackSaved,
} from "./feedback.ts";

describe("verdict feedback renderers", () => {
  it("the buttons carry only the run id, and none for an id that cannot go on a button", () => {
    const block = feedbackButtons("run_01J");
    expect(block?.elements.map((e) => [e.action_id, (e as { value?: string }).value])).toEqual([
      [FEEDBACK_RIGHT_ACTION_ID, "run_01J"],
      [FEEDBACK_WRONG_ACTION_ID, "run_01J"],
    ]);
    expect(feedbackButtons("run with spaces")).toBeUndefined();
  });

  it("the modal asks for the right exit within Slack's modal limits, the earlier answer preselected", () => {
    const modal = renderFeedbackModal({
      metadata: { runId: "run_01J", channel: "C1", threadTs: "1.2" },
      ticketKey: "ENG-1 <!channel>",
      verdict: "APPROVAL_REQUIRED (the change waits for approval)",
      choices: [
        { outcome: "NO_CODE_CHANGE", label: "NO_CODE_CHANGE — no code change is needed" },
        { outcome: "VENDOR_OR_INFRA", label: "VENDOR_OR_INFRA — <b>not code</b>" },
      ],
      current: "VENDOR_OR_INFRA",
    });
    expect(modal.callback_id).toBe(FEEDBACK_MODAL_CALLBACK_ID);
    expect(modal.title.text.length).toBeLessThanOrEqual(24);
    expect(JSON.parse(modal.private_metadata!)).toEqual({
      runId: "run_01J",
      channel: "C1",
      threadTs: "1.2",
    });
    assertSafeRender({ text: "feedback", blocks: modal.blocks as never }, "modal", {});
    expect(JSON.stringify(modal)).not.toContain("<!channel>");
    expect(JSON.stringify(modal)).not.toContain("<b>");
    expect(modal).toMatchSnapshot();
  });

  it("the saved reply says what was stored, and that a second answer replaced the first", () => {
    const out = renderFeedbackSaved({
      ticketKey: "ENG-1",
      verdict: "wrong",
      prodeOutcome: "APPROVAL_REQUIRED",
      correctOutcome: "NO_CODE_CHANGE",
      updated: true,
    });
    assertSafeRender(out, "message", {});
    expect(out.text).toContain("Updated your feedback");
    expect(out.text).toContain("`NO_CODE_CHANGE`");
    expect(out).toMatchSnapshot();
  });
});
