import { describe, expect, it } from "vitest";
import { limitCalls } from "./limit.ts";

/** A reader whose calls finish when released, recording how many ran at once. */
function gatedReader() {
  let running = 0;
  let peak = 0;
  const releases: (() => void)[] = [];
  const call = (value: string) =>
    new Promise<string>((resolve) => {
      running += 1;
      peak = Math.max(peak, running);
      releases.push(() => {
        running -= 1;
        resolve(value);
      });
    });
  return {
    reader: { a: (v: string) => call(`a:${v}`), b: (v: string) => call(`b:${v}`), label: "r" },
    releaseAll: () => {
      for (const release of releases.splice(0)) release();
    },
    started: () => releases.length,
    peak: () => peak,
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("limitCalls", () => {
  it("lets at most `limit` calls across all methods reach the reader at once", async () => {
    const g = gatedReader();
    const limited = limitCalls(g.reader, 2);
    const results = Promise.all([
      limited.a("1"),
      limited.b("2"),
      limited.a("3"),
      limited.b("4"),
      limited.a("5"),
    ]);
    await tick();
    expect(g.started()).toBe(2);
    while (g.started() > 0) {
      g.releaseAll();
      await tick();
    }
    expect(await results).toEqual(["a:1", "b:2", "a:3", "b:4", "a:5"]);
    expect(g.peak()).toBe(2);
  });

  it("passes a failure through and frees the slot for the next call", async () => {
    const reader = {
      fail: async () => {
        throw new Error("429 from upstream");
      },
      ok: async () => "fine",
    };
    const limited = limitCalls(reader, 1);
    await expect(limited.fail()).rejects.toThrow("429 from upstream");
    await expect(limited.ok()).resolves.toBe("fine");
  });

  it("keeps the reader's other properties", () => {
    expect(limitCalls(gatedReader().reader, 1).label).toBe("r");
  });
});
