import { describe, expect, it } from "vitest";
import { assertSafeRender, buttonsOf } from "../test/setup/blocks/assertions.ts";
import { allText, EXAMPLE_NOW, loadExample } from "../test/setup/blocks/examples.ts";
import { renderApprovalDecided } from "./approval-decided.ts";
import { renderApprovalRequest } from "./approval-request.ts";
import type { ApprovalDecidedView, ApprovalRequestView } from "./view-models.ts";

const example = loadExample<ApprovalRequestView>("approval");

function render(view: ApprovalRequestView, now = EXAMPLE_NOW) {
  const rendered = renderApprovalRequest(view, now);
  assertSafeRender(rendered, "message", view);
  return rendered;
}

describe("renderApprovalRequest", () => {
  it("has Approve (primary) and Reject (danger) buttons carrying only the approval id", () => {
    const buttons = buttonsOf(render(example));
    expect(buttons).toHaveLength(2);
    expect(buttons[0]).toMatchObject({
      action_id: "prode_approve",
      style: "primary",
      value: "apr_01JNF4B7XQ9T",
    });
    expect(buttons[1]).toMatchObject({
      action_id: "prode_reject",
      style: "danger",
      value: "apr_01JNF4B7XQ9T",
    });
  });

  it("asks for confirmation before approving, naming the digest", () => {
    const [approve] = buttonsOf(render(example));
    expect(JSON.stringify(approve?.confirm)).toContain("sha256:3f9a1c0b7d2e");
  });

  it("shows the exact SQL in a code block, escaped", () => {
    expect(allText(render(example))).toContain(
      "```UPDATE onboarding_sessions\nSET state = 'retry_pending', updated_at = now()\nWHERE state = 'failed'\n  AND current_step = 'tax_details'\n  AND failed_at &gt;= '2025-03-04T02:21:00Z';```",
    );
  });

  it("cuts a statement too long for one section visibly, saying the digest covers all of it", () => {
    const body = `UPDATE t SET v = 1 WHERE id IN (${Array.from({ length: 2_000 }, (_, i) => i).join(", ")});`;
    const text = allText(render({ ...example, action: { ...example.action, body } }));
    expect(text).toContain(
      `Shown cut: the full statement is ${body.length} characters and the digest covers all of it.`,
    );
    expect(text.match(/```/g)?.length).toBe(2);
  });

  it("shows the digest short and in full, risk, rollback and requester", () => {
    const text = allText(render(example));
    expect(text).toContain("*Digest*\n`sha256:3f9a1c0b7d2e`");
    expect(text).toContain(
      "`sha256:3f9a1c0b7d2e4a8f9c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a`",
    );
    expect(text).toContain("*Risk:* :large_orange_circle: high — Writes to 611 rows");
    expect(text).toContain("*Rollback:* UPDATE onboarding_sessions SET state = 'failed'");
    expect(text).toContain("*Requested by*\nprode (run run_01JNF3Q8K2M4) for Maya Chen");
  });

  it("states the absolute expiry as a Slack date with a UTC fallback, and how long is left", () => {
    expect(allText(render(example))).toContain(
      "*Expires*\n<!date^1741061400^{date_short_pretty} {time}|2025-03-04 04:10 UTC>\n2025-03-04 04:10 UTC · in 50m",
    );
  });

  it("offers no buttons once expired", () => {
    const rendered = render(example, new Date("2025-03-04T04:10:00Z"));
    expect(buttonsOf(rendered)).toEqual([]);
    expect(allText(rendered)).toContain("it can no longer be approved");
  });

  it("offers no buttons for a malformed approval id", () => {
    const rendered = render({ ...example, approvalId: "apr 1|<!here>" });
    expect(buttonsOf(rendered)).toEqual([]);
    expect(allText(rendered)).toContain("no valid approval id");
  });
});

describe("renderApprovalDecided", () => {
  const base = loadExample<ApprovalDecidedView>("approval-decided");

  function decided(decision: ApprovalDecidedView["decision"]) {
    const view = { ...base, decision };
    const rendered = renderApprovalDecided(view, EXAMPLE_NOW);
    assertSafeRender(rendered, "message", view);
    expect(buttonsOf(rendered)).toEqual([]);
    // The exact action stays visible after the decision.
    expect(allText(rendered)).toContain("```UPDATE onboarding_sessions");
    return rendered;
  }

  it("approved: by whom and when", () => {
    const rendered = decided({ kind: "approved", by: "Dana Okafor", at: "2025-03-04T03:24:31Z" });
    expect(allText(rendered)).toContain(
      ":white_check_mark: *Approved* by Dana Okafor at <!date^1741058671^{date_short_pretty} {time}|2025-03-04 03:24 UTC>",
    );
    expect(rendered.text).toContain("approved by Dana Okafor at 2025-03-04 03:24 UTC");
  });

  it("rejected: by whom, when and why", () => {
    const rendered = decided({
      kind: "rejected",
      by: "Dana Okafor",
      at: "2025-03-04T03:24:31Z",
      reason: "deploy the fix first",
    });
    expect(allText(rendered)).toContain(
      ":no_entry: *Rejected* by Dana Okafor at <!date^1741058671^",
    );
    expect(allText(rendered)).toContain("*Reason:* deploy the fix first");
  });

  it("expired: when, and that nothing ran", () => {
    const rendered = decided({ kind: "expired", at: "2025-03-04T04:10:00Z" });
    expect(allText(rendered)).toContain(":hourglass: *Expired* at <!date^1741061400^");
    expect(allText(rendered)).toContain("Nothing was run.");
  });
});
