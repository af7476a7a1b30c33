import type { KindSpec, ResourceKind, SeriesSpec } from "./measure-types.ts";

export type { KindSpec, ResourceKind, SeriesSpec } from "./measure-types.ts";

/**
 * What the aws specialist reads for each kind of AWS resource, in CloudWatch's names: the
 * namespace, the dimensions that identify one resource, the metric discovery lists to
 * find resources, and the series worth reading with the statistic, the general measure it
 * becomes (signals.ts) and the smallest change that counts. Nothing here names a service,
 * a resource or a threshold of a particular incident.
 *
 * `minChange` is detectChangePoint's absolute bound, in the metric's own unit: the
 * smallest step an on-call engineer would call a change, whatever the service.
 * - counts per minute (5xx, errors, throttles, evictions, unhealthy hosts): 1;
 * - requests and messages per minute: 10, so ordinary traffic jitter is not a change;
 * - latency: 0.1 s at a load balancer, 5 ms for a database read or write, 100 ms for a
 *   function: below those a user does not notice; 250 µs for a cache command;
 * - percentages (CPU, memory): 10 points;
 * - connections: 5; queue age: 60 s; queue depth: 10 messages; tasks: 1;
 * - cache misses: 10 a minute; items held: 10; bytes per cached item: 32, a field or two
 *   added to what each entry holds (its relative bound is change-sensitivity.ts's);
 * - free memory: 100 MiB.
 */

const MIB = 1024 * 1024;

/** ElastiCache's own time per command: reads, writes (newer engines), GET/SET families. */
const CACHE_LATENCY_METRICS = [
  "SuccessfulReadRequestLatency",
  "SuccessfulWriteRequestLatency",
  "GetTypeCmdsLatency",
  "SetTypeCmdsLatency",
  "StringBasedCmdsLatency",
];
/**
 * A cache answers a command in tens to a few hundred µs: a quarter of a millisecond more
 * is at least a doubling, what a request making a few cache calls starts to feel.
 */
const CACHE_LATENCY_MIN_CHANGE_MICROS = 250;

/** What the two ECS kinds (Container Insights and AWS/ECS) share: one service, two namespaces. */
const ECS_SERVICE = {
  label: "ECS service",
  identity: ["ClusterName", "ServiceName"],
  healthServices: ["ECS", "EC2", "FARGATE"],
  dependency: "compute",
} satisfies Partial<KindSpec>;

export const KINDS: readonly KindSpec[] = [
  {
    kind: "alb",
    label: "load balancer",
    namespace: "AWS/ApplicationELB",
    identity: ["LoadBalancer"],
    probe: ["RequestCount", "HTTPCode_Target_5XX_Count"],
    healthServices: ["ELASTICLOADBALANCING", "EC2"],
    dependency: "compute",
    series: [
      {
        metricName: "HTTPCode_Target_5XX_Count",
        stat: "Sum",
        measure: "errors_5xx",
        unit: "/min",
        minChange: 1,
        sparse: true,
        perZone: true,
      },
      {
        metricName: "HTTPCode_Target_4XX_Count",
        stat: "Sum",
        measure: "errors_4xx",
        unit: "/min",
        minChange: 10,
        sparse: true,
      },
      {
        metricName: "HTTPCode_ELB_5XX_Count",
        stat: "Sum",
        measure: "errors_5xx",
        unit: "/min",
        minChange: 1,
        sparse: true,
      },
      {
        metricName: "TargetResponseTime",
        stat: "p99",
        measure: "latency_p99",
        unit: "s",
        minChange: 0.1,
      },
      { metricName: "RequestCount", stat: "Sum", measure: "requests", unit: "/min", minChange: 10 },
      {
        metricName: "UnHealthyHostCount",
        stat: "Maximum",
        measure: "unhealthy_hosts",
        minChange: 1,
        perZone: true,
        noResourceLevel: true,
      },
    ],
  },
  {
    kind: "rds",
    label: "database",
    namespace: "AWS/RDS",
    identity: ["DBInstanceIdentifier"],
    probe: ["DatabaseConnections", "CPUUtilization"],
    healthServices: ["RDS"],
    dependency: "database",
    series: [
      { metricName: "DatabaseConnections", stat: "Maximum", measure: "connections", minChange: 5 },
      { metricName: "CPUUtilization", stat: "Average", measure: "cpu", unit: "%", minChange: 10 },
      {
        metricName: "FreeableMemory",
        stat: "Minimum",
        measure: "free_memory",
        unit: "bytes",
        minChange: 100 * MIB,
      },
      {
        metricName: "ReadLatency",
        stat: "p99",
        measure: "latency_p99",
        unit: "s",
        minChange: 0.005,
      },
      {
        metricName: "WriteLatency",
        stat: "p99",
        measure: "latency_p99",
        unit: "s",
        minChange: 0.005,
      },
    ],
  },
  {
    kind: "cache",
    label: "cache",
    namespace: "AWS/ElastiCache",
    identity: ["CacheClusterId"],
    // A Redis or Valkey node publishes its engine thread's CPU (EngineCPUUtilization) and
    // may lack host CPU and evictions in the series an account keeps: either names it.
    probe: ["CPUUtilization", "Evictions", "EngineCPUUtilization"],
    healthServices: ["ELASTICACHE"],
    dependency: "cache",
    series: [
      {
        metricName: "Evictions",
        stat: "Sum",
        measure: "evictions",
        unit: "/min",
        minChange: 1,
        sparse: true,
      },
      { metricName: "CPUUtilization", stat: "Average", measure: "cpu", unit: "%", minChange: 10 },
      {
        metricName: "CacheMisses",
        stat: "Sum",
        measure: "cache_misses",
        unit: "/min",
        minChange: 10,
      },
      { metricName: "CurrItems", stat: "Average", measure: "cache_items", minChange: 10 },
      {
        // How big each entry is: a change to what the service caches (a field added to the
        // cached document) grows every entry as keys refresh, while the items held, the
        // hit rate and the evictions stay where they were until the memory runs out.
        metricName: "BytesUsedForCache",
        stat: "Average",
        per: { metricName: "CurrItems", stat: "Average" },
        measure: "cache_item_bytes",
        unit: "bytes",
        minChange: 32,
      },
      {
        metricName: "DatabaseMemoryUsagePercentage",
        stat: "Maximum",
        measure: "memory",
        unit: "%",
        minChange: 10,
      },
      // The engine's own thread (Redis and Valkey run commands on one): what saturates first.
      {
        metricName: "EngineCPUUtilization",
        stat: "Average",
        measure: "cpu",
        unit: "%",
        minChange: 10,
      },
      { metricName: "CurrConnections", stat: "Average", measure: "connections", minChange: 5 },
      // https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.Redis.html
      ...CACHE_LATENCY_METRICS.map((metricName) => ({
        metricName,
        stat: "Average" as const,
        measure: "dependency_latency" as const,
        unit: "µs",
        minChange: CACHE_LATENCY_MIN_CHANGE_MICROS,
      })),
    ],
  },
  {
    kind: "queue",
    label: "queue",
    namespace: "AWS/SQS",
    identity: ["QueueName"],
    probe: ["ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"],
    healthServices: ["SQS"],
    dependency: "queue",
    series: [
      {
        metricName: "ApproximateAgeOfOldestMessage",
        stat: "Maximum",
        measure: "queue_age",
        unit: "s",
        minChange: 60,
      },
      {
        metricName: "ApproximateNumberOfMessagesVisible",
        stat: "Maximum",
        measure: "queue_depth",
        minChange: 10,
      },
      {
        metricName: "NumberOfMessagesReceived",
        stat: "Sum",
        measure: "messages_received",
        unit: "/min",
        minChange: 10,
        sparse: true,
      },
      {
        metricName: "NumberOfMessagesDeleted",
        stat: "Sum",
        measure: "messages_deleted",
        unit: "/min",
        minChange: 10,
        sparse: true,
      },
      // What producers send is the queue's load, as requests are a load balancer's.
      {
        metricName: "NumberOfMessagesSent",
        stat: "Sum",
        measure: "requests",
        unit: "/min",
        minChange: 10,
        sparse: true,
      },
    ],
  },
  {
    kind: "function",
    label: "function",
    namespace: "AWS/Lambda",
    identity: ["FunctionName"],
    probe: ["Invocations", "Errors"],
    healthServices: ["LAMBDA"],
    dependency: "compute",
    series: [
      {
        metricName: "Errors",
        stat: "Sum",
        measure: "error_events",
        unit: "/min",
        minChange: 1,
        sparse: true,
      },
      {
        metricName: "Throttles",
        stat: "Sum",
        measure: "throttles",
        unit: "/min",
        minChange: 1,
        sparse: true,
      },
      { metricName: "Duration", stat: "p99", measure: "latency_p99", unit: "ms", minChange: 100 },
      {
        metricName: "ConcurrentExecutions",
        stat: "Maximum",
        measure: "concurrency",
        minChange: 5,
      },
    ],
  },
  {
    // S3 request metrics (published per bucket and filter once request metrics are on): the
    // errors S3 itself answered, and the requests the service sent it. A bucket is read only
    // when the service's own error lines name it (collect.ts): no name ties a bucket to a
    // service. https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html
    kind: "bucket",
    label: "bucket",
    namespace: "AWS/S3",
    identity: ["BucketName", "FilterId"],
    probe: ["AllRequests", "5xxErrors"],
    healthServices: ["S3"],
    // Object storage is a data store outside the tasks; none of its series read saturates.
    dependency: "database",
    series: [
      {
        metricName: "5xxErrors",
        stat: "Sum",
        measure: "dependency_errors",
        unit: "/min",
        minChange: 1,
        sparse: true,
      },
      {
        metricName: "AllRequests",
        stat: "Sum",
        measure: "requests",
        unit: "/min",
        minChange: 10,
        sparse: true,
      },
    ],
  },
  {
    kind: "ecs",
    ...ECS_SERVICE,
    namespace: "ECS/ContainerInsights",
    probe: ["RunningTaskCount"],
    series: [
      { metricName: "RunningTaskCount", stat: "Average", measure: "running_tasks", minChange: 1 },
    ],
  },
  {
    kind: "ecs_service",
    ...ECS_SERVICE,
    namespace: "AWS/ECS",
    // A service may publish only one of the two (memory alone, on some task definitions).
    probe: ["CPUUtilization", "MemoryUtilization"],
    series: [
      { metricName: "CPUUtilization", stat: "Average", measure: "cpu", unit: "%", minChange: 10 },
      {
        metricName: "MemoryUtilization",
        stat: "Average",
        measure: "memory",
        unit: "%",
        minChange: 10,
      },
    ],
  },
];

export const kindSpec = (kind: ResourceKind): KindSpec => KINDS.find((k) => k.kind === kind)!;

/** The spec of a metric by namespace and name (for alarms), when prode reads such a metric. */
export function seriesSpecFor(
  namespace: string,
  metricName: string,
): { kind: KindSpec; spec: SeriesSpec } | undefined {
  for (const kind of KINDS) {
    if (kind.namespace !== namespace) continue;
    const spec = kind.series.find((s) => s.metricName === metricName);
    if (spec) return { kind, spec };
  }
  return undefined;
}

/** Container Insights names restart counters differently across launch types. */
export const RESTART_METRIC = /restart/i;
