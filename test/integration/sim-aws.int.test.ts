import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import type { World } from "../../sim/server.ts";
import type { AwsDataInput } from "../../sim/services/aws-data.ts";
import { useInlineWorld } from "../setup/world.ts";

/**
 * The simulated AWS through the world's HTTP server, driven by the real v3 SDK clients
 * (STS over the query protocol, Logs over JSON 1.1, CloudWatch over JSON 1.0).
 */

const REGION = "eu-west-1";
const KEY_ID = "AKIASIMULATEDKEY0001";
const minute = (m: number) => `2025-06-01T12:${String(m).padStart(2, "0")}:00Z`;

const aws: AwsDataInput = {
  accountId: "210987654321",
  region: REGION,
  arn: "arn:aws:sts::210987654321:assumed-role/prode-readonly/prode",
  userId: "AROASIMULATED:prode",
  accessKeyIds: [KEY_ID],
  queryRunningPolls: 2,
  logGroups: [
    {
      name: "/ecs/api",
      events: [
        { timestamp: minute(1), message: '{"level":"error","status":500,"path":"/v1/onboarding"}' },
        { timestamp: minute(2), message: '{"level":"info","status":200,"path":"/v1/onboarding"}' },
        { timestamp: minute(7), message: '{"level":"error","status":500,"path":"/v1/onboarding"}' },
        { timestamp: minute(8), message: '{"level":"error","status":500,"path":"/v1/onboarding"}' },
      ],
    },
  ],
  metrics: [
    {
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_Target_5XX_Count",
      dimensions: [{ name: "LoadBalancer", value: "app/api/abc123" }],
      unit: "Count",
      datapoints: [
        { timestamp: minute(1), value: 2 },
        { timestamp: minute(3), value: 4 },
        { timestamp: minute(6), value: 40 },
        { timestamp: minute(9), value: 60 },
      ],
    },
    {
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: [{ name: "QueueName", value: "jobs" }],
      datapoints: [
        { timestamp: minute(1), value: 30 },
        { timestamp: minute(6), value: 900 },
      ],
    },
  ],
};

let world: World;
useInlineWorld(
  {
    name: "sim-aws-int",
    description: "AWS service integration test",
    integrations: { sentry: false, github: false, replica: false, vendorStatus: false },
    ticket: { identifier: "ENG-3", title: "Queue alarm", createdAt: "2025-06-01T12:10:00Z" },
    aws,
    expected: { outcome: "VENDOR_OR_INFRA", classification: "infra" },
  },
  (w) => {
    world = w;
  },
);

const clientConfig = (accessKeyId = KEY_ID) => ({
  endpoint: world.urls.aws,
  region: REGION,
  credentials: { accessKeyId, secretAccessKey: "sim-secret-not-a-credential" },
  maxAttempts: 1,
});
const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe("simulated AWS through the v3 SDK", () => {
  it("STS GetCallerIdentity returns the scenario's account", async () => {
    const sts = new STSClient(clientConfig());
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: "210987654321", Arn: aws.arn, UserId: aws.userId });
    expect(world.calls({ service: "aws" }).at(-1)?.method).toBe("sts.GetCallerIdentity");
  });

  it("STS refuses an unknown access key with InvalidClientTokenId", async () => {
    const sts = new STSClient(clientConfig("AKIAUNKNOWNKEY000000"));
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: "InvalidClientTokenId",
      $metadata: { httpStatusCode: 403 },
    });
  });

  it("refuses an unsigned request in the service's own error shape", async () => {
    const res = await fetch(world.urls.aws, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("<Code>MissingAuthenticationToken</Code>");
  });

  it("Logs Insights StartQuery runs, reports Running, then Complete with matching lines", async () => {
    const logs = new CloudWatchLogsClient(clientConfig());
    const { queryId } = await logs.send(
      new StartQueryCommand({
        logGroupName: "/ecs/api",
        startTime: at(minute(0)),
        endTime: at(minute(30)),
        queryString: "fields @timestamp, @message | filter status >= 500 | sort @timestamp desc",
      }),
    );
    const statuses: string[] = [];
    let result: GetQueryResultsCommandOutput;
    do {
      result = await logs.send(new GetQueryResultsCommand({ queryId }));
      statuses.push(result.status ?? "");
    } while (result.status === "Running" || result.status === "Scheduled");
    expect(statuses).toEqual(["Running", "Running", "Complete"]);
    expect(result.results).toHaveLength(3);
    expect(result.results?.[0]).toContainEqual({
      field: "@timestamp",
      value: "2025-06-01 12:08:00.000",
    });
    expect(result.statistics).toMatchObject({ recordsMatched: 3, recordsScanned: 4 });
  });

  it("Logs Insights counts errors by bin and rejects an unknown log group", async () => {
    const logs = new CloudWatchLogsClient(clientConfig());
    const { queryId } = await logs.send(
      new StartQueryCommand({
        logGroupNames: ["/ecs/api"],
        startTime: at(minute(0)),
        endTime: at(minute(30)),
        queryString: "filter level = 'error' | stats count(*) as errors by bin(5m)",
      }),
    );
    let result: GetQueryResultsCommandOutput;
    do result = await logs.send(new GetQueryResultsCommand({ queryId }));
    while (result.status === "Running");
    expect(result.results).toEqual([
      [
        { field: "bin(5m)", value: "2025-06-01 12:00:00.000" },
        { field: "errors", value: "1" },
      ],
      [
        { field: "bin(5m)", value: "2025-06-01 12:05:00.000" },
        { field: "errors", value: "2" },
      ],
    ]);
    await expect(
      logs.send(
        new StartQueryCommand({
          logGroupName: "/ecs/nope",
          startTime: 0,
          endTime: 1,
          queryString: "fields @message",
        }),
      ),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await expect(
      logs.send(
        new StartQueryCommand({
          logGroupName: "/ecs/api",
          startTime: 0,
          endTime: 1,
          queryString: "dedup @message",
        }),
      ),
    ).rejects.toMatchObject({ name: "MalformedQueryException" });
  });

  it("CloudWatch GetMetricData returns the series summed per period, newest first", async () => {
    const cloudwatch = new CloudWatchClient(clientConfig());
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(minute(0)),
        EndTime: new Date(minute(30)),
        MetricDataQueries: [
          {
            Id: "errors",
            MetricStat: {
              Metric: {
                Namespace: "AWS/ApplicationELB",
                MetricName: "HTTPCode_Target_5XX_Count",
                Dimensions: [{ Name: "LoadBalancer", Value: "app/api/abc123" }],
              },
              Period: 300,
              Stat: "Sum",
            },
          },
          {
            Id: "age",
            MetricStat: {
              Metric: {
                Namespace: "AWS/SQS",
                MetricName: "ApproximateAgeOfOldestMessage",
                Dimensions: [{ Name: "QueueName", Value: "jobs" }],
              },
              Period: 300,
              Stat: "Maximum",
            },
          },
        ],
      }),
    );
    const errors = out.MetricDataResults?.find((r) => r.Id === "errors");
    expect(errors?.Timestamps).toEqual([new Date(minute(5)), new Date(minute(0))]);
    expect(errors?.Values).toEqual([100, 6]);
    expect(errors?.StatusCode).toBe("Complete");
    expect(out.MetricDataResults?.find((r) => r.Id === "age")?.Values).toEqual([900, 30]);
    expect(world.calls({ service: "aws" }).at(-1)?.method).toBe("cloudwatch.GetMetricData");
  });

  it("CloudWatch maps a refused query to the SDK's InvalidParameterValueException", async () => {
    const cloudwatch = new CloudWatchClient(clientConfig());
    await expect(
      cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(minute(0)),
          EndTime: new Date(minute(30)),
          MetricDataQueries: [{ Id: "m", Expression: "SUM(METRICS())" }],
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterValueException" });
  });
});
