import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import aws, { createAwsSpecialist } from "../../specialists/aws/index.ts";
import type { RoutingHints } from "../../specialists/types.ts";
import { createCloudWatchReader } from "../../src/adapters/aws/cloudwatch.ts";
import { classify } from "../../src/domain/classifier.ts";
import type { SignalOf } from "../../src/domain/signals.ts";
import {
  normalizeSpecialistOutput,
  type SpecialistOutput,
} from "../../src/domain/specialist-output.ts";
import {
  abortNoise,
  backend500,
  input as classifierInput,
  type Scenario as FixtureScenario,
  queueAlarm,
} from "../setup/classifier-fixtures.ts";
import { specialistInput } from "../setup/scenario-ticket.ts";

/**
 * The aws specialist against the simulated world of each reference scenario, through
 * the real CloudWatch reader and SDK: the signals the classifier expects
 * (src/domain/classifier-fixtures.ts) come out of the world's metrics and logs, and
 * nothing but reads reaches AWS.
 */

const worlds = new Map<string, World>();
const SCENARIOS = ["queue-alarm-infra", "backend-500-pr", "abort-noise"] as const;

beforeAll(async () => {
  for (const name of SCENARIOS) worlds.set(name, await startWorld({ scenario: name }));
});

afterEach(() => {
  for (const world of worlds.values()) world.clearFaults();
});

afterAll(async () => {
  await Promise.all([...worlds.values()].map((w) => w.close()));
});

function world(name: (typeof SCENARIOS)[number]): World {
  return worlds.get(name)!;
}

function cloudwatch(w: World) {
  return createCloudWatchReader({
    region: w.scenario.aws!.region,
    credentials: { accessKeyId: "AKIASIMULATEDPRODE01", secretAccessKey: "sim-secret" },
    endpoint: w.urls.aws,
    pollIntervalMs: 10,
  });
}

function signal<K extends SpecialistOutput["signals"][number]["kind"]>(
  out: SpecialistOutput,
  kind: K,
) {
  return out.signals.filter((s): s is SignalOf<K> => s.kind === kind);
}

const READ_ONLY_OPERATIONS = new Set([
  "cloudwatch.GetMetricData",
  "cloudwatch.ListMetrics",
  "cloudwatch.DescribeAlarms",
  "cloudwatch.DescribeAlarmHistory",
  "logs.DescribeLogGroups",
  "health.DescribeEvents",
  "logs.StartQuery",
  "logs.GetQueryResults",
  "logs.StopQuery",
]);

describe("aws specialist in the reference worlds", () => {
  it("queue-alarm-infra: the queue is saturated and 2 of 8 tasks run, and ECS says why", async () => {
    const w = world("queue-alarm-infra");
    w.clearCalls();
    const input = specialistInput(w.scenario, { cloudwatch: cloudwatch(w) });
    expect(aws.appliesTo(input.ticket, [], input.hints)).toMatchObject({
      applies: true,
      required: true,
    });
    const out = normalizeSpecialistOutput(await aws.run(input));

    expect(out.status).toBe("returned");
    const [queue] = signal(out, "queue_saturation");
    expect(queue).toMatchObject({
      queue: "notifications-email",
      threshold: 900,
      sourceRef:
        "cloudwatch_metric:AWS/SQS/ApproximateAgeOfOldestMessage/QueueName=notifications-email",
    });
    expect(queue!.ageSeconds).toBeGreaterThan(queue!.threshold);
    expect(signal(out, "task_health")).toEqual([
      {
        kind: "task_health",
        sourceRef:
          "cloudwatch_metric:ECS/ContainerInsights/RunningTaskCount/ClusterName=prod-workers,ServiceName=notifications-worker",
        service: "notifications-worker",
        healthy: 2,
        desired: 8,
      },
    ]);
    expect(signal(out, "error_rate_rise")).toEqual([]);
    const facts = out.findings.map((f) => f.fact);
    expect(facts).toContain(
      "ECS could not place tasks 3 times in the last hour (insufficient memory)",
    );
    expect(facts).toContain("scaling activity changed desired capacity from 4 to 2 at 01:50");
    expect(out.gaps.reduce((sum, g) => sum + g.confidenceImpact, 0)).toBe(0);
    // prode reads; it never changes anything in AWS.
    const operations = new Set(w.calls({ service: "aws" }).map((c) => c.method));
    expect([...operations].filter((op) => !READ_ONLY_OPERATIONS.has(op))).toEqual([]);
  });

  it("backend-500-pr: the 5xx rate rose on the failing route, with the failing request ids", async () => {
    const w = world("backend-500-pr");
    const out = normalizeSpecialistOutput(
      await aws.run(specialistInput(w.scenario, { cloudwatch: cloudwatch(w) })),
    );
    expect(out.status).toBe("returned");
    const [rise] = signal(out, "error_rate_rise");
    expect(rise).toMatchObject({ service: "onboarding-api", path: "POST /v1/onboarding/complete" });
    // Anchored to the 5xx series' change point, about half an hour before the world's now.
    expect(rise!.windowMinutes).toBeGreaterThanOrEqual(25);
    expect(rise!.windowMinutes).toBeLessThanOrEqual(35);
    expect(rise!.from).toBeLessThan(1);
    expect(rise!.to).toBeGreaterThan(10);
    expect(signal(out, "no_5xx_rise")).toEqual([]);
    expect(out.correlationIds).toEqual(
      expect.arrayContaining([
        { kind: "request_id", value: "req_01JD9Q4M8X2V7K3N5P6R8T0W1Y" },
        { kind: "request_id", value: "req_01JD9Q7C2B4D6F8H0J2K4M6N8P" },
      ]),
    );
    expect(out.sources.map((s) => s.ref)).toContain("cloudwatch_logs:/ecs/onboarding-api");
  });

  it("abort-noise: the 5xx rate of the feed service did not rise", async () => {
    const w = world("abort-noise");
    const out = normalizeSpecialistOutput(
      await aws.run(specialistInput(w.scenario, { cloudwatch: cloudwatch(w) })),
    );
    expect(out.status).toBe("returned");
    expect(out.signals.filter((s) => s.kind !== "series_change")).toEqual([
      {
        kind: "no_5xx_rise",
        sourceRef:
          "cloudwatch_metric:AWS/ApplicationELB/HTTPCode_Target_5XX_Count/LoadBalancer=app/mobile-bff-prod/5a7c9e1b3d5f7a9c",
        service: "mobile-bff",
        windowMinutes: 60,
      },
    ]);
  });

  it("reads the load balancer a wiki recipe names when no catalog knows the service", async () => {
    const w = world("backend-500-pr");
    const bare = createAwsSpecialist({ services: {} });
    const hints: RoutingHints = {
      pages: ["onboarding"],
      recipes: [
        {
          pageId: "onboarding",
          specialist: "aws",
          name: "onboarding 5xx",
          body: "HTTPCode_Target_5XX_Count, LoadBalancer = app/onboarding-api-prod/7f3c2a1b9d8e6f40",
        },
      ],
      negativeControls: [],
    };
    const out = normalizeSpecialistOutput(
      await bare.run(specialistInput(w.scenario, { cloudwatch: cloudwatch(w) }, { hints })),
    );
    expect(signal(out, "error_rate_rise")).toHaveLength(1);
  });

  it("keeps what it could read when CloudWatch throttles, and records the rest as gaps", async () => {
    const w = world("queue-alarm-infra");
    w.injectFault({ service: "aws", method: "cloudwatch.GetMetricData", kind: "rate_limit" });
    const out = normalizeSpecialistOutput(
      await aws.run(specialistInput(w.scenario, { cloudwatch: cloudwatch(w) })),
    );
    expect(out.status).toBe("returned");
    expect(out.signals).toEqual([]);
    expect(out.gaps.map((g) => g.what)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          "age of queue notifications-email unavailable (upstream_rate_limited)",
        ),
        expect.stringContaining(
          "task health of prod-workers/notifications-worker unavailable (upstream_rate_limited)",
        ),
      ]),
    );
    expect(out.findings.map((f) => f.fact)).toContain(
      "no error lines in /ecs/notifications-worker in the last 60 min",
    );
  });

  it("fails with a retryable error when all of AWS is down", async () => {
    const w = world("queue-alarm-infra");
    w.injectFault({ service: "aws", kind: "error", status: 503 });
    const out = normalizeSpecialistOutput(
      await aws.run(specialistInput(w.scenario, { cloudwatch: cloudwatch(w) })),
    );
    expect(out).toMatchObject({
      status: "failed",
      error: { code: "upstream_unavailable", retryable: true },
    });
  });

  it("returns timed_out at its deadline, keeping the metrics it already read", async () => {
    const w = world("backend-500-pr");
    w.injectFault({ service: "aws", method: "logs.*", kind: "latency", latencyMs: 2_000 });
    const started = Date.now();
    const out = normalizeSpecialistOutput(
      await aws.run(
        specialistInput(
          w.scenario,
          { cloudwatch: cloudwatch(w) },
          { deadline: new Date(Date.now() + 700) },
        ),
      ),
    );
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(out.status).toBe("timed_out");
    expect(out.findings.some((f) => f.fact.includes("target 5xx"))).toBe(true);
  });
});

/** The fixture's scenario with its aws output replaced by the real one. */
function withRealAws(fixture: FixtureScenario, real: SpecialistOutput): FixtureScenario {
  return {
    ...fixture,
    specialists: [...fixture.specialists.filter((o) => o.specialistId !== "aws"), real],
  };
}

describe("what the classifier makes of the real aws evidence", () => {
  // The other specialists' outputs are the classifier's fixtures, fetched on another
  // clock: freshness is not what these tests are about.
  const options = (w: World) => ({ now: w.now(), maxEvidenceAgeMinutes: 10_000_000 });

  it.each([
    ["queue-alarm-infra", queueAlarm, "infra"],
    ["backend-500-pr", backend500, "code_defect"],
    ["abort-noise", abortNoise, "noise"],
  ] as const)("%s classifies as %s above the 70 floor", async (name, fixture, expected) => {
    const w = world(name);
    const real = normalizeSpecialistOutput(
      await aws.run(specialistInput(w.scenario, { cloudwatch: cloudwatch(w) })),
    );
    const result = classify(classifierInput(withRealAws(fixture(), real)), options(w));
    expect(result.class).toBe(expected);
    expect(result.confidence).toBeGreaterThanOrEqual(70);
  });
});
