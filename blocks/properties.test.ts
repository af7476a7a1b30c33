import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as arb from "../test/setup/blocks/arbitraries.ts";
import { assertSafeRender, buttonsOf } from "../test/setup/blocks/assertions.ts";
import { EXAMPLE_NOW, loadExample } from "../test/setup/blocks/examples.ts";
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
import type { RenderedMessage } from "./kit.ts";
import { renderMilestone } from "./milestone.ts";
import { renderParentMessage } from "./parent-message.ts";
import { renderStatus } from "./status.ts";
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

/** Fields the renderers switch on (an unknown value there is a bug, and throws), and ids. */
const KEEP = new Set(["kind", "status", "outcome", "decision", "level", "role", "approvalId"]);
const TIME = /(At|^at|since)$/;
const HOSTILE = "<!channel> <@U123> <#C123> <http://evil|click> ``` `x` & 😀 ";

/**
 * The example with every free text replaced by 10,000 hostile characters (cut mid
 * surrogate pair on purpose at the end) and every list grown to 1,000 items.
 */
function worstCase(value: unknown, key = "", nested = false): unknown {
  if (Array.isArray(value)) {
    if (value.length === 0) return value;
    // Lists inside list items grow less, or the input alone would not fit in memory.
    const length = nested ? 50 : 1_000;
    return Array.from({ length }, (_, i) => worstCase(value[i % value.length], key, true));
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, worstCase(v, k, nested)]));
  }
  if (typeof value !== "string" || KEEP.has(key) || TIME.test(key)) return value;
  if (/url|^(linear|sentry|pullRequest|run|thread)$/i.test(key))
    return `${value}?q=${HOSTILE.repeat(3)}`;
  return HUGE;
}

const HUGE = HOSTILE.repeat(Math.ceil(10_000 / HOSTILE.length)).slice(0, 10_000);

describe("every example, with 10,000-character hostile strings and 1,000-item lists", () => {
  const cases = [
    ["parent", renderParentMessage, "message"],
    ["milestone", renderMilestone, "message"],
    ["milestone--specialist-results", renderMilestone, "message"],
    ["milestone--decision", renderMilestone, "message"],
    ["milestone--handoff", renderMilestone, "message"],
    ["evidence", renderEvidenceBundle, "message"],
    ["approval", renderApprovalRequest, "message"],
    ["approval-decided--rejected", renderApprovalDecided, "message"],
    ["status", renderStatus, "message"],
    ["status--detail", renderStatus, "message"],
    ["status--not-found", renderStatus, "message"],
    ["help", renderHelp, "message"],
    ["home", renderAppHome, "home"],
  ] as const;

  it.each(cases)("%s stays valid", (name, render, surface) => {
    const view = worstCase(loadExample(name));
    const rendered = (render as (v: unknown, now: Date) => RenderedMessage)(view, EXAMPLE_NOW);
    assertSafeRender(rendered, surface, view);
    expect(rendered.text.length).toBeLessThanOrEqual(4_000);
  });
});
