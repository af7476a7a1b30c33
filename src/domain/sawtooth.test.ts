import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Sample } from "./change-point.ts";
import { detectSawtooth } from "./sawtooth.ts";

const T0 = Date.parse("2026-03-02T00:00:00Z");
const period = 30 * 60_000;
const series = (values: number[]): Sample[] =>
  values.map((value, i) => ({ at: T0 + i * period, value }));
/** A deterministic wobble of ± `amp` around a level. */
const wobble = (n: number, level: number, amp: number) =>
  Array.from({ length: n }, (_, i) => level + amp * Math.sin(i * 1.7));
/** `cycles` climbs from `from` by `step` per sample over `len` samples, each then reset. */
const teeth = (cycles: number, from: number, step: number, len: number) =>
  Array.from({ length: cycles }, () =>
    Array.from({ length: len }, (_, k) => from + step * k),
  ).flat();
const OPTIONS = { peakAtLeast: 80 };

describe("detectSawtooth", () => {
  it("dates a sawtooth that follows a flat baseline at the first climb's start", () => {
    const values = [...wobble(20, 40, 0.6), ...teeth(4, 38, 7, 9), 38, 45];
    const found = detectSawtooth(series(values), OPTIONS);
    expect(found).toBeDefined();
    expect(found!.onset).toBe(T0 + 20 * period);
    // Within a sampling period: a sample cannot tell where between two samples it left.
    expect(found!.uncertaintyMs).toBe(period);
    expect(found!.resets).toHaveLength(4);
    expect(found!.resets[0]).toBe(T0 + 29 * period);
    expect(found!.baseline).toBeCloseTo(40, 0);
    expect(found!.peakLevel).toBeCloseTo(38 + 7 * 8);
    expect(found!.climbPerHour).toBeCloseTo(14);
  });

  it("does not date the onset early when the baseline's last samples happen to rise", () => {
    // Noise that rises into the climb: 39.4, 39.8, 40.3 are still the baseline.
    const values = [40.2, 39.7, 40.4, 39.9, 40.1, 39.4, 39.8, 40.3, ...teeth(3, 47, 8, 6), 47];
    const found = detectSawtooth(series(values), OPTIONS);
    expect(found?.onset).toBe(T0 + 7 * period);
  });

  it("reports a sawtooth that fills the whole read undated: it began before it", () => {
    const found = detectSawtooth(series(teeth(5, 40, 8, 7)), OPTIONS);
    expect(found).toBeDefined();
    expect(found!.onset).toBeUndefined();
    expect(found!.baseline).toBeUndefined();
    expect(found!.resets).toHaveLength(4);
  });

  it("needs two resets: one fall from the limit is one restart (a deploy, a single kill)", () => {
    const values = [...wobble(10, 40, 0.5), 48, 56, 64, 72, 80, 88, 95, 40, 41, 40];
    expect(detectSawtooth(series(values), OPTIONS)).toBeUndefined();
  });

  it("ignores falls from below the ceiling (a batch draining, a pool recycling)", () => {
    const values = [...wobble(10, 20, 0.5), ...teeth(5, 20, 8, 6)];
    expect(detectSawtooth(series(values), OPTIONS)).toBeUndefined();
  });

  it("needs every cycle to climb: falls between flat plateaus are not a leak", () => {
    const plateaus = Array.from({ length: 4 }, () => [90, 91, 90, 91, 90, 30]).flat();
    expect(detectSawtooth(series([...wobble(10, 30, 0.5), ...plateaus]), OPTIONS)).toBeUndefined();
  });

  it("is not fooled by a step or a flat series", () => {
    expect(
      detectSawtooth(series([...wobble(20, 40, 1), ...wobble(20, 95, 1)]), OPTIONS),
    ).toBeUndefined();
    expect(detectSawtooth(series(wobble(40, 50, 3)), OPTIONS)).toBeUndefined();
    expect(detectSawtooth([], OPTIONS)).toBeUndefined();
  });

  it("never dates an onset before the first climb or after the first reset", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 30 }),
        fc.integer({ min: 3, max: 12 }),
        fc.integer({ min: 2, max: 6 }),
        (base, len, cycles) => {
          const step = 60 / (len - 1);
          const values = [...wobble(base, 35, 0.8), ...teeth(cycles, 35, step, len)];
          const found = detectSawtooth(series(values), OPTIONS);
          if (!found?.onset) return true;
          return found.onset >= T0 + (base - 1) * period && found.onset < found.resets[0]!;
        },
      ),
    );
  });
});
