import { describe, expect, it } from "vitest";
import type { World } from "../../sim/server.ts";
import type { AwsDataInput } from "../../sim/services/aws-data.ts";
import { createCloudWatchReader } from "../../src/adapters/aws/cloudwatch.ts";
import { probeAws } from "../../src/adapters/aws/sts.ts";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { useInlineWorld } from "../setup/world.ts";

/**
 * The CloudWatch reader and the STS probe with the real v3 SDK against the simulated
 * AWS: Logs Insights polling, the query deadline (and StopQuery), per-field truncation
 * and redaction, metric series order, error conversion, and the inventory's identity check.
 */

const REGION = "eu-west-1";
const ACCOUNT = "210987654321";
const KEY = { accessKeyId: "AKIASIMULATEDKEY0001", secretAccessKey: "sim-secret-not-a-credential" };
const at = (m: number) => `2025-06-01T12:${String(m).padStart(2, "0")}:00Z`;

const aws: AwsDataInput = {
  accountId: ACCOUNT,
  region: REGION,
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/prode-readonly/prode`,
  userId: "AROASIMULATED:prode",
  accessKeyIds: [KEY.accessKeyId],
  queryRunningPolls: 2,
  logGroups: [
    {
      name: "/ecs/api",
      events: [
        {
          timestamp: at(5),
          message: JSON.stringify({
            level: "error",
            status: 500,
            user: "jane.doe@example.com",
            auth: "Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c3JfbTQ0MiJ9.c2ltLW1vYmlsZS1zaWc",
            req_id: "req_01JD9Q4M8X2V7K3N5P6R8T0W1Y",
            detail: "x".repeat(300),
          }),
        },
        { timestamp: at(6), message: '{"level":"info","status":200}' },
      ],
    },
  ],
  metrics: [
    {
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: [{ name: "QueueName", value: "jobs" }],
      datapoints: [
        { timestamp: at(1), value: 30 },
        { timestamp: at(2), value: 90 },
        { timestamp: at(3), value: 150 },
      ],
    },
    {
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions: [
        { name: "TargetGroup", value: "targetgroup/api/1" },
        { name: "LoadBalancer", value: "app/api/2" },
        { name: "AvailabilityZone", value: "eu-west-1b" },
      ],
      datapoints: [{ timestamp: at(1), value: 1 }],
    },
  ],
  alarms: [
    {
      name: "jobs-age",
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: [{ name: "QueueName", value: "jobs" }],
      statistic: "Maximum",
      threshold: 120,
      state: "ALARM",
      stateReason: "Threshold Crossed",
      stateUpdatedAt: at(3),
      history: [
        { timestamp: at(3), oldState: "OK", newState: "ALARM", reason: "Threshold Crossed" },
        { timestamp: at(0), oldState: "INSUFFICIENT_DATA", newState: "OK" },
      ],
    },
  ],
  health: {
    events: [
      {
        service: "ELASTICLOADBALANCING",
        eventTypeCode: "AWS_ELASTICLOADBALANCING_API_ISSUE",
        availabilityZone: "eu-west-1b",
        startTime: at(2),
      },
      {
        service: "EC2",
        eventTypeCode: "AWS_EC2_OPERATIONAL_ISSUE",
        region: "us-west-2",
        startTime: at(2),
      },
    ],
  },
};

let world: World;
useInlineWorld(
  {
    name: "adapter-aws-int",
    description: "CloudWatch reader and STS probe",
    integrations: { sentry: false, github: false, replica: false, vendorStatus: false },
    ticket: { identifier: "ENG-5", title: "errors", createdAt: "2025-06-01T12:10:00Z" },
    aws,
    expected: { outcome: "VENDOR_OR_INFRA", classification: "infra" },
  },
  (w) => {
    world = w;
  },
  { resetAfterEach: true },
);

const reader = (options: Partial<Parameters<typeof createCloudWatchReader>[0]> = {}) =>
  createCloudWatchReader({
    region: REGION,
    credentials: KEY,
    endpoint: world.urls.aws,
    pollIntervalMs: 10,
    ...options,
  });

const window = { start: new Date(at(0)), end: new Date(at(30)) };

describe("createCloudWatchReader", () => {
  it("polls a Logs Insights query to completion and returns redacted, truncated rows", async () => {
    const rows = await reader({ maxFieldChars: 120 }).queryLogs({
      logGroupNames: ["/ecs/api"],
      query: "fields @timestamp, @message, req_id, user | filter status >= 500",
      ...window,
      limit: 10,
    });
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(Object.keys(row).sort()).toEqual(["@message", "@timestamp", "req_id", "user"]);
    expect(row.req_id).toBe("req_01JD9Q4M8X2V7K3N5P6R8T0W1Y");
    expect(row.user).toBe("[REDACTED:email]");
    expect(row["@message"]).not.toContain("jane.doe@example.com");
    expect(row["@message"]).not.toContain("eyJhbGciOiJFUzI1NiJ9");
    expect(row["@message"]).toMatch(/…\[\d+ chars truncated\]$/);
    const polls = world.calls({ service: "aws", method: "logs.GetQueryResults" });
    expect(polls.map((c) => (c.response as { status: string }).status)).toEqual([
      "Running",
      "Running",
      "Complete",
    ]);
  });

  it("stops a query that outlives its deadline and reports a retryable timeout", async () => {
    const error = await reader({ queryDeadlineMs: 1, pollIntervalMs: 50 })
      .queryLogs({ logGroupNames: ["/ecs/api"], query: "fields @message", ...window, limit: 10 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: ErrorCode.Timeout, retryable: true });
    expect(world.calls({ service: "aws", method: "logs.StopQuery" })).toHaveLength(1);
  });

  it("returns a metric series oldest first with ISO timestamps", async () => {
    const series = await reader().getMetricSeries({
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: "jobs" },
      stat: "Maximum",
      periodSeconds: 60,
      ...window,
    });
    expect(series.timestamps).toEqual([
      "2025-06-01T12:01:00.000Z",
      "2025-06-01T12:02:00.000Z",
      "2025-06-01T12:03:00.000Z",
    ]);
    expect(series.values).toEqual([30, 90, 150]);
  });

  it("converts provider errors once: unknown group (NotFound), throttling, outage", async () => {
    const logs = () =>
      reader().queryLogs({
        logGroupNames: ["/ecs/nope"],
        query: "fields @message",
        ...window,
        limit: 5,
      });
    await expect(logs()).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      retryable: false,
    });

    const metric = () =>
      reader().getMetricSeries({
        namespace: "AWS/SQS",
        metricName: "ApproximateAgeOfOldestMessage",
        dimensions: { QueueName: "jobs" },
        stat: "Maximum",
        periodSeconds: 60,
        ...window,
      });
    world.injectFault({
      service: "aws",
      method: "cloudwatch.GetMetricData",
      kind: "rate_limit",
      count: 1,
    });
    await expect(metric()).rejects.toMatchObject({
      code: ErrorCode.UpstreamRateLimited,
      retryable: true,
    });
    world.injectFault({
      service: "aws",
      method: "cloudwatch.GetMetricData",
      kind: "error",
      status: 503,
      count: 1,
    });
    await expect(metric()).rejects.toMatchObject({
      code: ErrorCode.UpstreamUnavailable,
      retryable: true,
    });
    // One attempt each: retries belong to the runner, not the SDK.
    expect(world.calls({ service: "aws", method: "cloudwatch.GetMetricData" })).toHaveLength(2);
  });

  it("gives up on a request the provider never answers, well before the SDK default", async () => {
    world.injectFault({
      service: "aws",
      method: "cloudwatch.GetMetricData",
      kind: "timeout",
      count: 1,
    });
    const started = Date.now();
    const error = await reader({ requestTimeoutMs: 300 })
      .getMetricSeries({
        namespace: "AWS/SQS",
        metricName: "ApproximateAgeOfOldestMessage",
        dimensions: { QueueName: "jobs" },
        stat: "Maximum",
        periodSeconds: 60,
        ...window,
      })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error).toMatchObject({ code: ErrorCode.Timeout, retryable: true });
  });
});

describe("createCloudWatchReader: what exists", () => {
  it("lists metrics by namespace, name and dimension filters", async () => {
    const all = await reader().listMetrics({});
    expect(all).toHaveLength(2);
    const zonal = await reader().listMetrics({
      namespace: "AWS/ApplicationELB",
      dimensions: [{ name: "LoadBalancer", value: "app/api/2" }, { name: "AvailabilityZone" }],
    });
    expect(zonal).toEqual([
      {
        namespace: "AWS/ApplicationELB",
        metricName: "UnHealthyHostCount",
        dimensions: {
          TargetGroup: "targetgroup/api/1",
          LoadBalancer: "app/api/2",
          AvailabilityZone: "eu-west-1b",
        },
      },
    ]);
  });

  it("describes alarms in ALARM and an alarm's state changes, newest first", async () => {
    const [alarm] = await reader().describeAlarms({ state: "ALARM" });
    expect(alarm).toEqual({
      name: "jobs-age",
      state: "ALARM",
      stateReason: "Threshold Crossed",
      stateUpdatedAt: new Date(at(3)).toISOString(),
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: "jobs" },
      statistic: "Maximum",
      threshold: 120,
      comparisonOperator: "GreaterThanThreshold",
      periodSeconds: 60,
      evaluationPeriods: 1,
    });
    expect(await reader().describeAlarms({ state: "OK" })).toEqual([]);
    const history = await reader().describeAlarmHistory({ alarmName: "jobs-age", ...window });
    expect(history.map((h) => [h.from, h.to, h.at])).toEqual([
      ["OK", "ALARM", new Date(at(3)).toISOString()],
      ["INSUFFICIENT_DATA", "OK", new Date(at(0)).toISOString()],
    ]);
  });

  it("lists log groups by a substring of their name", async () => {
    expect(await reader().listLogGroups("api")).toEqual(["/ecs/api"]);
    expect(await reader().listLogGroups("worker")).toEqual([]);
  });

  it("reads AWS Health events of its own region only, signed for Health's global endpoint", async () => {
    const events = await reader().describeHealthEvents(window);
    expect(events).toEqual([
      {
        service: "ELASTICLOADBALANCING",
        eventTypeCode: "AWS_ELASTICLOADBALANCING_API_ISSUE",
        category: "issue",
        region: REGION,
        availabilityZone: "eu-west-1b",
        startTime: new Date(at(2)).toISOString(),
        status: "open",
      },
    ]);
    const health = world
      .calls({ service: "aws" })
      .filter((c) => c.method === "health.DescribeEvents");
    expect(health.length).toBeGreaterThan(0);
  });

  it("converts a missing support plan into a non-retryable rejection", async () => {
    (world.state.aws as { data: { health: { subscribed: boolean } } }).data.health.subscribed =
      false;
    const error = await reader()
      .describeHealthEvents(window)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: ErrorCode.UpstreamRejected, retryable: false });
  });
});

describe("probeAws", () => {
  const base = { region: REGION, credentials: KEY };

  it("reports the caller's account and ARN", async () => {
    const probe = await probeAws({ ...base, endpoint: world.urls.aws, expectedAccountId: ACCOUNT });
    expect(probe).toEqual({ ok: true, account: ACCOUNT, arn: aws.arn, region: REGION });
    expect(world.calls({ service: "aws", method: "sts.GetCallerIdentity" })).toHaveLength(1);
  });

  it("refuses credentials of another account", async () => {
    const probe = await probeAws({
      ...base,
      endpoint: world.urls.aws,
      expectedAccountId: "123456789012",
    });
    expect(probe).toMatchObject({ ok: false, code: ErrorCode.ConfigInvalid });
    expect(probe.ok ? "" : probe.reason).toContain(
      `belong to account ${ACCOUNT}, not the configured 123456789012`,
    );
  });

  it("reports credentials refused for the configured region", async () => {
    const probe = await probeAws({ ...base, region: "us-east-2", endpoint: world.urls.aws });
    expect(probe).toMatchObject({ ok: false, code: ErrorCode.Unauthorized, retryable: false });
    expect(probe.ok ? "" : probe.reason).toContain("refused for region us-east-2");
  });

  it("reports an unknown key and a malformed region without guessing", async () => {
    const unknown = await probeAws({
      ...base,
      credentials: { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x" },
      endpoint: world.urls.aws,
    });
    expect(unknown).toMatchObject({ ok: false, code: ErrorCode.Unauthorized });
    const before = world.calls({ service: "aws", method: "sts.GetCallerIdentity" }).length;
    const malformed = await probeAws({ ...base, region: "Frankfurt", endpoint: world.urls.aws });
    expect(malformed).toMatchObject({ ok: false, code: ErrorCode.ConfigInvalid });
    expect(world.calls({ service: "aws", method: "sts.GetCallerIdentity" })).toHaveLength(before);
  });
});
