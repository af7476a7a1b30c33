import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld, type World } from "../../sim/server.ts";
import { type AwsDataInput, awsDataSchema } from "../../sim/services/aws-data.ts";
import aws from "../../specialists/aws/index.ts";
import { createCloudWatchReader } from "../../src/adapters/aws/cloudwatch.ts";
import type { SignalOf } from "../../src/domain/signals.ts";
import {
  normalizeSpecialistOutput,
  type SpecialistOutput,
} from "../../src/domain/specialist-output.ts";
import { scenarioTicket, specialistInput } from "../setup/scenario-ticket.ts";

/**
 * The aws specialist's generic reads against a world built here, through the real SDK:
 * a service whose load balancer, database, cache and queue CloudWatch lists under its
 * name (no catalog names them, bar the database's max_connections), next to another
 * service's database that must not be read; an alarm in ALARM with its history; an AWS
 * Health issue in one zone. Every number is this test's own.
 */

const NOW = Date.parse("2026-03-10T12:00:00Z");
const SERVICE = "orders-api";
const LB = "app/orders-api-prod/0a1b2c3d4e5f6071";
const TG = "targetgroup/orders-api-tg/8899aabbccddeeff";
const ZONE_A = "eu-west-1a";
const ZONE_B = "eu-west-1b";

/** One datapoint a minute for the last three hours, the value chosen by minutes before now. */
function minutes(value: (ago: number) => number) {
  const points = [];
  for (let ago = 180; ago >= 1; ago--) {
    points.push({ timestamp: new Date(NOW - ago * 60_000).toISOString(), value: value(ago) });
  }
  return points;
}
/** A step at `at` minutes before now, with a small alternating wobble. */
const step = (before: number, after: number, at: number, wobble = 0) =>
  minutes((ago) => (ago > at ? before : after) + (ago % 2 ? wobble : -wobble));

const metric = (
  namespace: string,
  metricName: string,
  dims: Record<string, string>,
  datapoints: { timestamp: string; value: number }[],
) => ({
  namespace,
  metricName,
  dimensions: Object.entries(dims).map(([name, value]) => ({ name, value })),
  datapoints,
});

/** The metrics of one resource: its namespace and dimensions fixed. */
const metricsOf =
  (namespace: string, dims: Record<string, string>) =>
  (metricName: string, datapoints: { timestamp: string; value: number }[]) =>
    metric(namespace, metricName, dims, datapoints);
const db = metricsOf("AWS/RDS", { DBInstanceIdentifier: "orders-api-db" });
const cache = metricsOf("AWS/ElastiCache", { CacheClusterId: "orders-api-cache" });
const queue = metricsOf("AWS/SQS", { QueueName: "orders-api-events" });

const at = (ago: number) => new Date(NOW - ago * 60_000).toISOString();

const awsWorld: AwsDataInput = {
  accountId: "210987654321",
  region: "eu-west-1",
  arn: "arn:aws:sts::210987654321:assumed-role/prode-readonly/prode",
  userId: "AROAEXAMPLE:prode",
  logGroups: [
    {
      name: `/ecs/${SERVICE}`,
      events: [
        {
          timestamp: at(20),
          message:
            '{"level":"error","status":503,"method":"GET","path":"/v2/orders","req_id":"req_aa11bb22cc33"}',
        },
      ],
    },
  ],
  metrics: [
    metric("AWS/ApplicationELB", "RequestCount", { LoadBalancer: LB }, step(600, 610, 40, 8)),
    // 5xx only while failing: no datapoint for a quiet minute, as ALBs publish them.
    metric(
      "AWS/ApplicationELB",
      "HTTPCode_Target_5XX_Count",
      { LoadBalancer: LB },
      step(0, 42, 40).filter((p) => p.value > 0),
    ),
    metric(
      "AWS/ApplicationELB",
      "HTTPCode_Target_5XX_Count",
      { LoadBalancer: LB, AvailabilityZone: ZONE_A },
      step(0, 42, 40).filter((p) => p.value > 0),
    ),
    metric(
      "AWS/ApplicationELB",
      "HTTPCode_Target_5XX_Count",
      { LoadBalancer: LB, AvailabilityZone: ZONE_B },
      [{ timestamp: at(150), value: 1 }],
    ),
    metric(
      "AWS/ApplicationELB",
      "TargetResponseTime",
      { LoadBalancer: LB },
      step(0.18, 2.4, 40, 0.02),
    ),
    metric(
      "AWS/ApplicationELB",
      "UnHealthyHostCount",
      { TargetGroup: TG, LoadBalancer: LB, AvailabilityZone: ZONE_A },
      step(0, 3, 40),
    ),
    metric(
      "AWS/ApplicationELB",
      "UnHealthyHostCount",
      { TargetGroup: TG, LoadBalancer: LB, AvailabilityZone: ZONE_B },
      step(0, 0, 40),
    ),
    db("DatabaseConnections", step(40, 97, 45, 1)),
    db("CPUUtilization", step(35, 36, 45, 2)),
    // Another service's database, rising too: not ours, never read.
    metric(
      "AWS/RDS",
      "DatabaseConnections",
      { DBInstanceIdentifier: "billing-db" },
      step(10, 90, 45),
    ),
    cache("CPUUtilization", step(20, 22, 30, 1)),
    cache(
      "Evictions",
      step(0, 120, 30).filter((p) => p.value > 0),
    ),
    queue("ApproximateNumberOfMessagesVisible", step(5, 60, 50, 2)),
    queue("ApproximateAgeOfOldestMessage", step(4, 200, 50, 1)),
    queue("NumberOfMessagesReceived", step(100, 400, 50, 5)),
    queue("NumberOfMessagesDeleted", step(100, 60, 50, 5)),
    metric(
      "AWS/SQS",
      "ApproximateNumberOfMessagesVisible",
      { QueueName: "orders-api-events-dlq" },
      minutes((ago) => (ago > 50 ? 0 : (50 - ago) * 2)),
    ),
  ],
  alarms: [
    {
      name: "orders-api-5xx-high",
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_Target_5XX_Count",
      dimensions: [{ name: "LoadBalancer", value: LB }],
      statistic: "Sum",
      threshold: 10,
      state: "ALARM",
      stateReason: "Threshold Crossed",
      stateUpdatedAt: at(37),
      history: [
        { timestamp: at(37), oldState: "OK", newState: "ALARM", reason: "Threshold Crossed" },
        { timestamp: at(600), oldState: "INSUFFICIENT_DATA", newState: "OK" },
      ],
    },
    {
      name: "billing-db-connections",
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions: [{ name: "DBInstanceIdentifier", value: "billing-db" }],
      threshold: 80,
      state: "ALARM",
      stateUpdatedAt: at(44),
    },
  ],
  health: {
    events: [
      {
        service: "EC2",
        eventTypeCode: "AWS_EC2_OPERATIONAL_ISSUE",
        availabilityZone: ZONE_A,
        startTime: at(42),
      },
    ],
  },
};

let world: World;

beforeAll(async () => {
  const base = await findScenario("backend-500-pr");
  world = await startWorld({
    scenario: {
      ...base,
      now: new Date(NOW).toISOString(),
      service: SERVICE,
      aws: awsDataSchema.parse(awsWorld),
      faults: [],
    },
  });
});

afterAll(async () => {
  await world.close();
});

function cloudwatch() {
  return createCloudWatchReader({
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIASIMULATEDPRODE02", secretAccessKey: "sim-secret" },
    endpoint: world.urls.aws,
    pollIntervalMs: 10,
  });
}

function signals<K extends SpecialistOutput["signals"][number]["kind"]>(
  out: SpecialistOutput,
  kind: K,
) {
  return out.signals.filter((s): s is SignalOf<K> => s.kind === kind);
}

async function runOnce(): Promise<SpecialistOutput> {
  world.clearCalls();
  const input = specialistInput(world.scenario, { cloudwatch: cloudwatch() });
  const ticket = {
    ...scenarioTicket(world.scenario),
    service: SERVICE,
    awsResources: { databases: [{ identifier: "orders-api-db", maxConnections: 100 }] },
  };
  return normalizeSpecialistOutput(await aws.run({ ...input, ticket }));
}

describe("aws specialist: generic reads in a world of its own", () => {
  let out: SpecialistOutput;
  beforeAll(async () => {
    out = await runOnce();
  });

  it("returns with every read answered", () => {
    expect(out.status).toBe("returned");
    expect(out.gaps.filter((g) => g.confidenceImpact > 0)).toEqual([]);
  });

  it("finds the service's resources through ListMetrics and never reads another service's", () => {
    const refs = out.sources.map((s) => s.ref);
    expect(refs).toEqual(
      expect.arrayContaining([
        `cloudwatch_metric:AWS/RDS/DatabaseConnections/DBInstanceIdentifier=orders-api-db`,
        `cloudwatch_metric:AWS/ElastiCache/Evictions/CacheClusterId=orders-api-cache`,
        `cloudwatch_metric:AWS/SQS/NumberOfMessagesReceived/QueueName=orders-api-events`,
      ]),
    );
    expect(refs.filter((r) => r.includes("billing-db"))).toEqual([]);
    const reads = world.calls({ service: "aws" }).map((c) => c.method);
    const allowed =
      /^(cloudwatch\.(GetMetricData|ListMetrics|Describe\w+)|logs\.(StartQuery|GetQueryResults|StopQuery|DescribeLogGroups)|health\.DescribeEvents)$/;
    expect(reads.filter((m) => !allowed.test(m))).toEqual([]);
  });

  it("dates the 5xx rise at its onset, forty minutes back, and keeps the classic error_rate_rise", () => {
    const [rise] = signals(out, "error_rate_rise");
    expect(rise).toMatchObject({ service: SERVICE });
    expect(rise!.windowMinutes).toBeGreaterThanOrEqual(38);
    const fiveXx = signals(out, "series_change").find(
      (s) => s.measure === "errors_5xx" && s.scope?.resource === LB && !s.scope.zones,
    );
    expect(fiveXx).toMatchObject({ direction: "rise", windowEnd: new Date(NOW).toISOString() });
    expect(Math.abs(Date.parse(fiveXx!.onset!) - Date.parse(at(40)))).toBeLessThanOrEqual(60_000);
    expect(fiveXx!.windowStart).toBe(fiveXx!.onset);
  });

  it("reads the load balancer per zone: errors and unhealthy hosts in one zone, none in the other", () => {
    const zonal = signals(out, "series_change").filter((s) => s.scope?.zones?.length);
    const rising = zonal
      .filter((s) => s.direction === "rise")
      .map((s) => `${s.measure}@${s.scope!.zones![0]}`);
    expect(rising.sort()).toEqual([`errors_5xx@${ZONE_A}`, `unhealthy_hosts@${ZONE_A}`]);
    expect(
      zonal.filter((s) => s.scope!.zones![0] === ZONE_B).every((s) => s.direction === "flat"),
    ).toBe(true);
    const [scope] = signals(out, "impact_scope");
    expect(scope).toMatchObject({ services: [SERVICE], zones: [ZONE_A], routes: "one" });
  });

  it("reads latency, database connections against max_connections, and cache evictions", () => {
    const measures = signals(out, "series_change")
      .filter((s) => s.direction === "rise")
      .map((s) => s.measure);
    expect(measures).toEqual(expect.arrayContaining(["latency_p99", "connections", "evictions"]));
    const saturated = signals(out, "dependency_saturation").map((s) => [
      s.dependency,
      s.measure,
      s.limit,
    ]);
    expect(saturated).toEqual(
      expect.arrayContaining([
        ["database", "connections", 100],
        ["cache", "evictions", undefined],
      ]),
    );
    const cpu = signals(out, "series_change").find(
      (s) => s.measure === "cpu" && s.scope?.resource === "orders-api-db",
    );
    expect(cpu?.direction).toBe("flat");
  });

  it("calls receives far beyond deletes with a growing dead-letter queue a poison message", () => {
    expect(signals(out, "poison_message")).toEqual([
      expect.objectContaining({ queue: "orders-api-events", dlqDepth: 98 }),
    ]);
    expect(signals(out, "poison_message")[0]!.repeatedReceives).toBeGreaterThan(10_000);
    const dlq = signals(out, "series_change").find((s) => s.measure === "dlq_depth");
    expect(dlq).toMatchObject({ direction: "rise", scope: { resource: "orders-api-events-dlq" } });
  });

  it("reports the service's alarm with its history, and only counts the other service's", () => {
    const facts = out.findings.map((f) => f.fact);
    expect(facts.some((f) => f.startsWith("alarm orders-api-5xx-high is in ALARM"))).toBe(true);
    expect(facts.some((f) => f.includes("orders-api-5xx-high: 2 state change(s)"))).toBe(true);
    expect(facts.some((f) => f.includes("billing-db-connections"))).toBe(false);
    expect(facts).toContain(
      `1 other alarm(s) in ALARM in the account, on resources not found for ${SERVICE}`,
    );
  });

  it("reads AWS Health: an EC2 issue in the zone the symptom is in overlaps us", () => {
    expect(signals(out, "provider_incident")).toEqual([
      expect.objectContaining({
        provider: "aws",
        region: "eu-west-1",
        zones: [ZONE_A],
        component: "EC2",
        status: "investigating",
        overlapsUs: true,
      }),
    ]);
  });

  it("records Health as a gap when the account has no support plan, and keeps the rest", async () => {
    const health = (world.state.aws as { data: { health: { subscribed: boolean } } }).data.health;
    health.subscribed = false;
    try {
      const again = await runOnce();
      expect(again.status).toBe("returned");
      expect(again.gaps).toContainEqual({
        what: expect.stringContaining("AWS Health events unavailable"),
        confidenceImpact: 3,
      });
      expect(signals(again, "provider_incident")).toEqual([]);
      expect(signals(again, "poison_message")).toHaveLength(1);
    } finally {
      health.subscribed = true;
    }
  });
});
