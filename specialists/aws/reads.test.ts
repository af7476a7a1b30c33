import { describe, expect, it } from "vitest";
import type { CloudWatchReader, MetricDescriptor, MetricListQuery } from "../tools.ts";
import { alarmsWatching } from "./alarms.ts";
import type { CheckContext } from "./checks.ts";
import { discover } from "./reads.ts";

const ALB = "AWS/ApplicationELB";
const EDGE = "app/acme-edge-prod/0a1b2c3d";
const metric = (dimensions: Record<string, string>): MetricDescriptor => ({
  namespace: ALB,
  metricName: "RequestCount",
  dimensions,
});

/** A CloudWatch that lists `descriptors` for the load balancer kind and nothing else. */
function ctxListing(descriptors: MetricDescriptor[]): CheckContext {
  const cloudwatch = {
    listMetrics: async (q: MetricListQuery) => (q.namespace === ALB ? descriptors : []),
  } as unknown as CloudWatchReader;
  return { cloudwatch } as CheckContext;
}

describe("discovery of the account's load balancers", () => {
  it("records the target groups ListMetrics ties to each load balancer", async () => {
    const found = await discover(
      ctxListing([
        metric({ LoadBalancer: EDGE, TargetGroup: "targetgroup/widget-api-tg/1a" }),
        metric({ LoadBalancer: EDGE, TargetGroup: "targetgroup/widget-api-tg/1a" }),
        metric({ LoadBalancer: EDGE, TargetGroup: "targetgroup/gizmo-api-tg/2b" }),
        metric({ LoadBalancer: "app/rates-internal/3c" }),
      ]),
      undefined,
      new Set(),
    );
    const albs = found.account.filter((r) => r.kind === "alb");
    expect(albs.map((r) => [r.id, r.targetGroups])).toEqual([
      [EDGE, ["targetgroup/gizmo-api-tg/2b", "targetgroup/widget-api-tg/1a"]],
      ["app/rates-internal/3c", undefined],
    ]);
    // The target group is a relation, not the load balancer's identity.
    expect(albs[0]!.dims).toEqual({ LoadBalancer: EDGE });
  });
});

describe("alarms of the resources an account scan adopted", () => {
  const alarm = (name: string, state: "ALARM" | "OK", dimensions: Record<string, string>) => ({
    name,
    state,
    stateReason: "",
    stateUpdatedAt: "2026-01-01T10:11:00Z",
    namespace: ALB,
    metricName: "TargetResponseTime",
    dimensions,
  });
  const edge = {
    kind: "alb" as const,
    id: EDGE,
    dims: { LoadBalancer: EDGE },
    origin: "scanned" as const,
    targetGroups: ["targetgroup/widget-api-tg/1a"],
  };

  it("claims an alarm in ALARM on the load balancer or one of its target groups, never a quiet or another's", () => {
    const alarms = [
      alarm("latency", "ALARM", { TargetGroup: "targetgroup/widget-api-tg/1a" }),
      alarm("edge-5xx", "ALARM", { LoadBalancer: EDGE }),
      alarm("quiet", "OK", { LoadBalancer: EDGE }),
      alarm("other", "ALARM", { LoadBalancer: "app/rates-internal/3c" }),
    ];
    expect(alarmsWatching(alarms, [edge]).map((a) => a.name)).toEqual(["latency", "edge-5xx"]);
  });
});
