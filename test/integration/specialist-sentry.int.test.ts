import { afterEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import sentry from "../../specialists/sentry/index.ts";
import { ErrorCode } from "../../src/domain/errors.ts";
import type { SpecialistOutput } from "../../src/domain/specialist-output.ts";
import { abortNoise, backend500 } from "../setup/classifier-fixtures.ts";
import { runSpecialistIn, simTools } from "../setup/scenario-ticket.ts";

/**
 * The sentry specialist against the simulated world, through the real adapter: the
 * signals the classifier expects for the reference scenarios, nothing sensitive in the
 * output, Sentry read-only, and a failing Sentry as an output rather than a crash.
 */

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function runSentry(
  scenario: string,
  opts: { signal?: AbortSignal; before?: (w: World) => void } = {},
): Promise<SpecialistOutput> {
  world = await startWorld({ scenario });
  opts.before?.(world);
  return runSpecialistIn(world, sentry, {
    tools: simTools(world, { github: false }),
    signal: opts.signal,
  });
}

const kinds = (o: SpecialistOutput) => o.signals.map((s) => s.kind).sort();
const fixtureKinds = (outputs: SpecialistOutput[]) =>
  outputs
    .filter((o) => o.specialistId === "sentry")
    .flatMap((o) => o.signals.map((s) => s.kind))
    .sort();

describe("sentry specialist in the simulated world", () => {
  it("backend-500-pr: a new exception on one path, first seen after the deploy, with its sources", async () => {
    const out = await runSentry("backend-500-pr");
    expect(out.status).toBe("returned");
    // The fixture predates traffic_origin: the failing requests' origin is new evidence.
    expect(kinds(out)).toEqual([...fixtureKinds(backend500().specialists), "traffic_origin"]);
    expect(out.signals).toEqual([
      expect.objectContaining({ kind: "traffic_origin", origin: "users" }),
      expect.objectContaining({
        kind: "new_exception",
        sourceRef: "sentry_issue:4502117730",
        issueId: "4502117730",
        path: "POST /v1/onboarding/complete",
        firstSeen: "2026-11-20T14:06:11Z",
        culprit: "completeOnboarding(src/onboarding/complete.ts)",
        events: 312,
      }),
    ]);
    expect(out.sources.map((s) => s.ref)).toEqual(
      expect.arrayContaining([
        "sentry_issue:4502117730",
        "sentry_event:65eca93c4205830a530f3e4e628ece43",
        "sentry_release:onboarding-api@v2026.11.20-3",
      ]),
    );
    expect(out.correlationIds).toEqual(
      expect.arrayContaining([
        { kind: "sentry_event_id", value: "65eca93c4205830a530f3e4e628ece43" },
        { kind: "request_id", value: "req_01JD9Q4M8X2V7K3N5P6R8T0W1Y" },
      ]),
    );
    expect(out.gaps).toEqual([]);
    expect(out.nextPivot).toBeDefined();
  });

  it("keeps headers, cookies, bodies and user data out of its output, and only reads Sentry", async () => {
    const out = await runSentry("backend-500-pr");
    const text = JSON.stringify(out);
    for (const leak of [
      "acme_session",
      "Bearer ",
      "@example.com",
      "203.0.113.24",
      "acct_n131",
      "teamSize",
    ]) {
      expect(text).not.toContain(leak);
    }
    const calls = world!.calls({ service: "sentry" });
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.method.startsWith("GET "))).toBe(true);
  });

  it("abort-noise: client aborts with their statuses and path, not a new exception", async () => {
    const out = await runSentry("abort-noise");
    expect(out.status).toBe("returned");
    expect(kinds(out)).toEqual(fixtureKinds(abortNoise().specialists));
    expect(out.signals).toEqual([
      {
        kind: "client_aborts",
        sourceRef: "sentry_issue:4501766120",
        count: 48203,
        statusCodes: [400],
        path: "GET /v1/feed",
      },
    ]);
    expect(out.findings.map((f) => f.fact).join("\n")).toContain("client.app_version 7.42.0 91%");
  });

  it("sentry-fails-midrun: the issue is read, every later read fails, and the gaps say so", async () => {
    const out = await runSentry("sentry-fails-midrun");
    expect(out.status).toBe("returned");
    expect(out.gaps.length).toBeGreaterThanOrEqual(2);
    expect(out.gaps.every((g) => /Sentry/.test(g.what) && g.confidenceImpact > 0)).toBe(true);
    expect(out.confidence).toBeLessThanOrEqual(85 - 20);
    // What was read is still reported, from the issue alone.
    expect(out.signals).toMatchObject([
      { kind: "new_exception", path: "POST /v1/onboarding/complete", issueId: "4502117730" },
    ]);
    const statuses = world!.calls({ service: "sentry" }).map((c) => c.status);
    expect(statuses[0]).toBe(200);
    expect(statuses.slice(1).every((s) => s === 500)).toBe(true);
  });

  it("fails with the error's code when Sentry fails from the first call", async () => {
    const out = await runSentry("backend-500-pr", {
      before: (w) => w.injectFault({ service: "sentry", kind: "error", status: 503 }),
    });
    expect(out.status).toBe("failed");
    expect(out).toMatchObject({ error: { code: ErrorCode.UpstreamUnavailable, retryable: true } });
    expect(out.signals).toEqual([]);
  });

  it("stops at the deadline and returns timed_out with what it had", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const out = await runSentry("backend-500-pr", {
      signal: controller.signal,
      before: (w) => {
        w.injectFault({ service: "sentry", kind: "latency", latencyMs: 2_000, after: 1 });
        setTimeout(() => controller.abort(), 300);
      },
    });
    expect(out.status).toBe("timed_out");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(out.sources.map((s) => s.ref)).toEqual(["sentry_issue:4502117730"]);
    expect(out.signals).toEqual([]);
  });
});
