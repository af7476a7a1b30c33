import { describe, expect, it } from "vitest";
import { assertSafeRender } from "../test/setup/blocks/assertions.ts";
import { allText, EXAMPLE_NOW, loadExample } from "../test/setup/blocks/examples.ts";
import { renderParentMessage } from "./parent-message.ts";
import type { ParentMessageView } from "./view-models.ts";

const example = loadExample<ParentMessageView>("parent");

function render(patch: Partial<ParentMessageView>) {
  const view = { ...example, ...patch };
  const rendered = renderParentMessage(view, EXAMPLE_NOW);
  assertSafeRender(rendered, "message", view);
  return rendered;
}

describe("renderParentMessage", () => {
  it("leads with the ticket key and title in the header", () => {
    const { blocks } = render({});
    expect(blocks[0]).toMatchObject({
      type: "header",
      text: {
        type: "plain_text",
        text: expect.stringMatching(/^ENG-4812 · Onboarding API returns 500/),
      },
    });
  });

  it("shows the phase with its position on the straight path", () => {
    const text = allText(render({ phase: "WAIT_FOR_EVIDENCE" }));
    expect(text).toContain("Phase 7/18 · WAIT_FOR_EVIDENCE");
    expect(text).toContain("▰".repeat(7) + "▱".repeat(11));
  });

  it("says when a run waits for an approval", () => {
    const text = allText(render({ phase: "AWAIT_APPROVAL", status: { kind: "waiting_approval" } }));
    expect(text).toContain(":raised_hand: Waiting for approval");
    expect(text).toContain("AWAIT_APPROVAL");
  });

  it("shows a stopped run's outcome by its canonical name", () => {
    const rendered = render({
      phase: "WRITE_CANDIDATE_LEARNING",
      status: { kind: "stopped", outcome: "NOISE_NO_FIX" },
    });
    expect(allText(rendered)).toContain("Stopped — :zzz: Noise — no fix · NOISE_NO_FIX");
    expect(rendered.text).toContain("stopped: NOISE_NO_FIX");
  });

  it("shows classification and confidence, and warns below the 70% floor", () => {
    expect(allText(render({}))).toContain("*Code defect* · 82% · SEV2");
    expect(allText(render({ classification: { label: "noise", confidence: 64 } }))).toContain(
      "64% :warning: below the 70% floor",
    );
    expect(allText(render({ classification: undefined }))).toContain("_not yet classified_");
  });

  it("renders times as Slack date tokens with a UTC fallback, and ages from now", () => {
    const text = allText(render({}));
    expect(text).toContain(
      "<!date^1741055892^{date_short_pretty} {time}|2025-03-04 02:38 UTC> (41m ago)",
    );
  });

  it("links Linear, Sentry, PR and the run, and never a non-http URL", () => {
    const text = allText(
      render({
        links: {
          ...example.links,
          pullRequest: "https://github.com/acme/onboarding/pull/2291",
          sentry: "javascript:alert(1)",
        },
      }),
    );
    expect(text).toContain("<https://linear.app/acme/issue/ENG-4812|Linear>");
    expect(text).toContain("<https://github.com/acme/onboarding/pull/2291|Pull request>");
    expect(text).toContain("run_01JNF3Q8K2M4");
    expect(text).not.toContain("javascript:");
  });

  it("puts status, phase and confidence in the notification text", () => {
    expect(render({}).text).toBe(
      "ENG-4812 Onboarding API returns 500 on POST /v2/onboarding/steps after 2025.03.03 deploy — Phase 10/18 · IMPLEMENT, running, code_defect 82%",
    );
  });
});
