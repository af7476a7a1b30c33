import { describe, expect, it } from "vitest";
import { exportedRunIds, renderInbox } from "./inbox-format.ts";
import type { StoredLearning } from "./store.ts";

const learning = (over: Partial<StoredLearning>): StoredLearning => ({
  runId: "run-1",
  ticket: "ENG-1",
  outcome: "NOISE_NO_FIX",
  class: "noise",
  confidence: 84,
  decision: "exit",
  reasons: ["client errors only"],
  helped: ["sentry: 4xx only [sentry:issue/1]"],
  gaps: [],
  wikiPages: ["checkout"],
  monitorVerdict: null,
  prUrl: null,
  createdAt: new Date("2026-12-01T10:00:00Z"),
  updatedAt: new Date("2026-12-01T10:00:00Z"),
  ...over,
});

describe("the learnings inbox format", () => {
  it("renders one entry per learning under the Entries heading", () => {
    const { document, added } = renderInbox([
      learning({}),
      learning({ runId: "run-2", class: null, confidence: null, decision: null, reasons: [] }),
    ]);
    expect(added).toBe(2);
    const entries = document.slice(document.indexOf("## Entries"));
    expect(entries).toContain("### ENG-1: NOISE_NO_FIX (2026-12-01)\n\n- run: `run-1`");
    expect(entries).toContain("- classification: noise, confidence 84%; gate: exit");
    expect(entries).toContain("- what helped:\n  - sentry: 4xx only [sentry:issue/1]");
    expect(entries).toContain("- what was missing: none recorded");
    expect(entries).toContain("- wiki pages that routed: `checkout`");
    expect(entries).toContain("- classification: none (the run stopped before CLASSIFY)");
    expect(exportedRunIds(document)).toEqual(new Set(["run-1", "run-2"]));
  });

  it("adds to an existing inbox only the runs it does not hold, keeping what is there", () => {
    const first = renderInbox([learning({})]).document;
    const edited = `${first}\nA reviewer's note.\n`;
    const again = renderInbox([learning({}), learning({ runId: "run-3" })], { existing: edited });
    expect(again.added).toBe(1);
    expect(again.document.startsWith(edited.trimEnd())).toBe(true);
    expect(again.document.match(/- run: `run-1`/g)).toHaveLength(1);
    expect(again.document).toContain("- run: `run-3`");
  });

  it("keeps a stored newline or backtick from breaking the Markdown", () => {
    const { document } = renderInbox([
      learning({ reasons: ["line one\n# not a heading"], wikiPages: ["a`b"] }),
    ]);
    expect(document).toContain("- reasons: line one # not a heading");
    expect(document).toContain("`a'b`");
    expect(document).not.toMatch(/^# not a heading/m);
  });
});
