import { describe, expect, it } from "vitest";
import type { SentryEventSummary } from "../tools.ts";
import { faultCodes, isExternalHost, unlistedUpstream } from "./unlisted.ts";

const event = (
  tags: Record<string, string>,
  value = "upstream call failed",
): SentryEventSummary => ({
  eventId: Math.random().toString(36).slice(2),
  dateCreated: "2026-11-20T09:00:00Z",
  tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  exception: { type: "RatesServiceError", value, frames: [] },
});
const none = () => false;

describe("a vendor no status source covers, named by the failing events", () => {
  it("finds the external host the failing events concentrate on, with its upstream-side faults", () => {
    const found = unlistedUpstream(
      [
        event({ "peer.host": "rates.example.org", "rates.fault": "SERVICE_UNAVAILABLE" }),
        event({ "peer.host": "rates.example.org", "rates.fault": "SERVICE_UNAVAILABLE" }),
        event({ "peer.host": "rates.example.org", "rates.fault": "TIMEOUT" }),
      ],
      none,
    );
    expect(found).toEqual({
      host: "rates.example.org",
      tag: "peer.host",
      events: 3,
      read: 3,
      faults: ["SERVICE_UNAVAILABLE", "TIMEOUT"],
    });
  });

  it("reads the fault code from the message when no tag carries it", () => {
    expect(
      faultCodes(event({}, "POST https://rates.example.org/v2 fault UPSTREAM_OVERLOADED (code 7)")),
    ).toEqual(["UPSTREAM_OVERLOADED"]);
    const found = unlistedUpstream(
      [
        event({}, "POST https://rates.example.org/v2 fault UPSTREAM_OVERLOADED"),
        event({}, "POST https://rates.example.org/v2 fault UPSTREAM_OVERLOADED"),
      ],
      none,
    );
    expect(found).toMatchObject({ host: "rates.example.org", faults: ["UPSTREAM_OVERLOADED"] });
    expect(found?.tag).toBeUndefined();
  });

  it("does not take a fault that says our request was wrong, nor our own socket's errors", () => {
    const rejected = [1, 2, 3].map(() =>
      event({ "peer.host": "rates.example.org", "rates.fault": "INVALID_INPUT" }),
    );
    expect(unlistedUpstream(rejected, none)).toBeUndefined();
    const socket = [1, 2].map(() =>
      event({ "peer.host": "rates.example.org" }, "connect EAI_AGAIN rates.example.org"),
    );
    expect(unlistedUpstream(socket, none)).toBeUndefined();
  });

  it("is not a vendor when the host is ours, our cloud provider's or a configured vendor's", () => {
    expect(isExternalHost("smtp.internal")).toBe(false);
    expect(isExternalHost("orders.abc123.eu-west-1.rds.amazonaws.com")).toBe(false);
    expect(isExternalHost("rates.example.org")).toBe(true);
    const internal = [1, 2].map(() =>
      event({ "upstream.host": "pricing.svc.cluster.local", fault: "UNAVAILABLE" }),
    );
    expect(unlistedUpstream(internal, none)).toBeUndefined();
    const listed = [1, 2].map(() =>
      event({ "upstream.host": "api.pay.example", fault: "UNAVAILABLE" }),
    );
    expect(unlistedUpstream(listed, (h) => h === "api.pay.example")).toBeUndefined();
  });

  it("needs the failing events concentrated on one host: spread over hosts is not one vendor", () => {
    const spread = [
      event({ "upstream.host": "a.example.org", fault: "UNAVAILABLE" }),
      event({ "upstream.host": "b.example.org", fault: "UNAVAILABLE" }),
      event({ "upstream.host": "c.example.org", fault: "UNAVAILABLE" }),
      event({ "upstream.host": "a.example.org", fault: "UNAVAILABLE" }),
    ];
    expect(unlistedUpstream(spread, none)).toBeUndefined();
    // Our own request host in Sentry's `url` tag is never the upstream.
    const own = [1, 2].map(() =>
      event({ url: "https://shop.example.com/checkout", fault: "UNAVAILABLE" }),
    );
    expect(unlistedUpstream(own, none)).toBeUndefined();
    expect(unlistedUpstream([spread[0]!], none)).toBeUndefined();
  });
});

describe("hosts read from a failing event's message", () => {
  const twice = (value: string) => [event({}, value), event({}, value)];

  it("takes a URL's host or a host:port, not a file name", () => {
    for (const value of [
      "SERVICE_UNAVAILABLE loading config.yaml",
      "SERVICE_UNAVAILABLE at handler (index.js:12:5)",
      "SERVICE_UNAVAILABLE at /app/lib/index.js:40",
    ]) {
      expect(unlistedUpstream(twice(value), none)).toBeUndefined();
    }
    const hostPort = twice("connect to rates.example.org:443 failed SERVICE_UNAVAILABLE");
    expect(unlistedUpstream(hostPort, none)).toMatchObject({ host: "rates.example.org" });
  });
});
