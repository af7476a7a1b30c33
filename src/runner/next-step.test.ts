import { describe, expect, it } from "vitest";
import { resolveNext } from "./next-step.ts";
import type { RunRow } from "./types.ts";

const run = { pendingOutcome: null } as unknown as RunRow;

describe("resolveNext", () => {
  it("turns a re-check into a step of the same phase due at its time", () => {
    const at = new Date("2026-03-01T12:10:00Z");
    expect(
      resolveNext(run, "POST_MERGE_MONITOR", { kind: "recheck", at, description: "check 1" }),
    ).toEqual({ to: "POST_MERGE_MONITOR", exiting: false, wakeAt: at, description: "check 1" });
  });

  it("gives no due time to any other step", () => {
    expect(resolveNext(run, "POST_MERGE_MONITOR", {})).not.toHaveProperty("wakeAt");
    expect(resolveNext(run, "POST_MERGE_MONITOR", { next: "POST_MERGE_MONITOR" })).toEqual({
      to: "POST_MERGE_MONITOR",
      exiting: false,
      description: "POST_MERGE_MONITOR done",
    });
  });
});
