import { describe, expect, it } from "vitest";
import { DeadlineReached, untilAborted } from "./deadline.ts";

describe("untilAborted", () => {
  it("stops waiting when the deadline signal fires", async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => {});
    const waiting = untilAborted(never, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(DeadlineReached);
  });
});
