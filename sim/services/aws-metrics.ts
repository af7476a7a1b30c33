import type { AwsMetricData } from "./aws-data.ts";

/**
 * CloudWatch `GetMetricData` over the scenario's series
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html).
 * A metric matches on namespace, name and the exact dimension set, as CloudWatch does.
 * Datapoints are grouped into `Period`-second buckets aligned to the epoch and reduced
 * with the requested statistic (Sum, Average, Minimum, Maximum, SampleCount, pNN).
 * Metric math (`Expression`) is not simulated and is refused.
 */

export class MetricQueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Dimension {
  Name?: string;
  Value?: string;
}
interface MetricDataQuery {
  Id?: string;
  Label?: string;
  ReturnData?: boolean;
  Expression?: string;
  MetricStat?: {
    Metric?: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] };
    Period?: number;
    Stat?: string;
    Unit?: string;
  };
}
export interface GetMetricDataInput {
  MetricDataQueries?: MetricDataQuery[];
  StartTime?: number;
  EndTime?: number;
  ScanBy?: "TimestampDescending" | "TimestampAscending";
  MaxDatapoints?: number;
}

function sameDimensions(a: AwsMetricData["dimensions"], b: Dimension[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((d) => b.some((x) => x.Name === d.name && x.Value === d.value));
}

function reduce(stat: string, values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  switch (stat) {
    case "Sum":
      return values.reduce((a, b) => a + b, 0);
    case "Average":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "Minimum":
      return sorted[0]!;
    case "Maximum":
      return sorted.at(-1)!;
    case "SampleCount":
      return values.length;
    default: {
      const match = /^p(\d{1,2}(?:\.\d+)?)$/.exec(stat);
      if (!match)
        throw new MetricQueryError(
          "InvalidParameterValue",
          `The statistic ${stat} is not supported.`,
        );
      // Nearest-rank percentile.
      const rank = Math.ceil((Number(match[1]) / 100) * sorted.length);
      return sorted[Math.max(0, rank - 1)]!;
    }
  }
}

export function getMetricData(input: GetMetricDataInput, metrics: AwsMetricData[]) {
  const queries = input.MetricDataQueries ?? [];
  if (queries.length === 0) {
    throw new MetricQueryError(
      "ValidationError",
      "1 validation error detected: MetricDataQueries must not be empty",
    );
  }
  if (typeof input.StartTime !== "number" || typeof input.EndTime !== "number") {
    throw new MetricQueryError("ValidationError", "StartTime and EndTime are required");
  }
  if (input.EndTime <= input.StartTime) {
    throw new MetricQueryError(
      "InvalidParameterValue",
      "The parameter StartTime must be less than the parameter EndTime.",
    );
  }
  const startMs = input.StartTime * 1000;
  const endMs = input.EndTime * 1000;
  const descending = (input.ScanBy ?? "TimestampDescending") === "TimestampDescending";
  const results = queries.map((query) => {
    if (query.Expression !== undefined) {
      throw new MetricQueryError(
        "InvalidParameterValue",
        "Metric math expressions are not simulated by the world.",
      );
    }
    const stat = query.MetricStat;
    const metric = stat?.Metric;
    if (
      !query.Id ||
      !stat ||
      !metric?.Namespace ||
      !metric.MetricName ||
      !stat.Period ||
      !stat.Stat
    ) {
      throw new MetricQueryError(
        "ValidationError",
        "Each query needs an Id and a MetricStat with Metric, Period and Stat.",
      );
    }
    const periodMs = stat.Period * 1000;
    const series = metrics.find(
      (m) =>
        m.namespace === metric.Namespace &&
        m.metricName === metric.MetricName &&
        sameDimensions(m.dimensions, metric.Dimensions ?? []),
    );
    const buckets = new Map<number, number[]>();
    for (const point of series?.datapoints ?? []) {
      const t = Date.parse(point.timestamp);
      if (t < startMs || t >= endMs) continue;
      const bucket = Math.floor(t / periodMs) * periodMs;
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), point.value]);
    }
    const times = [...buckets.keys()].sort((a, b) => (descending ? b - a : a - b));
    return {
      Id: query.Id,
      Label: query.Label ?? metric.MetricName,
      Timestamps: times.map((t) => t / 1000),
      Values: times.map((t) => reduce(stat.Stat!, buckets.get(t)!)),
      StatusCode: "Complete",
      Messages: [],
      returnData: query.ReturnData !== false,
    };
  });
  return {
    MetricDataResults: results.filter((r) => r.returnData).map(({ returnData: _, ...r }) => r),
    Messages: [],
  };
}

interface DimensionFilter {
  Name?: string;
  Value?: string;
}
export interface ListMetricsInput {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: DimensionFilter[];
  NextToken?: string;
  /** Only `PT3H`: metrics with a datapoint in the last three hours. */
  RecentlyActive?: string;
}

/** ListMetrics answers at most 500 metrics per page. */
const LIST_PAGE = 500;
const THREE_HOURS_MS = 3 * 3_600_000;

/**
 * CloudWatch `ListMetrics`
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html):
 * the metrics matching the namespace, the name and every dimension filter (a filter
 * without a value matches any value; a metric may have more dimensions than the filters
 * name), in pages of 500 behind an opaque NextToken.
 */
export function listMetrics(input: ListMetricsInput, metrics: AwsMetricData[], now: Date) {
  const filters = input.Dimensions ?? [];
  if (filters.length > 10) {
    throw new MetricQueryError(
      "InvalidParameterValue",
      "The collection Dimensions must not have more than 10 members.",
    );
  }
  if (filters.some((f) => !f.Name)) {
    throw new MetricQueryError("InvalidParameterValue", "Every dimension filter needs a Name.");
  }
  if (input.RecentlyActive !== undefined && input.RecentlyActive !== "PT3H") {
    throw new MetricQueryError(
      "InvalidParameterValue",
      "The parameter RecentlyActive must be PT3H.",
    );
  }
  const since = now.getTime() - THREE_HOURS_MS;
  const matching = metrics.filter(
    (m) =>
      (!input.Namespace || m.namespace === input.Namespace) &&
      (!input.MetricName || m.metricName === input.MetricName) &&
      filters.every((f) =>
        m.dimensions.some(
          (d) => d.name === f.Name && (f.Value === undefined || d.value === f.Value),
        ),
      ) &&
      (input.RecentlyActive === undefined ||
        m.datapoints.some((p) => Date.parse(p.timestamp) >= since)),
  );
  const offset = input.NextToken ? Number.parseInt(input.NextToken, 36) : 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > matching.length) {
    throw new MetricQueryError("InvalidNextToken", "The NextToken is not valid.");
  }
  const page = matching.slice(offset, offset + LIST_PAGE);
  const next = offset + LIST_PAGE < matching.length ? (offset + LIST_PAGE).toString(36) : undefined;
  return {
    Metrics: page.map((m) => ({
      Namespace: m.namespace,
      MetricName: m.metricName,
      Dimensions: m.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
    })),
    ...(next ? { NextToken: next } : {}),
  };
}
