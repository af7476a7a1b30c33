import type { SourceRef } from "../shared/collector.ts";
import type { MetricAlarm, MetricDescriptor, MetricSeries, ProviderHealthEvent } from "../tools.ts";
import { type CheckContext, metricRef } from "./checks.ts";
import { type CalledEndpoint, calledIn } from "./endpoints.ts";
import {
  KINDS,
  type KindSpec,
  kindSpec,
  RESTART_METRIC,
  type SeriesSpec,
  seriesSpecFor,
} from "./measures.ts";
import {
  deadLetterFor,
  isDeadLetterName,
  matchDiscovered,
  type Resource,
  resourceOf,
} from "./resources.ts";
import { ratioSeries } from "./series.ts";
import { namesService } from "./targets.ts";

/**
 * The generic reads: discovery (ListMetrics per kind), each resource's inventory (which of
 * its metrics exist), the series worth reading among them, the CloudWatch alarms in ALARM
 * that concern the service with their history, and AWS Health. Each is a read-only call;
 * each function throws the adapter's AppError, which the caller's check turns into a gap.
 */

/** One series read for a resource. */
export interface SeriesRead {
  kind: KindSpec;
  spec: SeriesSpec;
  resource: Resource;
  dims: Record<string, string>;
  zone?: string;
  ref: SourceRef;
  series: MetricSeries;
}

/** Per-zone series of one metric read at most: a region has three to six zones. */
const MAX_ZONE_SERIES = 6;
/** Per-node series of one metric read at most, when it has no resource-level series. */
const MAX_NODE_SERIES = 3;

/** Restart counters, when Container Insights publishes one for the service. */
const restartSpec = (metricName: string): SeriesSpec => ({
  metricName,
  stat: "Sum",
  measure: "restarts",
  minChange: 1,
  sparse: true,
});

export interface Discovery {
  resources: Resource[];
  /** Every queue name listed, ours or not: where dead-letter queues are found. */
  queueNames: string[];
  /** Every resource listed, ours or not: what the account scan ranks (scan.ts). */
  account: Resource[];
  failedKinds: string[];
}

/**
 * Lists each kind's probe metrics and keeps the resources whose dimension values name
 * the service or a declared resource. Throws the first error when every listing failed.
 */
export async function discover(
  ctx: CheckContext,
  service: string | undefined,
  declared: ReadonlySet<string>,
): Promise<Discovery> {
  const jobs = KINDS.flatMap((kind) =>
    kind.probe.map((probe) => ({
      kind,
      read: ctx.cloudwatch.listMetrics({ namespace: kind.namespace, metricName: probe }),
    })),
  );
  const settled = await Promise.allSettled(jobs.map((j) => j.read));
  const failed = settled.flatMap((s, i) => (s.status === "rejected" ? [jobs[i]!.kind.label] : []));
  if (failed.length === settled.length) {
    throw (settled[0] as PromiseRejectedResult).reason;
  }
  const byKind = new Map<KindSpec, MetricDescriptor[]>();
  settled.forEach((s, i) => {
    if (s.status !== "fulfilled") return;
    const kind = jobs[i]!.kind;
    byKind.set(kind, [...(byKind.get(kind) ?? []), ...s.value]);
  });
  const resources: Resource[] = [];
  const account = new Map<string, Resource>();
  for (const [kind, descriptors] of byKind) {
    resources.push(...matchDiscovered(kind, descriptors, service, declared));
    for (const d of descriptors) {
      const r = resourceOf(kind, d.dimensions, "discovered");
      if (!r) continue;
      const key = `${r.kind}:${r.id}`;
      if (!account.has(key)) account.set(key, r);
      attachTargetGroup(account.get(key)!, d.dimensions);
    }
  }
  const queueNames = [
    ...new Set(
      (byKind.get(kindSpec("queue")) ?? [])
        .map((d) => d.dimensions.QueueName)
        .filter((q): q is string => q !== undefined),
    ),
  ];
  return {
    resources,
    queueNames,
    account: [...account.values()].filter((r) => !(r.kind === "queue" && isDeadLetterName(r.id))),
    failedKinds: [...new Set(failed)],
  };
}

/** Records the target group a load balancer's series is broken down by (scan.ts `groupOf`). */
function attachTargetGroup(r: Resource, dims: Record<string, string>) {
  const tg = dims.TargetGroup;
  if (r.kind !== "alb" || tg === undefined) return;
  r.targetGroups = [...new Set([...(r.targetGroups ?? []), tg])].sort();
}

/**
 * Pairs each queue with its dead-letter queue (stated, or by the usual naming among the
 * listed queues) and drops a discovered dead-letter queue from the queues read as such.
 */
export function pairDeadLetters(resources: Resource[], queueNames: string[]): Resource[] {
  const queues = resources.filter((r) => r.kind === "queue");
  const paired = new Set<string>();
  for (const q of queues) {
    if (isDeadLetterName(q.id)) continue;
    q.deadLetterQueue ??= deadLetterFor(q.id, [...queueNames, ...queues.map((x) => x.id)]);
    if (q.deadLetterQueue) paired.add(q.deadLetterQueue);
  }
  return resources.filter(
    (r) =>
      !(
        r.kind === "queue" &&
        (r.origin === "discovered" || r.origin === "scanned") &&
        paired.has(r.id)
      ),
  );
}

/** Which metrics exist for one resource (ListMetrics filtered on its identity dimensions). */
export function inventory(ctx: CheckContext, resource: Resource): Promise<MetricDescriptor[]> {
  const kind = kindSpec(resource.kind);
  return ctx.cloudwatch.listMetrics({
    namespace: kind.namespace,
    dimensions: Object.entries(resource.dims).map(([name, value]) => ({ name, value })),
  });
}

export interface PlannedRead {
  spec: SeriesSpec;
  dims: Record<string, string>;
  zone?: string;
}

const sameKeys = (dims: Record<string, string>, keys: string[]) =>
  Object.keys(dims).length === keys.length && keys.every((k) => dims[k] !== undefined);

/**
 * The series to read for a resource: each spec's resource-level series when it exists,
 * its per-zone series for specs read per zone (and, for a metric that exists only per
 * target group, those), and any restart counter. Without an inventory, every
 * resource-level series is read and CloudWatch's answer says what exists.
 */
export function planReads(
  resource: Resource,
  listed: MetricDescriptor[] | undefined,
): PlannedRead[] {
  const kind = kindSpec(resource.kind);
  const plans: PlannedRead[] = [];
  if (!listed) {
    for (const spec of kind.series) {
      if (!spec.noResourceLevel) plans.push({ spec, dims: resource.dims });
    }
    return plans;
  }
  for (const spec of kind.series) {
    // A ratio needs its divisor too: without it, there is nothing to divide by.
    if (spec.per && !listed.some((d) => d.metricName === spec.per!.metricName)) continue;
    const ofMetric = listed.filter((d) => d.metricName === spec.metricName);
    if (!spec.noResourceLevel && ofMetric.some((d) => sameKeys(d.dimensions, kind.identity))) {
      plans.push({ spec, dims: resource.dims });
    } else if (!spec.noResourceLevel && !spec.perZone) {
      // Published only per node (an ElastiCache cluster's CacheNodeId): read the nodes.
      const nodes = ofMetric.filter((d) => d.dimensions.AvailabilityZone === undefined);
      for (const node of nodes.slice(0, MAX_NODE_SERIES))
        plans.push({ spec, dims: node.dimensions });
    }
    if (!spec.perZone) continue;
    const zonal = ofMetric.filter((d) => d.dimensions.AvailabilityZone !== undefined);
    const chosen = zonal.length
      ? zonal
      : spec.noResourceLevel
        ? ofMetric.filter((d) => !sameKeys(d.dimensions, kind.identity))
        : [];
    for (const d of chosen.slice(0, MAX_ZONE_SERIES)) {
      const zone = d.dimensions.AvailabilityZone;
      plans.push({ spec, dims: d.dimensions, ...(zone ? { zone } : {}) });
    }
  }
  if (resource.kind === "ecs") {
    const restarts = listed.filter(
      (d) => RESTART_METRIC.test(d.metricName) && sameKeys(d.dimensions, kind.identity),
    );
    for (const d of restarts.slice(0, 1)) {
      plans.push({ spec: restartSpec(d.metricName), dims: resource.dims });
    }
  }
  return plans;
}

/** Reads one planned series through the run's memo and registers its source. */
export async function readPlanned(
  ctx: CheckContext,
  resource: Resource,
  plan: PlannedRead,
): Promise<SeriesRead> {
  const kind = kindSpec(resource.kind);
  const metric = {
    namespace: kind.namespace,
    metricName: plan.spec.metricName,
    dimensions: plan.dims,
  };
  const per = plan.spec.per;
  const series = per
    ? ratioSeries(
        await ctx.read(metric, plan.spec.stat),
        await ctx.read({ ...metric, metricName: per.metricName }, per.stat),
      )
    : await ctx.read(metric, plan.spec.stat);
  const ref = ctx.ev.source({
    kind: "cloudwatch_metric",
    ref: metricRef(metric),
    fetchedAt: ctx.clock(),
  });
  return {
    kind,
    spec: plan.spec,
    resource,
    dims: plan.dims,
    ...(plan.zone ? { zone: plan.zone } : {}),
    ref,
    series,
  };
}

/**
 * Alarms in ALARM that concern the service: the ticket names them (its linked AWS refs or
 * text), their own name names the service (`<service>-5xx` on a load balancer named
 * otherwise), or a dimension value names the service or one of the resources read.
 */
export function relevantAlarms(
  alarms: MetricAlarm[],
  service: string | undefined,
  resourceNames: ReadonlySet<string>,
  ticketAlarmNames: ReadonlySet<string>,
): MetricAlarm[] {
  return alarms.filter(
    (a) =>
      ticketAlarmNames.has(a.name) ||
      namesService(a.name, service) ||
      Object.values(a.dimensions).some((v) => resourceNames.has(v) || namesService(v, service)),
  );
}

/** The resource an alarm watches, when prode reads that kind of metric. */
export function alarmResource(alarm: MetricAlarm): Resource | undefined {
  const found = seriesSpecFor(alarm.namespace, alarm.metricName);
  if (!found) return undefined;
  const r = resourceOf(found.kind, alarm.dimensions, "alarm");
  if (!r) return undefined;
  const ageThreshold =
    found.spec.measure === "queue_age" && alarm.threshold !== undefined && alarm.threshold > 0
      ? { thresholdSeconds: alarm.threshold }
      : {};
  return { ...r, ...ageThreshold };
}

/** AWS Health's services our resources run on. */
export function healthServicesOf(resources: Resource[]): Set<string> {
  return new Set(resources.flatMap((r) => kindSpec(r.kind).healthServices));
}

/**
 * Whether a provider event concerns us: it is for a service our resources run on, or for
 * one our error lines call through an endpoint in the event's region (`called`), and
 * either names no zone, or names one of the zones our per-zone series come from (or we
 * read no per-zone series, so any zone may be ours).
 */
export function overlapsUs(
  event: ProviderHealthEvent,
  services: ReadonlySet<string>,
  ourZones: readonly string[],
  called: readonly CalledEndpoint[] = [],
): boolean {
  const ours =
    services.has(event.service) || calledIn(called, event.region).includes(event.service);
  if (!ours) return false;
  if (!event.availabilityZone || ourZones.length === 0) return true;
  return ourZones.includes(event.availabilityZone);
}
