import { describe, expect, it } from "vitest";
import { formatAge, formatDuration, formatRelative, formatUtc, isPast, slackDate } from "./time.ts";
import { findUnsafeTokens } from "./validate.ts";

const now = new Date("2025-03-04T03:20:00Z");

describe("time", () => {
  it("renders a Slack date token with the UTC time as fallback", () => {
    expect(slackDate("2025-03-04T04:10:00Z")).toBe(
      "<!date^1741061400^{date_short_pretty} {time}|2025-03-04 04:10 UTC>",
    );
  });

  it("shows unknown and pre-1970 times without a token", () => {
    expect(slackDate("yesterday")).toBe("unknown time");
    expect(formatUtc(undefined)).toBe("unknown time");
    const old = slackDate("1960-01-01T00:00:00Z");
    expect(old).toBe("1960-01-01 00:00 UTC");
    expect(findUnsafeTokens(old)).toEqual([]);
  });

  it("formats durations compactly", () => {
    expect(
      [45_000, 12 * 60_000, 185 * 60_000, 3 * 3_600_000, 52 * 3_600_000].map(formatDuration),
    ).toEqual(["45s", "12m", "3h 5m", "3h", "2d 4h"]);
  });

  it("measures age and relative time from the given clock", () => {
    expect(formatAge("2025-03-04T02:38:12Z", now)).toBe("41m");
    expect(formatRelative("2025-03-04T04:10:00Z", now)).toBe("in 50m");
    expect(formatRelative("2025-03-04T03:00:00Z", now)).toBe("20m ago");
  });

  it("treats an unknown expiry as passed, so nothing stays approvable by accident", () => {
    expect(isPast("not a time", now)).toBe(true);
    expect(isPast("2025-03-04T03:20:00Z", now)).toBe(true);
    expect(isPast("2025-03-04T03:20:01Z", now)).toBe(false);
  });
});
