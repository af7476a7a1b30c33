import type { MetricDescriptor } from "../tools.ts";
import { KINDS, type KindSpec, kindSpec, type ResourceKind } from "./measures.ts";
import { namesService, type ResolvedTargets } from "./targets.ts";

/**
 * The resources one run reads: those the ticket and the service catalog name
 * (targets.ts), and those CloudWatch ListMetrics shows for the service — a metric one of
 * whose dimension values names the service or a declared resource (a target group named
 * after the service leads to its load balancer; an ECS service to its cluster). Never a
 * resource that only free text or another service's wiki recipe names.
 */

export interface Resource {
  kind: ResourceKind;
  /** The identity dimensions' values, joined with "/" (a load balancer's own id has slashes). */
  id: string;
  /** The identity dimensions, as CloudWatch queries take them. */
  dims: Record<string, string>;
  /** `scanned`: read only to look for what moved, when nothing named a resource (scan.ts). */
  origin: "declared" | "discovered" | "alarm" | "scanned";
  maxConnections?: number;
  /** Queue-age alarm threshold, seconds. */
  thresholdSeconds?: number;
  deadLetterQueue?: string;
  /**
   * A load balancer's target groups, as ListMetrics ties them to it (a series carrying
   * both dimensions exists only for a target group a listener of that load balancer
   * forwards to): the services behind it (scan.ts `groupOf`).
   */
  targetGroups?: string[];
}

/** At most this many resources of one kind are read: enough for a service, bounded for an account. */
export const MAX_PER_KIND = 3;

/** The resource a descriptor belongs to, when it carries every identity dimension. */
export function resourceOf(
  kind: KindSpec,
  dims: Record<string, string>,
  origin: Resource["origin"],
): Resource | undefined {
  if (!kind.identity.every((d) => dims[d] !== undefined)) return undefined;
  const identity = Object.fromEntries(kind.identity.map((d) => [d, dims[d]!]));
  return {
    kind: kind.kind,
    id: kind.identity.map((d) => dims[d]).join("/"),
    dims: identity,
    origin,
  };
}

/**
 * Resources of `kind` among the listed metrics whose dimension values are ours: they name
 * the service or equal one of `declared` (resource names the ticket or catalog gave).
 */
export function matchDiscovered(
  kind: KindSpec,
  descriptors: MetricDescriptor[],
  service: string | undefined,
  declared: ReadonlySet<string>,
): Resource[] {
  const found = new Map<string, Resource>();
  for (const d of descriptors) {
    if (d.namespace !== kind.namespace) continue;
    const values = Object.values(d.dimensions);
    if (!values.some((v) => declared.has(v) || namesService(v, service))) continue;
    const r = resourceOf(kind, d.dimensions, "discovered");
    if (r && !found.has(r.id)) found.set(r.id, r);
  }
  return [...found.values()];
}

const DLQ_SUFFIXES = ["-dlq", "_dlq", ".dlq", "-deadletter", "_deadletter", "-dead-letter", "-dl"];

/**
 * The dead-letter queue of `queue` among the account's queues, by the usual naming
 * (`<queue>-dlq`, `<queue>_deadletter`, …, FIFO suffix kept); the catalog's statement wins.
 */
export function deadLetterFor(queue: string, queues: readonly string[]): string | undefined {
  const fifo = queue.endsWith(".fifo");
  const base = fifo ? queue.slice(0, -5) : queue;
  const candidates = new Set(
    DLQ_SUFFIXES.map((s) => `${base}${s}${fifo ? ".fifo" : ""}`.toLowerCase()),
  );
  return queues.find((q) => candidates.has(q.toLowerCase()));
}

/** Whether a queue's name marks it as a dead-letter queue. */
export const isDeadLetterName = (queue: string) =>
  /(?:^|[-_.])(?:dlq|dead-?letter)(?:$|[-_.])/i.test(queue.replace(/\.fifo$/, ""));

/** The resources the ticket and the catalog name, as {@link Resource}s. */
export function declaredResources(t: ResolvedTargets): Resource[] {
  const out: Resource[] = [];
  const add = (kind: ResourceKind, dims: Record<string, string>, extra: Partial<Resource> = {}) => {
    const r = resourceOf(kindSpec(kind), dims, "declared");
    if (r) out.push({ ...r, ...extra });
  };
  if (t.loadBalancer) add("alb", { LoadBalancer: t.loadBalancer });
  for (const q of t.queues) {
    add(
      "queue",
      { QueueName: q.name },
      {
        ...(q.thresholdSeconds !== undefined ? { thresholdSeconds: q.thresholdSeconds } : {}),
        ...(q.deadLetterQueue ? { deadLetterQueue: q.deadLetterQueue } : {}),
      },
    );
  }
  for (const db of t.databases) {
    add(
      "rds",
      { DBInstanceIdentifier: db.identifier },
      {
        ...(db.maxConnections !== undefined ? { maxConnections: db.maxConnections } : {}),
      },
    );
  }
  for (const c of t.caches) add("cache", { CacheClusterId: c });
  for (const f of t.functions) add("function", { FunctionName: f });
  if (t.ecs) {
    add("ecs", { ClusterName: t.ecs.cluster, ServiceName: t.ecs.service });
    add("ecs_service", { ClusterName: t.ecs.cluster, ServiceName: t.ecs.service });
  }
  return out;
}

/** Names the ticket and catalog give, matched against dimension values in discovery. */
export function declaredNames(t: ResolvedTargets): Set<string> {
  return new Set(
    [
      t.loadBalancer,
      ...t.targetGroups,
      ...t.queues.map((q) => q.name),
      ...t.databases.map((d) => d.identifier),
      ...t.caches,
      ...t.functions,
      t.ecs?.service,
    ].filter((x): x is string => Boolean(x)),
  );
}

/**
 * Declared first (the ticket's and the catalog's), then discovered, then alarm-named;
 * one entry per resource, its stated limits kept; at most {@link MAX_PER_KIND} per kind.
 */
export function mergeResources(...lists: Resource[][]): Resource[] {
  const byKey = new Map<string, Resource>();
  for (const r of lists.flat()) {
    const key = `${r.kind}:${r.id}`;
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { ...r });
    else {
      seen.maxConnections ??= r.maxConnections;
      seen.thresholdSeconds ??= r.thresholdSeconds;
      seen.deadLetterQueue ??= r.deadLetterQueue;
    }
  }
  const out: Resource[] = [];
  for (const kind of KINDS) {
    out.push(...[...byKey.values()].filter((r) => r.kind === kind.kind).slice(0, MAX_PER_KIND));
  }
  return out;
}
