import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderAppHome } from "./app-home.ts";
import { renderApprovalDecided } from "./approval-decided.ts";
import {
  APPROVE_ACTION_ID,
  isValidApprovalId,
  REJECT_ACTION_ID,
  renderApprovalRequest,
} from "./approval-request.ts";
import { renderEvidenceBundle } from "./evidence-bundle.ts";
import { renderHelp } from "./help.ts";
import { renderMilestone } from "./milestone.ts";
import { renderParentMessage } from "./parent-message.ts";
import { renderStatus } from "./status.ts";
import * as arb from "./testing/arbitraries.ts";
import { assertSafeRender, buttonsOf } from "./testing/assertions.ts";
import { isPast } from "./time.ts";

// Huge lists make each case slow; 60 runs per renderer still covers every generator branch.
const RUNS = { numRuns: 60 };

describe("every renderer stays within Slack's limits and escapes user input, whatever the input", () => {
  it("parent message", () => {
    fc.assert(
      fc.property(arb.parentMessage, arb.now, (view, now) => {
        assertSafeRender(renderParentMessage(view, now), "message", view);
      }),
      RUNS,
    );
  });

  it("milestones", () => {
    fc.assert(
      fc.property(arb.milestone, arb.now, (view, now) => {
        assertSafeRender(renderMilestone(view, now), "message", view);
      }),
      RUNS,
    );
  });

  it("evidence bundle", () => {
    fc.assert(
      fc.property(arb.evidenceBundle, arb.now, (view, now) => {
        const rendered = renderEvidenceBundle(view, now);
        assertSafeRender(rendered, "message", view);
        expect(JSON.stringify(rendered)).toContain("Memory (routing only — not evidence)");
      }),
      RUNS,
    );
  });

  it("approval request: buttons carry only the approval id, and only while it is valid and unexpired", () => {
    fc.assert(
      fc.property(arb.approvalRequest, arb.now, (view, now) => {
        const rendered = renderApprovalRequest(view, now);
        assertSafeRender(rendered, "message", view);
        const buttons = buttonsOf(rendered);
        const clickable = isValidApprovalId(view.approvalId) && !isPast(view.expiresAt, now);
        if (!clickable) {
          expect(buttons).toEqual([]);
          return;
        }
        expect(buttons.map((b) => b.action_id)).toEqual([APPROVE_ACTION_ID, REJECT_ACTION_ID]);
        for (const b of buttons) expect(b.value).toBe(view.approvalId);
      }),
      RUNS,
    );
  });

  it("approval decided: never any button", () => {
    fc.assert(
      fc.property(arb.approvalDecided, arb.now, (view, now) => {
        const rendered = renderApprovalDecided(view, now);
        assertSafeRender(rendered, "message", view);
        expect(buttonsOf(rendered)).toEqual([]);
      }),
      RUNS,
    );
  });

  it("status (list, detail, not found)", () => {
    fc.assert(
      fc.property(arb.statusView, arb.now, (view, now) => {
        assertSafeRender(renderStatus(view, now), "message", view);
      }),
      RUNS,
    );
  });

  it("help", () => {
    fc.assert(
      fc.property(arb.help, arb.now, (view, now) => {
        assertSafeRender(renderHelp(view, now), "message", view);
      }),
      RUNS,
    );
  });

  it("App Home (100 blocks)", () => {
    fc.assert(
      fc.property(arb.appHome, arb.now, (view, now) => {
        const rendered = renderAppHome(view, now);
        assertSafeRender(rendered, "home", view);
        expect(buttonsOf(rendered)).toEqual([]);
      }),
      RUNS,
    );
  });
});
