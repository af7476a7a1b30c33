import { describe, expect, it } from "vitest";
import { renderReport } from "./report.ts";
import { findSlackLimitViolations } from "./validate.ts";

describe("renderReport", () => {
  it("keeps every line of a short report in fixed width, escaped", () => {
    const msg = renderReport(
      "Weekly reliability review",
      "runs: 3 started\n  EXIT  RUNS\n  <script> & ```x```",
      "prode report weekly",
    );
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain("runs: 3 started");
    expect(text).toContain("&lt;script&gt; &amp;");
    expect(text).not.toContain("```x```");
    expect(msg.text).toBe("runs: 3 started");
    expect(findSlackLimitViolations(msg, "message")).toEqual([]);
  });

  it("splits a long report at line ends within Slack's limits, and says when it cut", () => {
    const lines = Array.from({ length: 4_000 }, (_, i) => `line ${i} ${"x".repeat(40)}`);
    const msg = renderReport("Calibration", lines.join("\n"), "prode report calibration");
    expect(findSlackLimitViolations(msg, "message")).toEqual([]);
    const sections = msg.blocks.filter((b) => b.type === "section");
    expect(sections.length).toBe(20);
    expect(JSON.stringify(msg.blocks)).toContain("Cut to fit Slack");
    // No line is split across two blocks.
    for (const s of sections) {
      const body = (s as { text: { text: string } }).text.text;
      expect(body.startsWith("```line ")).toBe(true);
    }
  });
});
