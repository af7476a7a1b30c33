import { describe, expect, it } from "vitest";
import { createMetrics } from "../observability/metrics.ts";
import type { PhaseContext, PhaseHandlers } from "../runner/types.ts";
import { timedHandlers } from "./processes.ts";

async function countFor(metrics: ReturnType<typeof createMetrics>, phase: string) {
  const json = await metrics.registry.getSingleMetricAsString("prode_phase_step_seconds");
  const line = json
    .split("\n")
    .find((l) => l.startsWith(`prode_phase_step_seconds_count{phase="${phase}"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

describe("prode_phase_step_seconds (issue 16)", () => {
  it("observes every execution of every phase the worker runs, a failing one too", async () => {
    const metrics = createMetrics();
    const handlers: PhaseHandlers = {
      CLASSIFY: async () => ({ next: "RUN_COMPLETE" }) as never,
      FETCH_LINEAR: async () => {
        throw new Error("provider down");
      },
    };
    const timed = timedHandlers(handlers, metrics);
    const ctx = {} as PhaseContext;
    await timed.CLASSIFY!(ctx);
    await timed.CLASSIFY!(ctx);
    await expect(timed.FETCH_LINEAR!(ctx)).rejects.toThrow("provider down");
    expect(await countFor(metrics, "CLASSIFY")).toBe(2);
    expect(await countFor(metrics, "FETCH_LINEAR")).toBe(1);
    expect(Object.keys(timed).sort()).toEqual(["CLASSIFY", "FETCH_LINEAR"]);
  });
});
