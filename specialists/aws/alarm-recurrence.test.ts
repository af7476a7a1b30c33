import { describe, expect, it } from "vitest";
import type { AlarmStateChange } from "../tools.ts";
import { dailyRecurrence } from "./alarm-recurrence.ts";

const change = (at: string, to: "OK" | "ALARM"): AlarmStateChange => ({
  alarmName: "a",
  at,
  from: to === "ALARM" ? "OK" : "ALARM",
  to,
  summary: "",
});
/** An ALARM→OK episode on day `d` of a month, from `start` to `end` (HH:MM, UTC). */
const night = (d: number, start: string, end?: string) => [
  change(`2030-03-${String(d).padStart(2, "0")}T${start}:00Z`, "ALARM"),
  ...(end ? [change(`2030-03-${String(d).padStart(2, "0")}T${end}:00Z`, "OK")] : []),
];

describe("dailyRecurrence", () => {
  it("counts earlier days' firings at the same time of day that cleared by themselves", () => {
    const r = dailyRecurrence([
      ...night(10, "03:04", "03:41"),
      ...night(11, "03:06", "03:44"),
      ...night(12, "02:58", "03:40"),
      ...night(13, "03:05"),
    ]);
    expect(r).toEqual({
      firedAt: "2030-03-13T03:05:00.000Z",
      priorFirings: 3,
      selfCleared: 3,
      otherFirings: 0,
      longestEpisodeMinutes: 42,
      flaps: { firings: 4, days: 4, cleared: 3, longestMinutes: 42 },
    });
  });

  it("counts an alarm's one-minute blips at any hour as flaps, the last one's clearing too", () => {
    const r = dailyRecurrence([
      ...night(10, "09:12", "09:13"),
      ...night(10, "21:40", "21:41"),
      ...night(11, "16:03", "16:04"),
      ...night(12, "08:47", "08:48"),
      ...night(13, "17:55", "17:56"),
      ...night(13, "18:02", "18:03"),
    ]);
    expect(r?.priorFirings).toBe(0);
    expect(r?.otherFirings).toBe(5);
    expect(r?.flaps).toEqual({ firings: 6, days: 4, cleared: 6, longestMinutes: 1 });
  });

  it("does not count an episode still in ALARM as cleared", () => {
    const r = dailyRecurrence([...night(10, "09:12", "09:13"), ...night(11, "16:03")]);
    expect(r?.flaps).toEqual({ firings: 2, days: 2, cleared: 1, longestMinutes: 1 });
  });

  it("matches times of day across midnight", () => {
    const r = dailyRecurrence([...night(10, "23:50", "23:59"), ...night(12, "00:10")]);
    expect(r?.priorFirings).toBe(1);
  });

  it("counts firings at other hours, and a re-fire the same day, as other firings", () => {
    const r = dailyRecurrence([
      ...night(10, "14:00", "14:30"),
      ...night(11, "03:00", "03:20"),
      ...night(12, "02:50", "02:55"),
      ...night(12, "03:05"),
    ]);
    expect(r).toMatchObject({ priorFirings: 1, selfCleared: 1, otherFirings: 2 });
  });

  it("does not count an episode as cleared when it never returned to OK", () => {
    const r = dailyRecurrence([...night(10, "03:00"), ...night(11, "03:00")]);
    expect(r).toMatchObject({ priorFirings: 1, selfCleared: 0 });
    expect(r?.longestEpisodeMinutes).toBeUndefined();
  });

  it("is undefined for an alarm that never went into ALARM", () => {
    expect(dailyRecurrence([change("2030-03-10T03:00:00Z", "OK")])).toBeUndefined();
  });
});
