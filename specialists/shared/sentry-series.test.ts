import { describe, expect, it } from "vitest";
import { issueSeries, readSeries, sumSeries, toSamples } from "./sentry-series.ts";

const HOUR = 3600;
const NOW = new Date("2026-11-20T14:35:00Z");
const end = Math.floor(NOW.getTime() / 1000 / HOUR) * HOUR;
/** 24 hourly buckets ending at the bucket holding NOW, oldest first. */
const hourly = (counts: number[]): [number, number][] =>
  counts.map((n, i) => [end - (counts.length - 1 - i) * HOUR, n]);
const flat = (n: number, len = 24) => Array.from({ length: len }, () => n);

describe("issueSeries", () => {
  it("dates a long-lived issue's spike by its change point, not by its first-seen time", () => {
    const stats = hourly([...flat(2, 20), 40, 44, 41, 39]);
    const reading = issueSeries({ firstSeen: "2026-09-03T07:52:18Z", stats24h: stats }, NOW);
    expect(reading?.direction).toBe("rise");
    expect(reading?.datedBy).toBe("change_point");
    expect(reading?.onset).toBe(new Date(stats[20]![0] * 1000).toISOString());
    expect(reading?.uncertaintyMinutes).toBe(30);
    expect(reading?.before).toBe(2);
  });

  it("dates a new issue by its first event: there were no events before it", () => {
    const reading = issueSeries(
      { firstSeen: "2026-11-20T14:06:11Z", stats24h: hourly([...flat(0, 23), 5]) },
      NOW,
    );
    expect(reading).toMatchObject({
      direction: "rise",
      datedBy: "first_seen",
      onset: "2026-11-20T14:06:11.000Z",
      uncertaintyMinutes: 0,
      before: 0,
    });
  });

  it("reports a steady old issue as flat, with the window it read and no onset", () => {
    const reading = issueSeries(
      { firstSeen: "2026-10-02T07:11:45Z", stats24h: hourly([3, 2, 4, 3, 2, 3, 4, 3, 2, 3]) },
      NOW,
    );
    expect(reading?.direction).toBe("flat");
    expect(reading?.onset).toBeUndefined();
    expect(reading?.windowEnd).toBe(NOW.toISOString());
  });

  it("reads nothing from a series too short to split", () => {
    expect(issueSeries({ firstSeen: "x", stats24h: hourly([1, 9]) }, NOW)).toBeUndefined();
    expect(issueSeries({ firstSeen: "x" }, NOW)).toBeUndefined();
  });
});

describe("sumSeries", () => {
  it("adds issues bucket by bucket, so a project's rise shows even when split over issues", () => {
    const a = toSamples(hourly([...flat(1, 20), 10, 10, 10, 10]));
    const b = toSamples(hourly([...flat(1, 20), 12, 12, 12, 12]));
    const sum = sumSeries([a, b]);
    expect(sum.map((s) => s.value).slice(-5)).toEqual([2, 22, 22, 22, 22]);
    expect(readSeries(sum, NOW)?.direction).toBe("rise");
  });
});
