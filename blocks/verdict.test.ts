import { describe, expect, it } from "vitest";
import { OUTCOMES } from "../src/domain/phases.ts";
import { outcomeEmoji, outcomeSentence, verdictSentence } from "./verdict.ts";

const codeDefect = { label: "code_defect", confidence: 95.4, severity: "SEV2" };

describe("the verdict in words", () => {
  it("says every outcome in plain words, never by its canonical name", () => {
    for (const outcome of OUTCOMES) {
      const sentence = outcomeSentence(outcome);
      expect(sentence).not.toMatch(/[A-Z]+_[A-Z_]+|_/);
      expect(sentence.length).toBeGreaterThan(0);
      expect(outcomeEmoji(outcome)).toMatch(/^:[a-z_]+:$/);
    }
  });

  it("leads with the class and confidence once classified, with the outcome after", () => {
    expect(
      verdictSentence({ kind: "stopped", outcome: "CANNOT_AUTO_FIX" }, codeDefect, "RUN_COMPLETE"),
    ).toBe("Code defect (95% confidence): the fix is handed to a human.");
    expect(verdictSentence({ kind: "stopped", outcome: "FAILED" }, undefined, "RUN_COMPLETE")).toBe(
      "Failed before reaching a verdict.",
    );
  });

  it("says where a running run is in words, not by phase name", () => {
    expect(verdictSentence({ kind: "running" }, undefined, "WAIT_FOR_EVIDENCE")).toBe(
      "Investigating (phase 7 of 18).",
    );
    expect(verdictSentence({ kind: "waiting_approval" }, codeDefect, "AWAIT_APPROVAL")).toBe(
      "Code defect (95% confidence): waiting for a human's approval.",
    );
    expect(verdictSentence({ kind: "paused", scope: "global" }, undefined, "CLASSIFY")).toBe(
      "Paused by a kill switch.",
    );
  });
});
