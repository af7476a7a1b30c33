import { describe, expect, it } from "vitest";
import { defaultFaultResponse, FaultPlan, globMatcher } from "./faults.ts";
import type { SimRequest } from "./types.ts";

const req = (headers: Record<string, string> = {}): SimRequest => ({
  method: "POST",
  path: "/",
  query: new URLSearchParams(),
  headers,
  rawBody: "",
  body: undefined,
});

describe("FaultPlan", () => {
  it("matches by service and by exact method or glob over the operation or the raw route", () => {
    expect(globMatcher(undefined)(["chat.update"])).toBe(true);
    expect(globMatcher("chat.update")(["chat.update"])).toBe(true);
    expect(globMatcher("chat.update")(["chat.postMessage"])).toBe(false);
    expect(globMatcher("GET /api/0/*")(["x", "GET /api/0/organizations/acme/issues/1/"])).toBe(
      true,
    );

    const plan = new FaultPlan();
    plan.add({ service: "slack", method: "chat.update", kind: "error" });
    expect(plan.decide("slack", ["chat.postMessage"]).terminal).toBeUndefined();
    expect(plan.decide("linear", ["chat.update"]).terminal).toBeUndefined();
    expect(plan.decide("slack", ["chat.update"]).terminal?.kind).toBe("error");
  });

  it("a fault with `forMs` is a storm: it hits every matching call for that long, then none", () => {
    let now = 1_000;
    const plan = new FaultPlan(1, () => now);
    plan.add({ service: "slack", kind: "rate_limit", retryAfterSec: 2, forMs: 10_000 });
    expect(plan.decide("slack", ["chat.postMessage"]).terminal?.kind).toBe("rate_limit");
    now += 9_999;
    expect(plan.decide("slack", ["chat.update"]).terminal?.kind).toBe("rate_limit");
    now += 1;
    expect(plan.decide("slack", ["chat.postMessage"]).terminal).toBeUndefined();
  });

  it("lets `after` calls through, then applies `count` times, then stops", () => {
    const plan = new FaultPlan();
    plan.add({ service: "sentry", kind: "error", status: 503, after: 1, count: 2 });
    const hits = Array.from(
      { length: 5 },
      () => plan.decide("sentry", ["GET /x"]).terminal?.status,
    );
    expect(hits).toEqual([undefined, 503, 503, undefined, undefined]);
  });

  it("adds latency from every matching latency fault and still lets one terminal fault through", () => {
    const plan = new FaultPlan();
    plan.add({ service: "linear", kind: "latency", latencyMs: 50 });
    plan.add({ service: "linear", kind: "latency", latencyMs: 25 });
    plan.add({ service: "linear", kind: "rate_limit", retryAfterSec: 3 });
    plan.add({ service: "linear", kind: "error" });
    const d = plan.decide("linear", ["commentCreate"]);
    expect(d.latencyMs).toBe(75);
    expect(d.terminal?.kind).toBe("rate_limit");
  });

  it("draws probabilities from a seeded RNG, so the same seed replays the same hits", () => {
    const run = (seed: number) => {
      const plan = new FaultPlan(seed);
      plan.add({ service: "github", kind: "error", probability: 0.5 });
      return Array.from({ length: 40 }, () => plan.decide("github", ["x"]).terminal !== undefined);
    };
    expect(run(7)).toEqual(run(7));
    const hits = run(7).filter(Boolean).length;
    expect(hits).toBeGreaterThan(8);
    expect(hits).toBeLessThan(32);
  });

  it("refuses an invalid spec", () => {
    const plan = new FaultPlan();
    expect(() => plan.add({ service: "slack", kind: "error", status: 404 })).toThrow();
  });
});

describe("defaultFaultResponse", () => {
  it("answers a Slack rate limit as Slack does: 429, Retry-After, ratelimited", () => {
    const r = defaultFaultResponse("slack", { kind: "rate_limit", retryAfterSec: 7 }, req(), 0);
    expect(r).toEqual({
      status: 429,
      headers: { "retry-after": "7" },
      body: { ok: false, error: "ratelimited" },
    });
  });

  it("answers a Linear rate limit as a RATELIMITED GraphQL error", () => {
    const r = defaultFaultResponse("linear", { kind: "rate_limit", retryAfterSec: 2 }, req(), 1000);
    expect(r.status).toBe(400);
    expect(r.headers?.["retry-after"]).toBe("2");
    expect(r.body).toMatchObject({
      errors: [{ extensions: { code: "RATELIMITED", type: "ratelimited" } }],
    });
  });

  it("answers AWS in the protocol of the request: JSON for CloudWatch, XML for STS", () => {
    const json = defaultFaultResponse(
      "aws",
      { kind: "rate_limit", retryAfterSec: 1 },
      req({ "content-type": "application/x-amz-json-1.0" }),
      0,
    );
    expect(json.body).toEqual({ __type: "ThrottlingException", message: "Rate exceeded" });
    const xml = defaultFaultResponse("aws", { kind: "error", status: 503 }, req(), 0);
    expect(xml.status).toBe(503);
    expect(String(xml.body)).toContain("<Code>InternalFailure</Code>");
  });
});
