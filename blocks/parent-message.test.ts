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
    expect(text).toContain("Code defect (82% confidence): waiting for a human's approval.");
    expect(text).toContain("AWAIT_APPROVAL");
  });

  const stopped = {
    phase: "WRITE_CANDIDATE_LEARNING",
    status: { kind: "stopped", outcome: "CANNOT_AUTO_FIX" },
  } as const;

  it("leads a stopped run with the verdict in words, its outcome beside, then the cause", () => {
    const { blocks } = render(stopped);
    const lead = (blocks[1] as { text: { text: string } }).text.text;
    expect(lead.split("\n")[0]).toBe(
      ":construction: *Code defect (82% confidence): the fix is handed to a human.* · `CANNOT_AUTO_FIX`",
    );
    expect(lead.split("\n")[1]).toBe(`*Cause:* ${example.cause}`);
  });

  it("puts owner, first action with its risk, confidence and service in the first screen", () => {
    const { blocks } = render(stopped);
    const columns = (blocks[2] as { fields: { text: string }[] }).fields.map((f) => f.text);
    expect(columns).toEqual([
      "*Owner*\nOnboarding team",
      "*First action*\nroll back to the previous release if the error rate keeps rising · risk medium",
      "*Confidence*\n82% · Code defect · SEV2",
      "*Service*\n`onboarding-api`",
    ]);
  });

  it("marks a service no structured source named as inferred, and an unknown one as unknown", () => {
    const serviceField = (patch: Partial<ParentMessageView>) =>
      (render({ ...stopped, ...patch }).blocks[2] as { fields: { text: string }[] }).fields[3]
        ?.text;
    expect(serviceField({ serviceInferred: true })).toBe(
      "*Service*\n`onboarding-api` _(inferred from the evidence; nothing on the ticket names it)_",
    );
    expect(serviceField({ service: undefined })).toBe("*Service*\n_unknown_");
  });

  it("shows the phase progress only while the run is running", () => {
    expect(allText(render({}))).toContain("Phase 10/18");
    const done = allText(render(stopped));
    expect(done).not.toContain("Phase 17/18");
    expect(done).not.toContain("▰");
    expect(done).not.toContain("WRITE_CANDIDATE_LEARNING");
  });

  it("leads with the draft PR once it is open, and drops the progress line", () => {
    const text = allText(
      render({ status: { kind: "waiting_review", pr: 7 }, phase: "AWAIT_HUMAN_REVIEW" }),
    );
    expect(text).toContain("draft PR #7 opened, waiting for a human's review and merge");
    expect(text).not.toContain("▰");
    expect(text).not.toContain("Phase 15/18");
  });

  it("says why a stopped run stopped in place of the progress line", () => {
    const text = allText(render({ ...stopped, summary: "automated delivery is not enabled" }));
    expect(text).toContain("*Why it stopped:* automated delivery is not enabled");
  });

  it("warns below the 70% floor, and says when nothing is classified yet", () => {
    expect(allText(render({ classification: { label: "noise", confidence: 64 } }))).toContain(
      "64% :warning: below the 70% floor",
    );
    expect(allText(render({ classification: undefined }))).toContain("_not yet classified_");
  });

  it("renders start and update times as Slack {ago} tokens, true whenever they are read", () => {
    const text = allText(render({}));
    expect(text).toContain(
      "Started <!date^1741055892^{date_short_pretty} {time} ({ago})|2025-03-04 02:38 UTC>",
    );
    expect(text).toContain("updated <!date^1741058265^{date_short_pretty} {time} ({ago})|");
    expect(text).not.toMatch(/\(\d+[smhd]( \d+[smhd])? ago\)/);
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

  it("makes the notification text the verdict sentence, never an internal phase name", () => {
    expect(render(stopped).text).toBe(
      `ENG-4812 · Code defect (82% confidence): the fix is handed to a human. Cause: ${example.cause}`,
    );
    expect(render({ classification: undefined, cause: undefined }).text).toBe(
      "ENG-4812 · Investigating (phase 10 of 18).",
    );
    for (const patch of [{}, stopped]) {
      expect(render(patch).text).not.toMatch(/[A-Z]+_[A-Z_]+|Phase \d+\/\d+/);
    }
  });
});
