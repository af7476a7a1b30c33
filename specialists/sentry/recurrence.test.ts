import { describe, expect, it } from "vitest";
import { issueSeries } from "../shared/sentry-series.ts";
import { MIN_SILENT_DAYS, recurrenceReading } from "./recurrence.ts";

/** An old issue's return after days of silence, dated by its daily series. */

const NOW = new Date("2026-06-30T09:30:00Z");
const DAY = 86_400;
const HOUR = 3600;
const dayEnd = Math.floor(NOW.getTime() / 1000 / DAY) * DAY;
const hourEnd = Math.floor(NOW.getTime() / 1000 / HOUR) * HOUR;
const daily = (counts: number[]): [number, number][] =>
  counts.map((n, i) => [dayEnd - (counts.length - 1 - i) * DAY, n]);
const hourly = (counts: number[]): [number, number][] =>
  counts.map((n, i) => [hourEnd - (counts.length - 1 - i) * HOUR, n]);

/** A nightly job's runs: one hour with events, the rest quiet (reads flat hourly). */
const jobRuns = [0, 0, 0, 0, 410, ...Array(16).fill(0), 430, 0, 0];
const yearOld = "2025-06-29T02:00:00Z";

const reading = (firstSeen: string, days: number[], hours = jobRuns) => {
  const issue = { firstSeen, stats24h: hourly(hours), stats30d: daily(days) };
  return recurrenceReading(issue, NOW, issueSeries(issue, NOW));
};

describe("recurrenceReading", () => {
  it("dates a year-old issue back after weeks of silence by the day it returned", () => {
    const r = reading(yearOld, [...Array(28).fill(0), 820, 430]);
    expect(r?.direction).toBe("rise");
    expect(r?.before).toBe(0);
    expect(r?.onset).toBe(new Date((dayEnd - DAY) * 1000).toISOString());
    expect(r?.periodMinutes).toBe(24 * 60);
  });

  it("reads nothing for an issue that was never silent (a steady business condition)", () => {
    const steady = Array.from({ length: 30 }, (_, i) => 2300 + (i % 5) * 40);
    expect(reading(yearOld, steady)).toBeUndefined();
    expect(reading(yearOld, [...Array(28).fill(3), 820, 430])).toBeUndefined();
  });

  it("reads nothing when the return already ended, or the silence was shorter than a week", () => {
    expect(reading(yearOld, [...Array(24).fill(0), 800, 810, 790, 0, 0, 0])).toBeUndefined();
    const short = [
      ...Array(30 - MIN_SILENT_DAYS + 1).fill(5),
      ...Array(MIN_SILENT_DAYS - 1).fill(0),
    ];
    expect(reading(yearOld, [...short.slice(2), 820, 430])).toBeUndefined();
  });

  it("leaves an issue first seen inside the daily window, or one rising hourly, to the hourly series", () => {
    const back = [...Array(28).fill(0), 820, 430];
    expect(reading("2026-06-29T02:00:00Z", back)).toBeUndefined();
    expect(reading(yearOld, back, [...Array(20).fill(1), 30, 32, 31, 30])).toBeUndefined();
  });
});
