import { describe, expect, it } from "vitest";
import type { MetricSeries } from "../tools.ts";
import { kindSpec, type SeriesSpec } from "./measures.ts";
import { assessSeries } from "./series.ts";

const NOW = new Date("2030-03-02T10:00:00Z");
const MIN = 60_000;

/** One value a minute for two hours ending a minute before now. */
function series(value: (ago: number) => number): MetricSeries {
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let ago = 120; ago >= 1; ago--) {
    timestamps.push(new Date(NOW.getTime() - ago * MIN).toISOString());
    values.push(value(ago));
  }
  return { label: "m", timestamps, values };
}

const runningTasks = (): SeriesSpec =>
  kindSpec("ecs").series.find((s) => s.measure === "running_tasks")!;

describe("running tasks", () => {
  it("losing half the tasks, the rest wobbling by one as replacements start and die, is a drop", () => {
    const wobble = [4, 4, 5];
    const change = assessSeries(
      series((ago) => (ago > 40 ? 8 : wobble[ago % 3]!)),
      runningTasks(),
      { now: NOW },
    );
    expect(change?.direction).toBe("drop");
    expect(change?.onset).toBe("2030-03-02T09:20:00.000Z");
  });

  it("one task of eight restarting is not", () => {
    const change = assessSeries(
      series((ago) => (ago > 40 ? 8 : ago % 10 === 0 ? 7 : 8)),
      runningTasks(),
      { now: NOW },
    );
    expect(change?.direction).toBe("flat");
  });
});
