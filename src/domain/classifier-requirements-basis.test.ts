import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import {
  crash,
  exception,
  inputOf,
  RULES_NOW,
  release,
  rise,
} from "../../test/setup/classifier-signals.ts";
import { classify, decideGate } from "./classifier.ts";
import type { ClassifierInput } from "./classifier-input.ts";
import { restsOnOutOfMemoryKills } from "./classifier-requirements-basis.ts";

/**
 * Which source a code defect requires follows the evidence it rests on: Sentry for an
 * exception, CloudWatch for tasks its stop events say were killed out of memory (a failure
 * that raises no exception). A missing source is still named.
 */
const now = RULES_NOW;
const without = (input: ClassifierInput, connector: string): ClassifierInput => ({
  ...input,
  tools: input.tools.map((t) =>
    t.connector === connector
      ? { ...t, status: "missing", reason: "not configured", confidenceImpact: 30 }
      : t,
  ),
});
/** A crash loop with the stop events read: `oom` killed out of memory, `exits` other exits. */
const loop = (
  reason: "out_of_memory" | "exit",
  stops?: { oom: number; exits: number },
): UnsourcedSignal => ({
  ...crash(reason),
  ...(stops ? { stopEvents: { outOfMemory: stops.oom, exits: stops.exits } } : {}),
});
/** Memory climbing from the release, tasks killed out of memory: a leak, no exception. */
const leak = (): UnsourcedSignal[][] => [
  [loop("out_of_memory", { oom: 3, exits: 0 }), rise("memory", { onset: "2025-03-04T10:05:00Z" })],
  [release({ after: 5 })],
];
/** Tasks exiting at boot right after a release: the exception is in the log Sentry holds. */
const bootLoop = (): UnsourcedSignal[][] => [
  [loop("exit", { oom: 0, exits: 12 })],
  [release({ after: 5 })],
];
const judge = (input: ClassifierInput) => {
  const c = classify(input, { now });
  return { c, gate: decideGate(c, { now }) };
};

describe("the sources a code defect requires", () => {
  it("a leak's crash loop after a release needs CloudWatch, not Sentry: Sentry's absence costs nothing", () => {
    const { c, gate } = judge(without(inputOf(...leak()), "sentry"));
    expect(c.class).toBe("code_defect");
    const sentry = c.gaps.find((g) => g.origin === "tool:sentry");
    expect(sentry).toMatchObject({ blocking: false, confidenceImpact: 0 });
    expect(sentry?.what).toContain("not needed by the leading hypothesis");
    expect(c.confidence).toBeGreaterThanOrEqual(70);
    expect(gate.decision).toBe("proceed_to_delivery");
  });

  it("the same hypothesis without CloudWatch is blocked: the restarts are CloudWatch's", () => {
    const { c, gate } = judge(without(inputOf(...leak()), "aws"));
    expect(c.gaps.find((g) => g.origin === "tool:aws")).toMatchObject({ blocking: true });
    expect(c.confidence).toBeLessThan(70);
    expect(gate.decision).toBe("exit");
  });

  it("a crash loop with 5xx or an exception among the evidence still needs Sentry", () => {
    const withErrors = inputOf(...leak(), [rise("errors_5xx"), exception()]);
    const { c, gate } = judge(without(withErrors, "sentry"));
    expect(c.gaps.find((g) => g.origin === "tool:sentry")).toMatchObject({ blocking: true });
    expect(gate.outcome).toBe("BLOCKED_NEEDS_INFO");
  });

  it("tasks exiting with an error at boot after a release still need Sentry: their exception is Sentry's", () => {
    const { c, gate } = judge(without(inputOf(...bootLoop()), "sentry"));
    expect(c.gaps.find((g) => g.origin === "tool:sentry")).toMatchObject({ blocking: true });
    expect(gate.outcome).toBe("BLOCKED_NEEDS_INFO");
  });

  it("a loop called out of memory from the memory series alone, with no stop event read, still needs Sentry", () => {
    const fromShape: UnsourcedSignal[][] = [
      [loop("out_of_memory"), rise("memory", { onset: "2025-03-04T10:05:00Z" })],
      [release({ after: 5 })],
    ];
    const { c, gate } = judge(without(inputOf(...fromShape), "sentry"));
    expect(c.gaps.find((g) => g.origin === "tool:sentry")).toMatchObject({ blocking: true });
    expect(gate.outcome).toBe("BLOCKED_NEEDS_INFO");
  });

  it("rests on out-of-memory kills only when stop events say so, with no other exit and no reported failure", () => {
    const tag = (signal: UnsourcedSignal) =>
      ({ specialistId: "s", signal: { ...signal, sourceRef: "r" } }) as never;
    const rests = (...signals: UnsourcedSignal[]) => restsOnOutOfMemoryKills(signals.map(tag));
    expect(rests(loop("out_of_memory", { oom: 3, exits: 0 }), release())).toBe(true);
    // No stop event read: "no exception" is all that would argue it, and that is circular.
    expect(rests(loop("out_of_memory"), release())).toBe(false);
    expect(rests(loop("exit"), release())).toBe(false);
    expect(rests(loop("exit", { oom: 0, exits: 5 }), release())).toBe(false);
    // Killed out of memory, but some tasks also exited with a code of their own.
    expect(rests(loop("out_of_memory", { oom: 4, exits: 1 }), release())).toBe(false);
    // Stop events read, none of them out of memory (the reason came from the memory peaks).
    expect(rests(loop("out_of_memory", { oom: 0, exits: 0 }), release())).toBe(false);
    // Two loops, one of them exiting on its own.
    expect(
      rests(loop("out_of_memory", { oom: 3, exits: 0 }), loop("exit", { oom: 0, exits: 4 })),
    ).toBe(false);
    expect(rests(release(), rise("memory"))).toBe(false);
    expect(rests(loop("out_of_memory", { oom: 3, exits: 0 }), rise("error_events"))).toBe(false);
  });
});
