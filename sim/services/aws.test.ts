import { describe, expect, it } from "vitest";
import type { SimRequest } from "../types.ts";
import { createAwsInstance } from "./aws.ts";
import { awsDataSchema } from "./aws-data.ts";
import { getMetricData } from "./aws-metrics.ts";

const data = awsDataSchema.parse({
  accountId: "123456789012",
  region: "us-east-1",
  arn: "arn:aws:iam::123456789012:user/prode",
  userId: "AIDASIM",
  queryRunningPolls: 0,
  logGroups: [
    { name: "/ecs/api", events: [{ timestamp: "2025-06-01T12:00:00Z", message: "boom" }] },
  ],
  metrics: [
    {
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensions: [
        { name: "ClusterName", value: "prod" },
        { name: "ServiceName", value: "worker" },
      ],
      datapoints: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((v, i) => ({
        timestamp: `2025-06-01T12:0${i}:00Z`,
        value: v,
      })),
    },
  ],
});

function world() {
  return createAwsInstance(data, { now: () => new Date("2025-06-01T12:30:00Z"), baseUrl: "" });
}

function signed(scope: string, headers: Record<string, string>, body: string): SimRequest {
  return {
    method: "POST",
    path: "/",
    query: new URLSearchParams(),
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=AKIASIM/20250601/${scope}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"a".repeat(64)}`,
      "x-amz-date": "20250601T123000Z",
      ...headers,
    },
    rawBody: body,
    body: undefined,
  };
}

const logsTarget = (op: string) => ({
  "x-amz-target": `Logs_20140328.${op}`,
  "content-type": "application/x-amz-json-1.1",
});

describe("simulated AWS endpoint", () => {
  it("tells the services apart by target header or query action and names the operation", () => {
    const aws = world();
    const sts = signed("us-east-1/sts", {}, "Action=GetCallerIdentity&Version=2011-06-15");
    expect(aws.identify?.(sts)).toBe("sts.GetCallerIdentity");
    const res = aws.handle(sts) as { body: string; status: number };
    expect(res.status).toBe(200);
    expect(res.body).toContain("<Account>123456789012</Account>");
    const groups = aws.handle(signed("us-east-1/logs", logsTarget("DescribeLogGroups"), "{}")) as {
      body: { logGroups: { logGroupName: string }[] };
    };
    expect(groups.body.logGroups.map((g) => g.logGroupName)).toEqual(["/ecs/api"]);
    expect(aws.identify?.(signed("us-east-1/logs", {}, "{}"))).toBe("aws.unknown");
  });

  it("checks the SigV4 credential scope: region and signing name", () => {
    const aws = world();
    const wrongRegion = aws.handle(
      signed("eu-west-1/sts", {}, "Action=GetCallerIdentity&Version=2011-06-15"),
    ) as { body: string; status: number };
    expect(wrongRegion.status).toBe(403);
    expect(wrongRegion.body).toContain("<Code>SignatureDoesNotMatch</Code>");
    const wrongService = aws.handle(
      signed("us-east-1/monitoring", logsTarget("DescribeLogGroups"), "{}"),
    );
    expect(wrongService.body).toMatchObject({ __type: "SignatureDoesNotMatch" });
  });

  it("answers a Logs call without Authorization with MissingAuthenticationTokenException", () => {
    const req = signed("us-east-1/logs", logsTarget("StartQuery"), "{}");
    delete req.headers.authorization;
    const res = world().handle(req);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      __type: "MissingAuthenticationTokenException",
      message: "Missing Authentication Token",
    });
  });

  it("completes a query at once when no Running polls are configured; unknown ids are not found", () => {
    const aws = world();
    const start = aws.handle(
      signed(
        "us-east-1/logs",
        logsTarget("StartQuery"),
        JSON.stringify({
          logGroupName: "/ecs/api",
          startTime: 0,
          endTime: 2_000_000_000,
          queryString: "filter @message like /boom/",
        }),
      ),
    ) as { body: { queryId: string } };
    const results = aws.handle(
      signed(
        "us-east-1/logs",
        logsTarget("GetQueryResults"),
        JSON.stringify({ queryId: start.body.queryId }),
      ),
    );
    expect(results.body).toMatchObject({ status: "Complete", statistics: { recordsMatched: 1 } });
    const unknown = aws.handle(
      signed("us-east-1/logs", logsTarget("GetQueryResults"), JSON.stringify({ queryId: "nope" })),
    );
    expect(unknown.body).toMatchObject({ __type: "ResourceNotFoundException" });
  });

  it("matches metrics on the exact dimension set and reduces percentiles by nearest rank", () => {
    const query = (dimensions: { Name: string; Value: string }[], Stat: string) =>
      getMetricData(
        {
          StartTime: Date.parse("2025-06-01T12:00:00Z") / 1000,
          EndTime: Date.parse("2025-06-01T13:00:00Z") / 1000,
          MetricDataQueries: [
            {
              Id: "q",
              MetricStat: {
                Metric: {
                  Namespace: "ECS/ContainerInsights",
                  MetricName: "RunningTaskCount",
                  Dimensions: dimensions,
                },
                Period: 3600,
                Stat,
              },
            },
          ],
        },
        data.metrics,
      ).MetricDataResults[0]!.Values;
    const both = [
      { Name: "ServiceName", Value: "worker" },
      { Name: "ClusterName", Value: "prod" },
    ];
    expect(query(both, "p90")).toEqual([9]);
    expect(query(both, "Average")).toEqual([5.5]);
    expect(query(both, "SampleCount")).toEqual([10]);
    expect(query([{ Name: "ClusterName", Value: "prod" }], "Sum")).toEqual([]);
  });
});
