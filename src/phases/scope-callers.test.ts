import { describe, expect, it } from "vitest";
import type { SentryEventSummary, SentryReader } from "../../specialists/tools.ts";
import type { ServiceResolution } from "../domain/service-resolution.ts";
import { calleeMarks, callerCandidates, isCallFailure, readCallerViews } from "./scope-callers.ts";

function event(overrides: Partial<SentryEventSummary> = {}): SentryEventSummary {
  return {
    eventId: "e1",
    dateCreated: "2026-11-20T10:00:00Z",
    tags: [],
    exception: {
      type: "TimeoutError",
      value: "The operation was aborted due to timeout",
      frames: [{ filename: "src/server/handler.ts", function: "handle", inApp: true }],
    },
    ...overrides,
  };
}

describe("calleeMarks", () => {
  it("names the callee from a peer tag, an HTTP breadcrumb's host or a client frame of a failed call", () => {
    expect(
      calleeMarks(event({ tags: [{ key: "upstream", value: "claims-api" }] }), "claims-api"),
    ).toEqual(["tag upstream"]);
    expect(
      calleeMarks(
        event({ outboundCalls: [{ host: "claims-api.internal.example.com" }] }),
        "claims-api",
      ),
    ).toEqual(["HTTP breadcrumb"]);
    const frames = [
      { filename: "src/clients/claimsApiClient.ts", function: "submit", inApp: true },
    ];
    expect(
      calleeMarks(
        event({ exception: { type: "Error", value: "ECONNREFUSED 10.0.0.1:443", frames } }),
        "claims-api",
      ),
    ).toEqual(["in-app frame"]);
  });

  it("reads only the last HTTP call, or one answered with a 5xx, as the call that failed", () => {
    const earlierOk = event({
      outboundCalls: [
        { host: "claims-api.internal.example.com", status: 200 },
        { host: "ledger-api.internal.example.com" },
      ],
    });
    expect(calleeMarks(earlierOk, "claims-api")).toEqual([]);
    expect(calleeMarks(earlierOk, "ledger-api")).toEqual(["HTTP breadcrumb"]);
    const earlierFailed = event({
      outboundCalls: [
        { host: "claims-api.internal.example.com", status: 503 },
        { host: "ledger-api.internal.example.com", status: 200 },
      ],
    });
    expect(calleeMarks(earlierFailed, "claims-api")).toEqual(["HTTP breadcrumb"]);
  });

  it("counts as a failed call only a call's failure phrasing, not 'abort' or 502 anywhere", () => {
    const failed = (type: string, value: string) =>
      isCallFailure(event({ exception: { type, value, frames: [] } }));
    expect(failed("TimeoutError", "The operation was aborted due to timeout")).toBe(true);
    expect(failed("Error", "connect ECONNREFUSED 10.0.0.1:443")).toBe(true);
    expect(failed("Error", "socket hang up")).toBe(true);
    expect(failed("AxiosError", "Request failed with status code 502")).toBe(true);
    expect(failed("HTTPError", "HTTP Error 503: Service Unavailable")).toBe(true);
    expect(failed("AbortError", "The operation was aborted")).toBe(false);
    expect(failed("Error", "request aborted")).toBe(false);
    expect(failed("ValidationError", "order 50213 has 502 items")).toBe(false);
  });

  it("names nothing when the error is the caller's own code, or the event names another service", () => {
    const ownBug = event({
      tags: [{ key: "upstream", value: "claims-api" }],
      exception: { type: "TypeError", value: "Cannot read properties of undefined", frames: [] },
    });
    expect(isCallFailure(ownBug)).toBe(false);
    expect(calleeMarks(ownBug, "claims-api")).toEqual([]);
    const other = event({
      tags: [
        { key: "upstream", value: "billing-api" },
        // The reporting side's own names are not the peer.
        { key: "server_name", value: "claims-api" },
      ],
      outboundCalls: [
        { host: "billing-api.internal.example.com" },
        { host: "claims-api-cdn.example.com" },
      ],
    });
    expect(calleeMarks(other, "claims-api")).toEqual([]);
  });

  it("does not match a short service name inside frame names", () => {
    const frames = [{ filename: "src/apiClient.ts", function: "call", inApp: true }];
    expect(
      calleeMarks(event({ exception: { type: "TimeoutError", value: "", frames } }), "api"),
    ).toEqual([]);
  });
});

const mismatched: ServiceResolution = {
  service: "portal-web",
  decidedBy: "sentry_project",
  declared: false,
  sources: [
    { source: "sentry_project", value: "portal-web", service: "portal-web", detail: "issue 7" },
    { source: "linear_label", value: "service:claims-api", service: "claims-api", detail: "label" },
    { source: "ticket_text", value: "search-api", service: "search-api", detail: "text" },
  ],
  mismatch: { services: ["portal-web", "claims-api", "search-api"], votes: [], detail: "d" },
  policyScope: { service: "portal-web" },
  gaps: [],
};

describe("callerCandidates and readCallerViews", () => {
  const linked = [{ issueId: "7", project: "portal-web" }];
  const reader = (e: SentryEventSummary | Error) =>
    ({
      getEvent: async () => {
        if (e instanceof Error) throw e;
        return e;
      },
    }) as unknown as SentryReader;

  it("reads a linked issue against the services the ticket is filed under, never its text", () => {
    expect(callerCandidates(mismatched, linked, (p) => p)).toEqual([
      { issueId: "7", caller: "portal-web", callees: ["claims-api"] },
    ]);
    expect(callerCandidates({ ...mismatched, mismatch: undefined }, linked, (p) => p)).toEqual([]);
  });

  it("keeps an issue whose latest event names the filed service as its failed call's callee", async () => {
    const candidates = callerCandidates(mismatched, linked, (p) => p);
    const views = await readCallerViews(
      reader(event({ tags: [{ key: "peer.service", value: "claims-api" }] })),
      candidates,
    );
    expect(views).toEqual([
      expect.objectContaining({ issueId: "7", caller: "portal-web", callee: "claims-api" }),
    ]);
    expect(views[0]?.detail).toContain("tag peer.service");
  });

  it("keeps the exception's type and the kind of mark in the detail, never an event value", async () => {
    const candidates = callerCandidates(mismatched, linked, (p) => p);
    const [view] = await readCallerViews(
      reader(
        event({
          tags: [{ key: "peer.service", value: "claims-api" }],
          exception: {
            type: "TimeoutError",
            value: "timed out calling /v1/claims?email=someone@example.com",
            frames: [],
          },
        }),
      ),
      candidates,
    );
    expect(view?.detail).toBe(
      "portal-web's call to claims-api failing (TimeoutError; tag peer.service): the caller's view of claims-api",
    );
  });

  it("keeps none when the event does not name the callee or cannot be read", async () => {
    const candidates = callerCandidates(mismatched, linked, (p) => p);
    expect(await readCallerViews(reader(event()), candidates)).toEqual([]);
    expect(await readCallerViews(reader(new Error("503")), candidates)).toEqual([]);
    expect(await readCallerViews(undefined, candidates)).toEqual([]);
  });
});
