import { describe, expect, it } from "vitest";
import type { MetricAlarm, MetricDescriptor, ProviderHealthEvent } from "../tools.ts";
import { kindSpec } from "./measures.ts";
import { alarmResource, overlapsUs, pairDeadLetters, planReads, relevantAlarms } from "./reads.ts";
import {
  deadLetterFor,
  isDeadLetterName,
  matchDiscovered,
  mergeResources,
  type Resource,
} from "./resources.ts";
import { namesService } from "./targets.ts";

const d = (
  namespace: string,
  metricName: string,
  dims: Record<string, string>,
): MetricDescriptor => ({
  namespace,
  metricName,
  dimensions: dims,
});

describe("namesService", () => {
  it("matches the service's name between non-alphanumeric boundaries, case-insensitively", () => {
    expect(namesService("app/ledger-api-prod/0f0f", "ledger-api")).toBe(true);
    expect(namesService("targetgroup/Ledger-API-tg/1", "ledger-api")).toBe(true);
    expect(namesService("ledger-apis", "ledger-api")).toBe(false);
    expect(namesService("xledger-api", "ledger-api")).toBe(false);
    expect(namesService("anything", undefined)).toBe(false);
  });

  it("matches a name shorter than three characters only whole", () => {
    expect(namesService("db", "db")).toBe(true);
    expect(namesService("app/db-prod/1", "db")).toBe(false);
  });
});

describe("matchDiscovered", () => {
  const alb = kindSpec("alb");
  it("keeps resources one of whose dimension values names the service or a declared name", () => {
    const listed = [
      d("AWS/ApplicationELB", "RequestCount", { LoadBalancer: "app/ledger-api-prod/1" }),
      d("AWS/ApplicationELB", "RequestCount", {
        TargetGroup: "targetgroup/ledger-api-tg/2",
        LoadBalancer: "app/shared-edge/3",
      }),
      d("AWS/ApplicationELB", "RequestCount", { LoadBalancer: "app/other-svc/4" }),
      d("AWS/ApplicationELB", "RequestCount", { LoadBalancer: "app/named-in-catalog/5" }),
      d("AWS/RDS", "RequestCount", { LoadBalancer: "app/ledger-api-other-ns/6" }),
    ];
    const found = matchDiscovered(alb, listed, "ledger-api", new Set(["app/named-in-catalog/5"]));
    expect(found.map((r) => r.id)).toEqual([
      "app/ledger-api-prod/1",
      "app/shared-edge/3",
      "app/named-in-catalog/5",
    ]);
    expect(found[1]).toEqual({
      kind: "alb",
      id: "app/shared-edge/3",
      dims: { LoadBalancer: "app/shared-edge/3" },
      origin: "discovered",
    });
  });

  it("identifies an ECS service by its cluster and name", () => {
    const ecs = kindSpec("ecs");
    const found = matchDiscovered(
      ecs,
      [
        d("ECS/ContainerInsights", "RunningTaskCount", {
          ClusterName: "c1",
          ServiceName: "ledger-api",
        }),
      ],
      "ledger-api",
      new Set(),
    );
    expect(found).toEqual([
      expect.objectContaining({
        id: "c1/ledger-api",
        dims: { ClusterName: "c1", ServiceName: "ledger-api" },
      }),
    ]);
  });
});

describe("dead-letter queues", () => {
  it("finds a queue's DLQ by the usual names, FIFO suffix kept", () => {
    expect(deadLetterFor("jobs", ["jobs", "jobs-dlq", "other-dlq"])).toBe("jobs-dlq");
    expect(deadLetterFor("jobs.fifo", ["jobs_deadletter.fifo"])).toBe("jobs_deadletter.fifo");
    expect(deadLetterFor("jobs", ["jobs-retry"])).toBeUndefined();
    expect(isDeadLetterName("jobs-dlq")).toBe(true);
    expect(isDeadLetterName("jobs-dead-letter.fifo")).toBe(true);
    expect(isDeadLetterName("dlqueue-reader")).toBe(false);
  });

  it("pairs a queue with its DLQ and stops reading a discovered DLQ as a queue of its own", () => {
    const q = (id: string, origin: Resource["origin"] = "discovered"): Resource => ({
      kind: "queue",
      id,
      dims: { QueueName: id },
      origin,
    });
    const out = pairDeadLetters([q("ledger-api-jobs", "declared"), q("ledger-api-jobs-dlq")], []);
    expect(out).toEqual([
      expect.objectContaining({ id: "ledger-api-jobs", deadLetterQueue: "ledger-api-jobs-dlq" }),
    ]);
  });
});

describe("mergeResources", () => {
  it("keeps one entry per resource, declared first with its limits, at most three per kind", () => {
    const db = (id: string, origin: Resource["origin"], max?: number): Resource => ({
      kind: "rds",
      id,
      dims: { DBInstanceIdentifier: id },
      origin,
      ...(max ? { maxConnections: max } : {}),
    });
    const merged = mergeResources(
      [db("a", "declared")],
      [
        db("a", "discovered", 200),
        db("b", "discovered"),
        db("c", "discovered"),
        db("d", "discovered"),
      ],
    );
    expect(merged.map((r) => `${r.id}:${r.origin}:${r.maxConnections ?? "-"}`)).toEqual([
      "a:declared:200",
      "b:discovered:-",
      "c:discovered:-",
    ]);
  });
});

describe("planReads", () => {
  const lb: Resource = {
    kind: "alb",
    id: "app/x/1",
    dims: { LoadBalancer: "app/x/1" },
    origin: "declared",
  };

  it("reads what exists: resource-level series, per-zone ones, unhealthy hosts only per zone", () => {
    const listed = [
      d("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", { LoadBalancer: "app/x/1" }),
      d("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", {
        LoadBalancer: "app/x/1",
        AvailabilityZone: "z1",
      }),
      d("AWS/ApplicationELB", "RequestCount", { LoadBalancer: "app/x/1" }),
      d("AWS/ApplicationELB", "UnHealthyHostCount", { TargetGroup: "tg", LoadBalancer: "app/x/1" }),
      d("AWS/ApplicationELB", "UnHealthyHostCount", {
        TargetGroup: "tg",
        LoadBalancer: "app/x/1",
        AvailabilityZone: "z2",
      }),
    ];
    const plans = planReads(lb, listed).map(
      (p) => `${p.spec.metricName}${p.zone ? `@${p.zone}` : ""}`,
    );
    expect(plans).toEqual([
      "HTTPCode_Target_5XX_Count",
      "HTTPCode_Target_5XX_Count@z1",
      "RequestCount",
      "UnHealthyHostCount@z2",
    ]);
  });

  it("reads a metric per node when it has no resource-level series (ElastiCache)", () => {
    const cache: Resource = {
      kind: "cache",
      id: "c-001",
      dims: { CacheClusterId: "c-001" },
      origin: "declared",
    };
    const plans = planReads(cache, [
      d("AWS/ElastiCache", "CacheMisses", { CacheClusterId: "c-001", CacheNodeId: "0001" }),
      d("AWS/ElastiCache", "CPUUtilization", { CacheClusterId: "c-001" }),
      d("AWS/ElastiCache", "CPUUtilization", { CacheClusterId: "c-001", CacheNodeId: "0001" }),
    ]);
    expect(plans.map((p) => [p.spec.metricName, p.dims])).toEqual([
      ["CPUUtilization", { CacheClusterId: "c-001" }],
      ["CacheMisses", { CacheClusterId: "c-001", CacheNodeId: "0001" }],
    ]);
  });

  it("reads every resource-level series when the inventory is unavailable", () => {
    expect(planReads(lb, undefined).map((p) => p.spec.metricName)).toEqual([
      "HTTPCode_Target_5XX_Count",
      "HTTPCode_Target_4XX_Count",
      "HTTPCode_ELB_5XX_Count",
      "TargetResponseTime",
      "RequestCount",
    ]);
  });

  it("adds an ECS restart counter when Container Insights publishes one", () => {
    const ecs: Resource = {
      kind: "ecs",
      id: "c/s",
      dims: { ClusterName: "c", ServiceName: "s" },
      origin: "discovered",
    };
    const plans = planReads(ecs, [
      d("ECS/ContainerInsights", "RunningTaskCount", { ClusterName: "c", ServiceName: "s" }),
      d("ECS/ContainerInsights", "TaskRestartCount", { ClusterName: "c", ServiceName: "s" }),
    ]);
    expect(plans.map((p) => [p.spec.metricName, p.spec.measure])).toEqual([
      ["RunningTaskCount", "running_tasks"],
      ["TaskRestartCount", "restarts"],
    ]);
  });
});

const alarm = (
  name: string,
  dims: Record<string, string>,
  extra: Partial<MetricAlarm> = {},
): MetricAlarm => ({
  name,
  state: "ALARM",
  stateReason: "",
  stateUpdatedAt: "2026-05-04T08:00:00.000Z",
  namespace: "AWS/SQS",
  metricName: "ApproximateAgeOfOldestMessage",
  dimensions: dims,
  ...extra,
});

describe("alarms", () => {
  it("keeps the alarms the ticket names or whose dimensions are ours", () => {
    const alarms = [
      alarm("named-in-ticket", { QueueName: "q0" }),
      alarm("ledger-age", { QueueName: "ledger-api-jobs" }),
      alarm("on-a-read-resource", { QueueName: "q1" }),
      alarm("someone-else", { QueueName: "q2" }),
    ];
    const kept = relevantAlarms(
      alarms,
      "ledger-api",
      new Set(["q1"]),
      new Set(["named-in-ticket"]),
    );
    expect(kept.map((a) => a.name)).toEqual([
      "named-in-ticket",
      "ledger-age",
      "on-a-read-resource",
    ]);
  });

  it("keeps an alarm named after the service whose resource is named otherwise", () => {
    const alarms = [
      alarm("ledger-api-5xx", { QueueName: "ledger-prod-jobs" }),
      alarm("ledger-apis-5xx", { QueueName: "q3" }),
    ];
    const kept = relevantAlarms(alarms, "ledger-api", new Set(), new Set());
    expect(kept.map((a) => a.name)).toEqual(["ledger-api-5xx"]);
  });

  it("turns an alarm into the resource it watches, a queue-age alarm with its threshold", () => {
    expect(alarmResource(alarm("a", { QueueName: "q" }, { threshold: 600 }))).toEqual({
      kind: "queue",
      id: "q",
      dims: { QueueName: "q" },
      origin: "alarm",
      thresholdSeconds: 600,
    });
    expect(
      alarmResource(alarm("b", { Foo: "x" }, { namespace: "Custom/App", metricName: "Jobs" })),
    ).toBeUndefined();
  });
});

describe("overlapsUs", () => {
  const event = (over: Partial<ProviderHealthEvent>): ProviderHealthEvent => ({
    service: "EC2",
    eventTypeCode: "AWS_EC2_OPERATIONAL_ISSUE",
    category: "issue",
    region: "r1",
    startTime: "2026-05-04T08:00:00.000Z",
    status: "open",
    ...over,
  });
  const services = new Set(["EC2", "ELASTICLOADBALANCING"]);

  it("needs a service we run on, and a zone we read (or no zone at all)", () => {
    expect(overlapsUs(event({}), services, ["z1"])).toBe(true);
    expect(overlapsUs(event({ availabilityZone: "z1" }), services, ["z1", "z2"])).toBe(true);
    expect(overlapsUs(event({ availabilityZone: "z3" }), services, ["z1", "z2"])).toBe(false);
    expect(overlapsUs(event({ availabilityZone: "z3" }), services, [])).toBe(true);
    expect(overlapsUs(event({ service: "RDS" }), services, [])).toBe(false);
  });
});
