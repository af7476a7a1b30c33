import { describe, expect, it } from "vitest";
import { DeadlineReached, deadlineSignal, untilAborted } from "./deadline.ts";

describe("untilAborted", () => {
  it("stops waiting when the deadline signal fires", async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => {});
    const waiting = untilAborted(never, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(DeadlineReached);
  });
});

describe("deadlineSignal", () => {
  it("carries many concurrent reads without Node's listener-leak warning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const signal = deadlineSignal({
        signal: new AbortController().signal,
        deadline: new Date(Date.now() + 60_000),
      });
      await Promise.all(
        Array.from({ length: 25 }, (_, n) => untilAborted(Promise.resolve(n), signal)),
      );
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("is already aborted when the deadline has passed", () => {
    const signal = deadlineSignal({ signal: new AbortController().signal, deadline: new Date(0) });
    expect(signal.aborted).toBe(true);
  });
});
