import type { SeriesMeasure } from "../../src/domain/signals.ts";
import type { MetricQuery } from "../tools.ts";

/** The shapes of what the aws specialist reads per kind of resource (measures.ts holds the table). */

export type ResourceKind =
  | "alb"
  | "rds"
  | "cache"
  | "queue"
  | "function"
  | "bucket"
  | "ecs"
  | "ecs_service";

export interface SeriesSpec {
  metricName: string;
  stat: MetricQuery["stat"];
  measure: SeriesMeasure;
  unit?: string;
  minChange: number;
  /**
   * CloudWatch publishes the metric only for periods with a nonzero count, so a period
   * without a datapoint is a zero (once the resource is known to be active).
   */
  sparse?: boolean;
  /** Read per AvailabilityZone (with any target group) when CloudWatch has those series. */
  perZone?: boolean;
  /** Exists only per target group or zone, never for the resource alone. */
  noResourceLevel?: boolean;
  /**
   * The series is this metric divided, period by period, by another metric of the same
   * resource (and dimensions), read with its own statistic: a size per item from the
   * bytes used and the items held, which neither metric shows alone.
   */
  per?: { metricName: string; stat: MetricQuery["stat"] };
}

export interface KindSpec {
  kind: ResourceKind;
  /** What the findings call it. */
  label: string;
  namespace: string;
  /** The dimensions that identify one resource, in order. */
  identity: string[];
  /**
   * Metrics every such resource publishes: discovery lists them to find resources (two
   * where an account may lack the first, e.g. a load balancer without requests yet).
   */
  probe: string[];
  series: SeriesSpec[];
  /** AWS Health's names of the services the resource runs on. */
  healthServices: string[];
  /** What a saturated series of this kind depends on. */
  dependency: "database" | "cache" | "queue" | "compute" | "memory";
}
