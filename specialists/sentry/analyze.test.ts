import { describe, expect, it } from "vitest";
import type { SentryEventSummary } from "../tools.ts";
import {
  codePathOf,
  correlationTags,
  culpritOf,
  describeDistribution,
  handledOf,
  isClientAbort,
  isNewIssue,
  isoTimestamp,
  requestPathOf,
  statusCodesOf,
  summarizeTrend,
} from "./analyze.ts";

const event = (over: Partial<SentryEventSummary> = {}): SentryEventSummary => ({
  eventId: "e1",
  dateCreated: "2026-11-20T14:33:52Z",
  tags: [],
  ...over,
});

const frames = [
  { filename: "node:internal/process", function: "tick", inApp: false },
  { filename: "src/onboarding/routes.ts", function: "completeHandler", lineno: 31, inApp: true },
  {
    filename: "src/onboarding/complete.ts",
    function: "completeOnboarding",
    lineno: 42,
    inApp: true,
  },
  { filename: "node_modules/pg/lib/client.js", function: "query", inApp: false },
];

describe("isClientAbort", () => {
  it("recognises request-aborted exceptions and client-closed statuses", () => {
    const aborted = event({
      exception: { type: "BadRequestError", value: "request aborted", frames: [] },
    });
    expect(isClientAbort({ title: "BadRequestError: request aborted" }, aborted, [400])).toBe(true);
    expect(isClientAbort({ title: "Error: socket closed" }, undefined, [499])).toBe(true);
  });

  it("does not mistake a server error for an abort", () => {
    const pg = event({
      exception: {
        type: "error",
        value: "current transaction is aborted, commands ignored",
        frames: [],
      },
    });
    expect(isClientAbort({ title: "error: current transaction is aborted" }, pg, [500])).toBe(
      false,
    );
    expect(isClientAbort({ title: "TypeError: x" }, undefined, [499, 500])).toBe(false);
  });
});

describe("requestPathOf, codePathOf and culpritOf", () => {
  it("prefers the event's transaction, then the commonest one, then the request, then a route-like culprit", () => {
    const issue = { culprit: "GET /v1/feed" };
    const withTag = event({ tags: [{ key: "transaction", value: "POST /v1/a" }] });
    expect(requestPathOf(issue, withTag, [])).toBe("POST /v1/a");
    expect(
      requestPathOf(issue, event(), [
        { value: "GET /v1/b", count: 1 },
        { value: "GET /v1/c", count: 9 },
      ]),
    ).toBe("GET /v1/c");
    expect(requestPathOf(issue, event({ request: { method: "PUT", path: "/v1/d" } }), [])).toBe(
      "PUT /v1/d",
    );
    expect(requestPathOf(issue, undefined, [])).toBe("GET /v1/feed");
    expect(
      requestPathOf({ culprit: "sendEmail(src/providers/email.ts)" }, undefined, []),
    ).toBeUndefined();
  });

  it("gives a worker's exception its job, else its code frame, as the path; a request keeps its route", () => {
    const routeIssue = { culprit: "GET /v1/feed", title: "t" };
    expect(codePathOf(routeIssue, event(), [])).toBe("GET /v1/feed");
    const job = event({ tags: [{ key: "job", value: "nightly-export" }] });
    expect(codePathOf({ culprit: "run(src/x.ts)", title: "t" }, job, [])).toBe(
      "job nightly-export",
    );
    const framed = event({ exception: { type: "TypeError", value: "x", frames } });
    expect(codePathOf({ culprit: "whatever", title: "t" }, framed, [])).toBe(
      "completeOnboarding(src/onboarding/complete.ts)",
    );
    expect(
      codePathOf({ culprit: "sendEmail(src/providers/email.ts)", title: "t" }, undefined, []),
    ).toBe("sendEmail(src/providers/email.ts)");
    expect(codePathOf({ culprit: "", title: "Error" }, event(), [])).toBeUndefined();
  });

  it("names the innermost in-app frame as the culprit, as Sentry writes it", () => {
    const e = event({ exception: { type: "TypeError", value: "x", frames } });
    expect(culpritOf({ culprit: "POST /v1/onboarding/complete", title: "t" }, e)).toBe(
      "completeOnboarding(src/onboarding/complete.ts)",
    );
    expect(culpritOf({ culprit: "POST /v1/x", title: "t" }, undefined)).toBe("POST /v1/x");
  });
});

describe("statusCodesOf", () => {
  it("reads the tag breakdown, else the event's tag, dropping non-HTTP values", () => {
    expect(
      statusCodesOf(
        [
          { value: "400", count: 3 },
          { value: "499", count: 1 },
          { value: "n/a", count: 1 },
        ],
        undefined,
      ),
    ).toEqual([400, 499]);
    expect(statusCodesOf([], event({ tags: [{ key: "http.status_code", value: "500" }] }))).toEqual(
      [500],
    );
    expect(statusCodesOf([], undefined)).toEqual([]);
  });
});

describe("isNewIssue", () => {
  const now = new Date("2026-11-20T14:35:00Z");
  it("counts an issue first seen within 72h as new, older or unparseable not", () => {
    expect(isNewIssue("2026-11-20T14:06:11Z", now)).toBe(true);
    expect(isNewIssue("2026-11-17T14:36:00Z", now)).toBe(true);
    expect(isNewIssue("2026-11-17T14:34:00Z", now)).toBe(false);
    expect(isNewIssue("", now)).toBe(false);
  });
});

describe("summarizeTrend", () => {
  it("totals the 24h series and compares the current hour with the mean before it", () => {
    const t0 = 1_795_000_000;
    const trend = summarizeTrend([
      [t0, 0],
      [t0 + 3600, 2],
      [t0 + 7200, 10],
    ]);
    expect(trend).toEqual({
      total: 12,
      lastHour: 10,
      earlierHourlyMean: 1,
      peak: { at: new Date((t0 + 7200) * 1000).toISOString(), count: 10 },
    });
    expect(summarizeTrend(undefined)).toBeUndefined();
  });
});

describe("correlationTags, describeDistribution, isoTimestamp", () => {
  it("takes request and trace ids from tags", () => {
    const e = event({
      tags: [
        { key: "request_id", value: "req_1" },
        { key: "trace", value: "abc" },
        { key: "transaction", value: "GET /" },
      ],
    });
    expect(correlationTags(e)).toEqual({ requestIds: ["req_1"], traceIds: ["abc"] });
  });

  it("describes shares largest first", () => {
    expect(
      describeDistribution([
        { value: "a", count: 1 },
        { value: "b", count: 3 },
      ]),
    ).toBe("b 75%, a 25%");
  });

  it("keeps ISO timestamps verbatim and normalises others", () => {
    expect(isoTimestamp("2026-11-20T14:06:11Z")).toBe("2026-11-20T14:06:11Z");
    expect(isoTimestamp("2026-11-20 14:06:11+00:00")).toBe("2026-11-20T14:06:11.000Z");
  });
});

describe("handledOf", () => {
  const ex = (handled?: boolean) =>
    event({
      exception: {
        type: "E",
        value: "v",
        frames: [],
        ...(handled === undefined ? {} : { handled }),
      },
    });
  it("is false when the issue or the event says unhandled, true when what is known says handled", () => {
    expect(handledOf({ unhandled: true }, ex(true))).toBe(false);
    expect(handledOf({ unhandled: false }, ex(false))).toBe(false);
    expect(handledOf({ unhandled: false }, ex())).toBe(true);
    expect(handledOf({}, ex(true))).toBe(true);
    expect(handledOf({}, ex())).toBeUndefined();
    expect(handledOf({}, undefined)).toBeUndefined();
  });
});
