import { describe, expect, it } from "vitest";
import type { SentryEventSummary } from "../tools.ts";
import { isCallerKey, topCallerShare, topRuntimeOf } from "./callers.ts";

const event = (tags: Record<string, string>): SentryEventSummary =>
  ({ tags: Object.entries(tags).map(([key, value]) => ({ key, value })) }) as SentryEventSummary;

describe("topCallerShare", () => {
  it("reads the caller tags on the events read, ignoring device and other tags", () => {
    const events = [
      event({ partner_id: "p-1", "client.os": "a", level: "error" }),
      event({ partner_id: "p-1", "client.os": "b", level: "error" }),
      event({ partner_id: "p-2", "client.os": "c", level: "error" }),
    ];
    expect(topCallerShare(events)).toBeCloseTo(2 / 3);
  });

  it("is unknown with no caller named, or too few events to tell", () => {
    expect(topCallerShare([event({ level: "error" })])).toBeUndefined();
    expect(topCallerShare([event({ tenant: "t" }), event({ tenant: "t" })])).toBeUndefined();
  });

  it("knows caller keys from device keys", () => {
    expect(isCallerKey("api_key")).toBe(true);
    expect(isCallerKey("tenant.id")).toBe(true);
    expect(isCallerKey("client.os")).toBe(false);
    expect(isCallerKey("environment")).toBe(false);
  });
});

describe("topRuntimeOf", () => {
  it("names the most common browser version with its share", () => {
    expect(
      topRuntimeOf([
        { value: "B 2.0", count: 19 },
        { value: "B 1.9", count: 1 },
      ]),
    ).toEqual({ name: "B 2.0", share: 0.95 });
    expect(topRuntimeOf([])).toBeUndefined();
  });

  it("takes the share over the events carrying the tag, not over the top values only", () => {
    expect(
      topRuntimeOf(
        [
          { value: "B 2.0", count: 19 },
          { value: "B 1.9", count: 1 },
        ],
        40,
      ),
    ).toEqual({ name: "B 2.0", share: 0.48 });
  });
});
