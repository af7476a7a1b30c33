import { describe, expect, it } from "vitest";
import type { SimRequest } from "../types.ts";
import { createAwsInstance } from "./aws.ts";
import { awsDataSchema } from "./aws-data.ts";

/** The world's CloudWatch ListMetrics and alarms, and AWS Health, through its endpoint. */

const point = (minute: number, value: number) => ({
  timestamp: `2025-06-01T12:${String(minute).padStart(2, "0")}:00Z`,
  value,
});

const data = awsDataSchema.parse({
  accountId: "123456789012",
  region: "eu-west-1",
  arn: "arn:aws:iam::123456789012:user/prode",
  userId: "AIDASIM",
  metrics: [
    {
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions: [{ name: "DBInstanceIdentifier", value: "orders-db" }],
      datapoints: [point(0, 10)],
    },
    {
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions: [
        { name: "TargetGroup", value: "targetgroup/orders/1" },
        { name: "LoadBalancer", value: "app/orders/2" },
        { name: "AvailabilityZone", value: "eu-west-1a" },
      ],
      datapoints: [point(0, 0)],
    },
    {
      namespace: "AWS/ApplicationELB",
      metricName: "UnHealthyHostCount",
      dimensions: [
        { name: "TargetGroup", value: "targetgroup/orders/1" },
        { name: "LoadBalancer", value: "app/orders/2" },
      ],
      datapoints: [],
    },
  ],
  alarms: [
    {
      name: "orders-db-connections",
      namespace: "AWS/RDS",
      metricName: "DatabaseConnections",
      dimensions: [{ name: "DBInstanceIdentifier", value: "orders-db" }],
      statistic: "Maximum",
      threshold: 90,
      state: "ALARM",
      stateReason: "Threshold Crossed",
      stateUpdatedAt: "2025-06-01T12:10:00Z",
      history: [
        { timestamp: "2025-06-01T11:00:00Z", oldState: "INSUFFICIENT_DATA", newState: "OK" },
        {
          timestamp: "2025-06-01T12:10:00Z",
          oldState: "OK",
          newState: "ALARM",
          reason: "Threshold Crossed",
        },
      ],
    },
    {
      name: "orders-5xx",
      namespace: "AWS/ApplicationELB",
      metricName: "HTTPCode_Target_5XX_Count",
      threshold: 5,
      stateUpdatedAt: "2025-06-01T09:00:00Z",
    },
  ],
  health: {
    events: [
      {
        service: "EC2",
        eventTypeCode: "AWS_EC2_OPERATIONAL_ISSUE",
        availabilityZone: "eu-west-1a",
        startTime: "2025-06-01T12:05:00Z",
      },
      {
        service: "RDS",
        eventTypeCode: "AWS_RDS_OPERATIONAL_ISSUE",
        region: "us-east-2",
        startTime: "2025-05-30T08:00:00Z",
        endTime: "2025-05-30T09:00:00Z",
        statusCode: "closed",
      },
    ],
  },
});

const world = (d = data) =>
  createAwsInstance(d, { now: () => new Date("2025-06-01T12:30:00Z"), baseUrl: "" });

function call(
  aws: ReturnType<typeof world>,
  scope: string,
  target: string,
  body: unknown,
): { status: number; body: Record<string, unknown> } {
  const req: SimRequest = {
    method: "POST",
    path: "/",
    query: new URLSearchParams(),
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=AKIASIM/20250601/${scope}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"a".repeat(64)}`,
      "x-amz-date": "20250601T123000Z",
      "x-amz-target": target,
    },
    rawBody: JSON.stringify(body),
    body: undefined,
  };
  return aws.handle(req) as { status: number; body: Record<string, unknown> };
}

const cw = (op: string, body: unknown, aws = world()) =>
  call(aws, "eu-west-1/monitoring", `GraniteServiceVersion20100801.${op}`, body);
const health = (body: unknown, aws = world(), region = "us-east-1") =>
  call(aws, `${region}/health`, "AWSHealth_20160804.DescribeEvents", body);

describe("simulated CloudWatch ListMetrics", () => {
  it("filters by namespace, name and dimensions, a filter without a value matching any value", () => {
    const all = cw("ListMetrics", {}).body.Metrics as unknown[];
    expect(all).toHaveLength(3);
    const perZone = cw("ListMetrics", {
      Namespace: "AWS/ApplicationELB",
      MetricName: "UnHealthyHostCount",
      Dimensions: [{ Name: "LoadBalancer", Value: "app/orders/2" }, { Name: "AvailabilityZone" }],
    }).body;
    expect(perZone).toEqual({
      Metrics: [
        {
          Namespace: "AWS/ApplicationELB",
          MetricName: "UnHealthyHostCount",
          Dimensions: [
            { Name: "TargetGroup", Value: "targetgroup/orders/1" },
            { Name: "LoadBalancer", Value: "app/orders/2" },
            { Name: "AvailabilityZone", Value: "eu-west-1a" },
          ],
        },
      ],
    });
    expect(cw("ListMetrics", { Namespace: "AWS/Lambda" }).body).toEqual({ Metrics: [] });
  });

  it("keeps only metrics with recent datapoints when RecentlyActive is PT3H", () => {
    const recent = cw("ListMetrics", { RecentlyActive: "PT3H" }).body.Metrics as unknown[];
    expect(recent).toHaveLength(2);
    const bad = cw("ListMetrics", { RecentlyActive: "PT1H" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      __type: "com.amazonaws.cloudwatch#InvalidParameterValueException",
    });
  });
});

describe("simulated CloudWatch alarms", () => {
  it("describes alarms filtered by state, with their metric, threshold and state time", () => {
    const res = cw("DescribeAlarms", { StateValue: "ALARM" });
    expect(res.status).toBe(200);
    const alarms = res.body.MetricAlarms as Record<string, unknown>[];
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({
      AlarmName: "orders-db-connections",
      AlarmArn: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:orders-db-connections",
      StateValue: "ALARM",
      Namespace: "AWS/RDS",
      MetricName: "DatabaseConnections",
      Statistic: "Maximum",
      Dimensions: [{ Name: "DBInstanceIdentifier", Value: "orders-db" }],
      Threshold: 90,
      ComparisonOperator: "GreaterThanThreshold",
      StateUpdatedTimestamp: Date.parse("2025-06-01T12:10:00Z") / 1000,
    });
    expect(res.body.CompositeAlarms).toEqual([]);
    const byPrefix = cw("DescribeAlarms", { AlarmNamePrefix: "orders-5" }).body;
    expect((byPrefix.MetricAlarms as { StateValue: string }[])[0]!.StateValue).toBe("OK");
    expect(cw("DescribeAlarms", { StateValue: "RED" }).status).toBe(400);
  });

  it("pages alarms by MaxRecords and NextToken", () => {
    const first = cw("DescribeAlarms", { MaxRecords: 1 }).body;
    expect(first.NextToken).toBeTypeOf("string");
    const second = cw("DescribeAlarms", { MaxRecords: 1, NextToken: first.NextToken }).body;
    expect(second.NextToken).toBeUndefined();
    const names = [first, second].flatMap((p) =>
      (p.MetricAlarms as { AlarmName: string }[]).map((a) => a.AlarmName),
    );
    expect(names.sort()).toEqual(["orders-5xx", "orders-db-connections"]);
  });

  it("answers an alarm's state changes newest first, within the dates", () => {
    const all = cw("DescribeAlarmHistory", {
      AlarmName: "orders-db-connections",
      HistoryItemType: "StateUpdate",
    }).body.AlarmHistoryItems as Record<string, unknown>[];
    expect(all.map((h) => h.HistorySummary)).toEqual([
      "Alarm updated from OK to ALARM",
      "Alarm updated from INSUFFICIENT_DATA to OK",
    ]);
    expect(all[0]).toMatchObject({
      AlarmName: "orders-db-connections",
      AlarmType: "MetricAlarm",
      HistoryItemType: "StateUpdate",
      Timestamp: Date.parse("2025-06-01T12:10:00Z") / 1000,
    });
    expect(JSON.parse(all[0]!.HistoryData as string)).toMatchObject({
      newState: { stateValue: "ALARM", stateReason: "Threshold Crossed" },
    });
    const recent = cw("DescribeAlarmHistory", {
      StartDate: Date.parse("2025-06-01T12:00:00Z") / 1000,
      EndDate: Date.parse("2025-06-01T12:30:00Z") / 1000,
    }).body.AlarmHistoryItems as unknown[];
    expect(recent).toHaveLength(1);
    expect(
      cw("DescribeAlarmHistory", { HistoryItemType: "Action" }).body.AlarmHistoryItems,
    ).toEqual([]);
  });
});

describe("simulated AWS Health", () => {
  it("describes events filtered by region, status and time, signed for us-east-1 or the world's region", () => {
    const res = health({ filter: { regions: ["eu-west-1"], eventStatusCodes: ["open"] } });
    expect(res.status).toBe(200);
    expect(res.body.events).toEqual([
      expect.objectContaining({
        service: "EC2",
        eventTypeCode: "AWS_EC2_OPERATIONAL_ISSUE",
        eventTypeCategory: "issue",
        region: "eu-west-1",
        availabilityZone: "eu-west-1a",
        statusCode: "open",
        startTime: Date.parse("2025-06-01T12:05:00Z") / 1000,
      }),
    ]);
    const sameRegion = health({}, world(), "eu-west-1").body.events as unknown[];
    expect(sameRegion).toHaveLength(2);
    const since = health({
      filter: { startTimes: [{ from: Date.parse("2025-06-01T00:00:00Z") / 1000 }] },
    }).body.events as { service: string }[];
    expect(since.map((e) => e.service)).toEqual(["EC2"]);
    expect(health({}, world(), "ap-south-1").status).toBe(403);
  });

  it("refuses accounts without a support plan, as Health does", () => {
    const unsubscribed = awsDataSchema.parse({ ...data, health: { subscribed: false } });
    const res = health({}, world(unsubscribed));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ __type: "SubscriptionRequiredException" });
  });

  it("leaves scenarios without alarms or Health valid: both default to empty", () => {
    const bare = awsDataSchema.parse({
      accountId: "123456789012",
      region: "eu-west-1",
      arn: "arn:aws:iam::123456789012:user/prode",
      userId: "AIDASIM",
    });
    expect(bare.alarms).toEqual([]);
    expect(bare.health).toEqual({ subscribed: true, events: [] });
    expect(cw("DescribeAlarms", {}, world(bare)).body.MetricAlarms).toEqual([]);
  });
});
