import { describe, expect, it } from "vitest";
import {
  defaultNextPhase,
  EXIT_OUTCOMES,
  isLegalTransition,
  OUTCOMES,
  PHASES,
  type Phase,
  type RunState,
} from "./phases.ts";

const ALL_PHASES: Phase[] = [...PHASES, "AWAIT_APPROVAL"];
const ALL_STATES: RunState[] = [...new Set<RunState>([...ALL_PHASES, ...OUTCOMES])];

describe("transition table", () => {
  it("walks the canonical phases in order, one step at a time", () => {
    let phase: Phase | undefined = "QUEUED";
    const walked: Phase[] = [];
    while (phase) {
      walked.push(phase);
      const next = defaultNextPhase(phase);
      if (next) expect(isLegalTransition(phase, next)).toBe(true);
      phase = next;
    }
    expect(walked).toEqual([...PHASES]);
  });

  it("refuses every move that is not in the table", () => {
    const legal = new Set<string>();
    for (const from of ALL_STATES) {
      for (const to of ALL_STATES) {
        if (isLegalTransition(from, to)) legal.add(`${from}>${to}`);
      }
    }
    const forward = PHASES.slice(0, -1).map((p, i) => `${p}>${PHASES[i + 1]}`);
    const extra = [
      "CLASSIFY>AWAIT_APPROVAL",
      "REVIEW>AWAIT_APPROVAL",
      "VERIFY>IMPLEMENT",
      "REVIEW>IMPLEMENT",
      "LINEAR_HANDOFF>WRITE_CANDIDATE_LEARNING",
      "AWAIT_APPROVAL>CREATE_WORKTREE",
      "AWAIT_APPROVAL>OPEN_PR",
      "AWAIT_APPROVAL>LINEAR_HANDOFF",
      // The monitor's re-check due later, and its verdict step.
      "POST_MERGE_MONITOR>POST_MERGE_MONITOR",
    ];
    const engineStops = ALL_PHASES.filter((p) => p !== "RUN_COMPLETE").flatMap((p) => [
      `${p}>SUPERSEDED`,
      `${p}>FAILED`,
    ]);
    expect([...legal].sort()).toEqual([...new Set([...forward, ...extra, ...engineStops])].sort());
  });

  it("never moves a terminal outcome, and skips no phase", () => {
    for (const outcome of OUTCOMES) {
      for (const to of ALL_STATES) expect(isLegalTransition(outcome, to)).toBe(false);
    }
    expect(isLegalTransition("QUEUED", "CLASSIFY")).toBe(false);
    expect(isLegalTransition("CLASSIFY", "OPEN_PR")).toBe(false);
    expect(isLegalTransition("WAIT_FOR_EVIDENCE", "CREATE_WORKTREE")).toBe(false);
  });

  it("sends every exit through the handoff before it ends", () => {
    for (const outcome of EXIT_OUTCOMES) {
      expect(isLegalTransition("CLASSIFY", outcome, { exiting: true })).toBe(false);
      expect(isLegalTransition("LINEAR_HANDOFF", outcome, { exiting: true })).toBe(false);
      expect(isLegalTransition("WRITE_CANDIDATE_LEARNING", outcome, { exiting: true })).toBe(true);
    }
    expect(isLegalTransition("CLASSIFY", "LINEAR_HANDOFF", { exiting: true })).toBe(true);
    expect(isLegalTransition("CLASSIFY", "LINEAR_HANDOFF")).toBe(false);
  });
});
