import {
  DescribeEventsCommand,
  type DescribeEventsCommandOutput,
  HealthClient,
} from "@aws-sdk/client-health";
import type { ProviderHealthEvent } from "../../../specialists/tools.ts";
import { type AwsConnection, awsClientConfig, traced } from "./client-config.ts";
import { awsErrorToAppError } from "./errors.ts";

/**
 * AWS Health `DescribeEvents`: the provider's own incidents (an AZ's EC2 issue, a
 * regional load-balancer degradation) in our region, read-only. Health has one global
 * endpoint in us-east-1, whatever region the account runs in, so the client is built for
 * us-east-1 and filters on the connection's region. Accounts without a Business or
 * Enterprise support plan get SubscriptionRequiredException: the caller records a gap.
 * https://docs.aws.amazon.com/health/latest/APIReference/API_DescribeEvents.html
 */

const HEALTH_REGION = "us-east-1";
/** 100 per page, 200 events at most: more than a region has open at once. */
const MAX_PAGES = 2;
const STATUS = new Set(["open", "closed", "upcoming"]);
const LOOKBACK_MS = 7 * 24 * 3_600_000;

export interface HealthReaderHandle {
  describeHealthEvents(input: { start: Date; end: Date }): Promise<ProviderHealthEvent[]>;
  close(): void;
}

export function createHealthReader(connection: AwsConnection): HealthReaderHandle {
  const client = traced(
    new HealthClient(awsClientConfig({ ...connection, region: HEALTH_REGION })),
  );
  const regions = [connection.region, "global"];

  async function describeHealthEvents(input: {
    start: Date;
    end: Date;
  }): Promise<ProviderHealthEvent[]> {
    const events: ProviderHealthEvent[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let out: DescribeEventsCommandOutput;
      try {
        out = await client.send(
          new DescribeEventsCommand({
            filter: {
              regions,
              eventTypeCategories: ["issue"],
              // Open events are updated as they go; a week bounds the closed ones listed.
              lastUpdatedTimes: [{ from: new Date(input.start.getTime() - LOOKBACK_MS) }],
            },
            maxResults: 100,
            nextToken,
          }),
        );
      } catch (error) {
        throw awsErrorToAppError(error, "AWS Health DescribeEvents");
      }
      for (const e of out.events ?? []) {
        if (!e.service || !e.eventTypeCode || !e.startTime) continue;
        const status = STATUS.has(e.statusCode ?? "") ? e.statusCode! : "open";
        // Started by the end of the window, and open or ended within it.
        if (e.startTime.getTime() > input.end.getTime()) continue;
        if (status === "closed" && e.endTime && e.endTime.getTime() < input.start.getTime())
          continue;
        events.push({
          service: e.service,
          eventTypeCode: e.eventTypeCode,
          category: e.eventTypeCategory ?? "issue",
          region: e.region ?? connection.region,
          ...(e.availabilityZone ? { availabilityZone: e.availabilityZone } : {}),
          startTime: e.startTime.toISOString(),
          ...(e.endTime ? { endTime: e.endTime.toISOString() } : {}),
          status: status as ProviderHealthEvent["status"],
        });
      }
      nextToken = out.nextToken;
      if (!nextToken) break;
    }
    return events;
  }

  return { describeHealthEvents, close: () => client.destroy() };
}
