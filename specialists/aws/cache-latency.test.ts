import { describe, expect, it } from "vitest";
import type {
  CloudWatchReader,
  MetricDescriptor,
  MetricListQuery,
  MetricSeries,
  ProviderHealthEvent,
} from "../tools.ts";
import type { CheckContext } from "./checks.ts";
import { kindSpec } from "./measures.ts";
import { discover, healthServicesOf, overlapsUs, planReads } from "./reads.ts";
import type { Resource } from "./resources.ts";
import { assessSeries } from "./series.ts";

/**
 * A Redis cache the service calls: found by the engine CPU it publishes, read for its own
 * command latency, connections and engine CPU, and the provider's cache incidents then
 * concern the service.
 */

const NOW = new Date("2026-05-04T09:00:00Z");
const MIN = 60_000;
const CACHE = "AWS/ElastiCache";
const cache: Resource = {
  kind: "cache",
  id: "c-0001-001",
  dims: { CacheClusterId: "c-0001-001" },
  origin: "discovered",
};
const listed = (...names: string[]): MetricDescriptor[] =>
  names.map((metricName) => ({
    namespace: CACHE,
    metricName,
    dimensions: { CacheClusterId: "c-0001-001" },
  }));

/** One value a minute for 90 minutes ending a minute before now. */
function series(value: (ago: number) => number): MetricSeries {
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let ago = 90; ago >= 1; ago--) {
    timestamps.push(new Date(NOW.getTime() - ago * MIN).toISOString());
    values.push(value(ago));
  }
  return { label: "m", timestamps, values };
}
/** ±15% noise, the same every run: a healthy engine's command latency wobbles. */
const jitter = (ago: number) => 1 + (((ago * 37) % 11) - 5) * 0.03;

describe("a cache's command latency", () => {
  const spec = kindSpec("cache").series.find((s) => s.metricName === "StringBasedCmdsLatency")!;

  it("is a dependency measure, read from the metric CloudWatch lists", () => {
    expect(spec.measure).toBe("dependency_latency");
    const measures = planReads(
      cache,
      listed("StringBasedCmdsLatency", "EngineCPUUtilization", "CurrConnections"),
    ).map((p) => p.spec.measure);
    expect(measures).toEqual(expect.arrayContaining(["dependency_latency", "cpu", "connections"]));
  });

  it("reads a step from ~0.2 ms to ~1.4 ms as a rise dated at the step", () => {
    const change = assessSeries(
      series((ago) => (ago > 50 ? 180 : 1400) * jitter(ago)),
      spec,
      { now: NOW },
    );
    expect(change?.direction).toBe("rise");
    expect(Math.abs(Date.parse(change!.onset!) - (NOW.getTime() - 50 * MIN))).toBeLessThanOrEqual(
      2 * MIN,
    );
  });

  it("reads a healthy engine's wobble as flat", () => {
    const change = assessSeries(
      series((ago) => 180 * jitter(ago)),
      spec,
      { now: NOW },
    );
    expect(change?.direction).toBe("flat");
  });
});

describe("discovery of a cache that publishes only its engine's series", () => {
  it("finds it by EngineCPUUtilization", async () => {
    const cloudwatch = {
      listMetrics: async (q: MetricListQuery) =>
        q.namespace === CACHE && q.metricName === "EngineCPUUtilization"
          ? listed("EngineCPUUtilization")
          : [],
    } as unknown as CloudWatchReader;
    const found = await discover({ cloudwatch } as CheckContext, undefined, new Set());
    expect(found.account.map((r) => [r.kind, r.id])).toEqual([["cache", "c-0001-001"]]);
  });
});

describe("a provider's cache incident", () => {
  const event: ProviderHealthEvent = {
    service: "ELASTICACHE",
    eventTypeCode: "AWS_ELASTICACHE_OPERATIONAL_ISSUE",
    category: "issue",
    region: "r-1",
    availabilityZone: "r-1b",
    startTime: "2026-05-04T08:10:00Z",
    status: "open",
  };
  const alb: Resource = {
    kind: "alb",
    id: "app/x/1",
    dims: { LoadBalancer: "app/x/1" },
    origin: "declared",
  };

  it("concerns the service once its cache is read, and not before", () => {
    expect(overlapsUs(event, healthServicesOf([alb]), [])).toBe(false);
    expect(overlapsUs(event, healthServicesOf([alb, cache]), [])).toBe(true);
  });
});
