import type { AwsData } from "./aws-data.ts";

/**
 * AWS Health `DescribeEvents`
 * (https://docs.aws.amazon.com/health/latest/APIReference/API_DescribeEvents.html) over the
 * scenario's `health.events`: filtered by services, regions, availability zones, status
 * codes, categories and start/end/last-updated time ranges, newest `lastUpdatedTime`
 * first, in pages of `maxResults` (10–100, default 10). An account without a Business or
 * Enterprise support plan gets `SubscriptionRequiredException`, as from Health itself.
 */

export class HealthError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface DateRange {
  from?: number;
  to?: number;
}

export interface DescribeEventsInput {
  filter?: {
    eventArns?: string[];
    eventTypeCodes?: string[];
    services?: string[];
    regions?: string[];
    availabilityZones?: string[];
    startTimes?: DateRange[];
    endTimes?: DateRange[];
    lastUpdatedTimes?: DateRange[];
    eventTypeCategories?: string[];
    eventStatusCodes?: string[];
  };
  maxResults?: number;
  nextToken?: string;
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** True when `at` (epoch seconds) lies in any of the ranges, or there are none. */
function inRanges(at: number | undefined, ranges: DateRange[] | undefined): boolean {
  if (!ranges?.length) return true;
  if (at === undefined) return false;
  return ranges.some(
    (r) => (r.from === undefined || at >= r.from) && (r.to === undefined || at <= r.to),
  );
}

const anyOf = (value: string | undefined, allowed: string[] | undefined) =>
  !allowed?.length || (value !== undefined && allowed.includes(value));

export function describeEvents(input: DescribeEventsInput, data: AwsData) {
  if (!data.health.subscribed) {
    throw new HealthError(
      "SubscriptionRequiredException",
      "The AWS Health API requires a Business, Enterprise On-Ramp or Enterprise support plan.",
    );
  }
  const size = input.maxResults ?? 10;
  if (!Number.isInteger(size) || size < 10 || size > 100) {
    throw new HealthError("ValidationException", "maxResults must be between 10 and 100.");
  }
  const f = input.filter ?? {};
  const events = data.health.events.map((e, i) => {
    const region = e.region ?? data.region;
    const updated = e.lastUpdatedTime ?? e.endTime ?? e.startTime;
    return {
      arn:
        e.arn ??
        `arn:aws:health:${region}::event/${e.service}/${e.eventTypeCode}/${e.eventTypeCode}_${i + 1}`,
      service: e.service,
      eventTypeCode: e.eventTypeCode,
      eventTypeCategory: e.eventTypeCategory,
      region,
      ...(e.availabilityZone ? { availabilityZone: e.availabilityZone } : {}),
      startTime: seconds(e.startTime),
      ...(e.endTime ? { endTime: seconds(e.endTime) } : {}),
      lastUpdatedTime: seconds(updated),
      statusCode: e.statusCode,
      eventScopeCode: e.eventScopeCode,
    };
  });
  const matching = events
    .filter(
      (e) =>
        anyOf(e.arn, f.eventArns) &&
        anyOf(e.eventTypeCode, f.eventTypeCodes) &&
        anyOf(e.service, f.services) &&
        anyOf(e.region, f.regions) &&
        anyOf(e.availabilityZone, f.availabilityZones) &&
        anyOf(e.eventTypeCategory, f.eventTypeCategories) &&
        anyOf(e.statusCode, f.eventStatusCodes) &&
        inRanges(e.startTime, f.startTimes) &&
        inRanges(e.endTime, f.endTimes) &&
        inRanges(e.lastUpdatedTime, f.lastUpdatedTimes),
    )
    .sort((a, b) => b.lastUpdatedTime - a.lastUpdatedTime);
  const offset = input.nextToken ? Number.parseInt(input.nextToken, 36) : 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > matching.length) {
    throw new HealthError("InvalidPaginationToken", "The pagination token is not valid.");
  }
  const next = offset + size < matching.length ? (offset + size).toString(36) : undefined;
  return { events: matching.slice(offset, offset + size), ...(next ? { nextToken: next } : {}) };
}
