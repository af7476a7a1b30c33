import { afterEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import release from "../../specialists/release/index.ts";
import sentry from "../../specialists/sentry/index.ts";
import { classify } from "../../src/domain/classifier.ts";
import { toClassifierInput } from "../../src/domain/classifier-input.ts";
import { ErrorCode } from "../../src/domain/errors.ts";
import {
  normalizeSpecialistOutput,
  type SpecialistOutput,
} from "../../src/domain/specialist-output.ts";
import { abortNoise, backend500, toolMap } from "../setup/classifier-fixtures.ts";
import {
  attachmentTicket,
  runSpecialistIn,
  simTools,
  worldSpecialistInput,
} from "../setup/scenario-ticket.ts";

/**
 * The release specialist against the simulated world through the real adapters: deploy
 * correlation with the Sentry issue's first-seen time and the commit that touched the
 * culprit file, the deploy_absent negative control, and gaps (never inventions) when
 * Sentry or GitHub fail.
 */

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const kinds = (o: SpecialistOutput) => o.signals.map((s) => s.kind).sort();
const fixtureKinds = (outputs: SpecialistOutput[]) =>
  outputs
    .filter((o) => o.specialistId === "release")
    .flatMap((o) => o.signals.map((s) => s.kind))
    .sort();
const facts = (o: SpecialistOutput) => o.findings.map((f) => f.fact).join("\n");

describe("release specialist in the simulated world", () => {
  it("backend-500-pr: the deploy 4 minutes before first-seen, and the commit that changed the culprit file", async () => {
    world = await startWorld({ scenario: "backend-500-pr" });
    const out = await runSpecialistIn(world, release);
    expect(out.status).toBe("returned");
    expect(kinds(out)).toEqual(fixtureKinds(backend500().specialists));
    expect(out.signals).toEqual([
      expect.objectContaining({
        kind: "release_correlation",
        sourceRef: "github_deploy:90017",
        release: "onboarding-api@v2026.11.20-3",
        service: "onboarding-api",
        deployedAt: "2026-11-20T14:02:14Z",
        firstSeenAfterDeployMinutes: 4,
        // The compared range changed the culprit frame's file.
        diffTouchesStack: true,
      }),
    ]);
    const culpritCommit = "github_commit:249e44cf83d0ce742707a40dbfffcbda89e05623";
    expect(out.sources.map((s) => s.ref)).toEqual(
      expect.arrayContaining(["github_deploy:90017", culpritCommit, "sentry_issue:4502117730"]),
    );
    const attribution = out.findings.find(
      (f) => f.sourceRef === culpritCommit && f.fact.includes("src/onboarding/complete.ts"),
    );
    expect(attribution?.fact).toContain("in the exception's stack");
    expect(out.nextPivot).toContain("249e44c");
    expect(JSON.stringify(out)).not.toContain("@example.com");
    const writes = world
      .calls()
      .filter((c) => c.service === "github" || c.service === "sentry")
      .filter((c) => !c.method.startsWith("GET "));
    expect(writes).toEqual([]);
  });

  it("abort-noise: no deploy in the window anchored to the onset (proximity before it, its uncertainty after) is the deploy_absent control", async () => {
    world = await startWorld({ scenario: "abort-noise" });
    const out = await runSpecialistIn(world, release);
    expect(kinds(out)).toEqual(fixtureKinds(abortNoise().specialists));
    expect(out.signals).toEqual([
      {
        kind: "deploy_absent",
        sourceRef: "github_deploy:production",
        service: "mobile-bff",
        // The aborts' burst dated from Sentry's hourly stats (07:00 ± 30 min): the
        // 90-minute deploy proximity plus that uncertainty before it, the uncertainty after.
        windowStart: "2026-11-20T05:00:00.000Z",
        windowEnd: "2026-11-20T07:30:00.000Z",
        windowHours: 2.5,
      },
    ]);
    expect(facts(out)).toContain("began 2026-11-18T16:41:48Z, 38.8h before");
  });

  it("an alert-filed ticket bounds the onset: queue-alarm-infra gets deploy_absent too", async () => {
    world = await startWorld({ scenario: "queue-alarm-infra" });
    const ticket = attachmentTicket(world, { awsRefs: ["notifications-email-queue-age-high"] });
    const out = await runSpecialistIn(world, release, { ticket });
    expect(out.signals).toMatchObject([{ kind: "deploy_absent", windowHours: 24 }]);
  });

  it("without Sentry it records the gap and invents no correlation", async () => {
    world = await startWorld({ scenario: "backend-500-pr" });
    const out = await runSpecialistIn(world, release, {
      tools: simTools(world, { sentry: false }),
    });
    expect(out.status).toBe("returned");
    expect(out.signals).toEqual([]);
    expect(out.gaps.map((g) => g.what).join("\n")).toMatch(/Sentry is not available/);
    expect(out.gaps.map((g) => g.what).join("\n")).toMatch(/onset is unknown/);
    expect(facts(out)).toContain("deploy 90017 of v2026.11.20-3");
  });

  it("sentry-fails-midrun: correlates on GitHub's times and says Sentry's are missing", async () => {
    world = await startWorld({ scenario: "sentry-fails-midrun" });
    const out = await runSpecialistIn(world, release);
    expect(out.status).toBe("returned");
    expect(out.signals).toMatchObject([
      {
        kind: "release_correlation",
        release: "v2026.11.20-3",
        // The deployment's success status (GitHub), as Sentry's deploy record is missing.
        deployedAt: "2026-11-20T14:02:14Z",
        firstSeenAfterDeployMinutes: 4,
      },
    ]);
    expect(facts(out)).toContain("finished 2026-11-20T14:02:14Z (GitHub deployment status)");
    expect(out.gaps.length).toBe(2);
    expect(out.gaps.every((g) => g.what.startsWith("Sentry "))).toBe(true);
    expect(out.confidence).toBeLessThan(85);
  });

  it("stops at the deadline and returns timed_out with what it had read", async () => {
    world = await startWorld({ scenario: "backend-500-pr" });
    world.injectFault({ service: "github", kind: "latency", latencyMs: 2_000 });
    const controller = new AbortController();
    const started = Date.now();
    const timer = setTimeout(() => controller.abort(), 300);
    const out = normalizeSpecialistOutput(
      await release.run(
        worldSpecialistInput(world, release, {
          signal: controller.signal,
          deadline: new Date(Date.now() + 300),
        }),
      ),
    );
    clearTimeout(timer);
    expect(out.status).toBe("timed_out");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(out.sources.map((s) => s.ref)).toContain("sentry_issue:4502117730");
    expect(out.signals).toEqual([]);
  });

  it("fails with GitHub's error code when the deployments cannot be read", async () => {
    world = await startWorld({ scenario: "abort-noise" });
    world.injectFault({ service: "github", kind: "error", status: 502 });
    const out = await runSpecialistIn(world, release);
    expect(out).toMatchObject({
      status: "failed",
      error: { code: ErrorCode.UpstreamUnavailable, retryable: true },
    });
    expect(out.signals).toEqual([]);
  });
});

describe("sentry and release specialists feed the classifier", () => {
  /** The aws and db evidence of the fixture, as if read now (those specialists are elsewhere). */
  function otherEvidence(now: string): SpecialistOutput[] {
    return backend500()
      .specialists.filter((o) => o.specialistId === "aws" || o.specialistId === "db")
      .map((o) => ({
        ...o,
        sources: o.sources.map((s) => ({ ...s, fetchedAt: now })),
        findings: o.findings.map((f) => ({ ...f, observedAt: now })),
      }));
  }

  async function classifyWorld(scenario: string) {
    world = await startWorld({ scenario });
    const w = world;
    // In parallel, as WAIT_FOR_EVIDENCE runs them.
    const [sentryOut, releaseOut] = await Promise.all([
      runSpecialistIn(w, sentry),
      runSpecialistIn(w, release),
    ]);
    const ticket = attachmentTicket(w);
    const now = w.now();
    return classify(
      toClassifierInput({
        linear: ticket.snapshot,
        toolMap: toolMap(
          ["sentry", "release", "aws", "db"].map((id) => ({
            specialistId: id,
            required: id !== "db",
            reason: "scenario route",
          })),
        ),
        specialists: [sentryOut, releaseOut, ...otherEvidence(now.toISOString())],
      }),
      { now },
    );
  }

  it("backend-500-pr reads as a code defect above the 70% floor", async () => {
    const result = await classifyWorld("backend-500-pr");
    expect(result.class).toBe("code_defect");
    expect(result.confidence).toBeGreaterThanOrEqual(70);
    expect(result.rulesFired.map((r) => r.ruleId)).toEqual(
      expect.arrayContaining([
        "code.5xx_rise_after_release",
        "code.new_exception_one_path",
        "code.exception_after_deploy",
      ]),
    );
  });

  it("sentry-fails-midrun stays below the floor because Sentry's gaps are stated", async () => {
    const result = await classifyWorld("sentry-fails-midrun");
    expect(result.confidence).toBeLessThan(70);
    expect(result.gaps.some((g) => /Sentry|sentry/.test(g.what))).toBe(true);
  });
});
