import { describe, expect, it } from "vitest";
import type { SentryEventSummary } from "../tools.ts";
import { originOf, originShares } from "./origin.ts";

const event = (
  id: string,
  userAgent?: string,
  tags: { key: string; value: string }[] = [],
): SentryEventSummary => ({
  eventId: id,
  dateCreated: "2026-11-20T14:33:52Z",
  tags,
  ...(userAgent ? { request: { method: "GET", path: "/", userAgent } } : {}),
});

describe("originOf", () => {
  it.each([
    ["ELB-HealthChecker/2.0", "health_checks"],
    ["kube-probe/1.31", "health_checks"],
    ["GoogleHC/1.0", "health_checks"],
    ["Pingdom.com_bot_version_1.4", "synthetic"],
    ["Mozilla/5.0 (compatible; UptimeRobot/2.0)", "synthetic"],
    ["Checkly/1.0 (https://www.checklyhq.com)", "synthetic"],
    ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bots"],
    ["Mozilla/5.0 (compatible; bingbot/2.0)", "bots"],
    ["sqlmap/1.8", "bots"],
    ["Mozilla/5.0 (compatible; YandexSpider)", "bots"],
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Safari/605.1.15", "users"],
    ["python-requests/2.32.3", "users"],
    ["Go-http-client/2.0", "users"],
    ["MyApp/7.4 (iOS 18.1; iPhone15,2)", "users"],
  ])("%s → %s", (ua, origin) => {
    expect(originOf(event("e", ua))).toBe(origin);
  });

  it("reads flag and classifying tags when there is no User-Agent", () => {
    expect(originOf(event("e", undefined, [{ key: "synthetic", value: "true" }]))).toBe(
      "synthetic",
    );
    expect(originOf(event("e", undefined, [{ key: "browser", value: "HeadlessChrome 120" }]))).toBe(
      "bots",
    );
    expect(originOf(event("e", undefined, [{ key: "user_agent", value: "kube-probe/1.30" }]))).toBe(
      "health_checks",
    );
    expect(originOf(event("e", undefined, [{ key: "synthetic", value: "false" }]))).toBe("users");
  });
});

describe("originShares", () => {
  it("counts each event once, largest origin first", () => {
    const shares = originShares([
      event("a", "Datadog Synthetic Monitoring"),
      event("a", "Datadog Synthetic Monitoring"),
      event("b", "Some Synthetics agent"),
      event("c", "Mozilla/5.0 (Windows NT 10.0) Chrome/131.0"),
    ]);
    expect(shares).toEqual([
      { origin: "synthetic", requests: 2, share: 0.667 },
      { origin: "users", requests: 1, share: 0.333 },
    ]);
  });

  it("leaves out a background job's events: no request, no User-Agent, no marker is no origin", () => {
    const job = event("j1", undefined, [{ key: "job", value: "nightly" }]);
    expect(originShares([job, event("j2")])).toEqual([]);
    expect(originShares([job, event("s", undefined, [{ key: "synthetic", value: "1" }])])).toEqual([
      { origin: "synthetic", requests: 1, share: 1 },
    ]);
  });

  it("is empty without events", () => {
    expect(originShares([])).toEqual([]);
  });
});
