import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
} from "@aws-sdk/client-cloudwatch";
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  type GetQueryResultsCommandOutput,
  StartQueryCommand,
  StopQueryCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import type { CloudWatchReader, MetricQuery, MetricSeries } from "../../../specialists/tools.ts";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import { defaultRedactor, type Redactor } from "../../safety/redact.ts";
import { type AwsConnection, awsClientConfig, traced } from "./client-config.ts";
import {
  describeAlarmHistory,
  describeAlarms,
  listLogGroups,
  listMetrics,
} from "./cloudwatch-inventory.ts";
import { awsErrorToAppError } from "./errors.ts";
import { createHealthReader } from "./health.ts";

/**
 * The read-only CloudWatch capability (specialists/tools.ts) over the v3 SDK: metric
 * series through GetMetricData; what exists through ListMetrics, DescribeAlarms,
 * DescribeAlarmHistory and DescribeLogGroups (cloudwatch-inventory.ts); AWS Health events
 * (health.ts); and Logs Insights queries through StartQuery, polling
 * GetQueryResults until the query completes or the deadline passes (then the query is
 * stopped, best effort, so it does not keep scanning on our bill).
 *
 * Log rows leave the adapter truncated per field and redacted: a log line can hold a
 * token or an e-mail address, and specialists must never see more than they may cite.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetQueryResults.html
 */
export interface CloudWatchReaderOptions extends AwsConnection {
  /** How long one Logs Insights query may run, polls included. Default 20 000 ms. */
  queryDeadlineMs?: number;
  /** First pause between GetQueryResults polls; it doubles up to 1 s. Default 250 ms. */
  pollIntervalMs?: number;
  /** Characters kept per log field. Default 1 000. */
  maxFieldChars?: number;
  redactor?: Redactor;
}

/** GetMetricData pages at 100 800 datapoints; a triage window needs one or two pages. */
const MAX_METRIC_PAGES = 5;
/** Logs Insights returns at most 10 000 rows. */
const MAX_LOG_ROWS = 10_000;
const MAX_POLL_INTERVAL_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Truncates one field's value, saying how much was cut. */
export function truncateField(value: string, maxChars: number): string {
  if (value.length <= maxChars) return value;
  return `${value.slice(0, maxChars)}…[${value.length - maxChars} chars truncated]`;
}

function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function dimensionsOf(query: MetricQuery) {
  return Object.entries(query.dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Name, Value]) => ({ Name, Value }));
}

/** The reader specialists get, plus `close` for the composition root's shutdown. */
export interface CloudWatchReaderHandle extends CloudWatchReader {
  /** Releases the SDK clients' sockets. */
  close(): void;
}

export function createCloudWatchReader(options: CloudWatchReaderOptions): CloudWatchReaderHandle {
  const config = awsClientConfig(options);
  const metrics = traced(new CloudWatchClient(config));
  const logs = traced(new CloudWatchLogsClient(config));
  const health = createHealthReader(options);
  const queryDeadlineMs = options.queryDeadlineMs ?? 20_000;
  const firstPollMs = options.pollIntervalMs ?? 250;
  const maxFieldChars = options.maxFieldChars ?? 1_000;
  const redactor = options.redactor ?? defaultRedactor;

  async function getMetricSeries(query: MetricQuery): Promise<MetricSeries> {
    if (query.end.getTime() <= query.start.getTime()) {
      throw new AppError(ErrorCode.BadInput, "metric query end must be after its start");
    }
    const points = new Map<number, number>();
    let label = query.metricName;
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_METRIC_PAGES; page++) {
      let out: GetMetricDataCommandOutput;
      try {
        out = await metrics.send(
          new GetMetricDataCommand({
            StartTime: query.start,
            EndTime: query.end,
            ScanBy: "TimestampAscending",
            NextToken: nextToken,
            MetricDataQueries: [
              {
                Id: "m0",
                ReturnData: true,
                MetricStat: {
                  Metric: {
                    Namespace: query.namespace,
                    MetricName: query.metricName,
                    Dimensions: dimensionsOf(query),
                  },
                  Period: query.periodSeconds,
                  Stat: query.stat,
                },
              },
            ],
          }),
        );
      } catch (error) {
        throw awsErrorToAppError(error, "CloudWatch GetMetricData");
      }
      const result = out.MetricDataResults?.[0];
      if (result?.Label) label = result.Label;
      const timestamps = result?.Timestamps ?? [];
      const values = result?.Values ?? [];
      timestamps.forEach((t, i) => {
        const value = values[i];
        if (value !== undefined) points.set(new Date(t).getTime(), value);
      });
      nextToken = out.NextToken;
      if (!nextToken) break;
    }
    const times = [...points.keys()].sort((a, b) => a - b);
    return {
      label,
      timestamps: times.map((t) => new Date(t).toISOString()),
      values: times.map((t) => points.get(t)!),
    };
  }

  async function stopQuietly(queryId: string): Promise<void> {
    try {
      await logs.send(new StopQueryCommand({ queryId }));
    } catch {
      // Already finished, or the service is unreachable: nothing more we can do.
    }
  }

  async function queryLogs(input: {
    logGroupNames: string[];
    query: string;
    start: Date;
    end: Date;
    limit: number;
  }): Promise<Record<string, string>[]> {
    if (input.logGroupNames.length === 0) {
      throw new AppError(ErrorCode.BadInput, "a Logs Insights query needs at least one log group");
    }
    const limit = Math.min(MAX_LOG_ROWS, Math.max(1, Math.trunc(input.limit)));
    const deadline = Date.now() + queryDeadlineMs;
    let queryId: string | undefined;
    try {
      const started = await logs.send(
        new StartQueryCommand({
          logGroupNames: input.logGroupNames,
          startTime: epochSeconds(input.start),
          endTime: epochSeconds(input.end),
          queryString: input.query,
          limit,
        }),
      );
      queryId = started.queryId;
    } catch (error) {
      throw awsErrorToAppError(error, "CloudWatch Logs StartQuery");
    }
    if (!queryId) {
      throw new AppError(ErrorCode.UpstreamRejected, "CloudWatch Logs StartQuery returned no id");
    }
    let pause = firstPollMs;
    let result: GetQueryResultsCommandOutput;
    for (;;) {
      try {
        result = await logs.send(new GetQueryResultsCommand({ queryId }));
      } catch (error) {
        await stopQuietly(queryId);
        throw awsErrorToAppError(error, "CloudWatch Logs GetQueryResults");
      }
      const status = result.status ?? "Unknown";
      if (status === "Complete") break;
      if (status !== "Running" && status !== "Scheduled") {
        // Failed, Cancelled, Timeout (the service's own 60-minute limit) or Unknown.
        throw new AppError(
          ErrorCode.UpstreamUnavailable,
          `CloudWatch Logs query ${queryId} ended ${status}`,
          { retryable: status !== "Cancelled" },
        );
      }
      if (Date.now() + pause > deadline) {
        await stopQuietly(queryId);
        throw new AppError(
          ErrorCode.Timeout,
          `CloudWatch Logs query did not complete within ${queryDeadlineMs} ms`,
          { retryable: true },
        );
      }
      await sleep(pause);
      pause = Math.min(MAX_POLL_INTERVAL_MS, pause * 2);
    }
    return (result.results ?? []).slice(0, limit).map((cells) => {
      const row: Record<string, string> = {};
      for (const cell of cells) {
        // @ptr addresses the raw event for GetLogRecord: never useful to a specialist.
        if (!cell.field || cell.field === "@ptr") continue;
        // Redact, then cut: a key cut first no longer matches its rule (probe F2).
        row[cell.field] = truncateField(redactor.redact(cell.value ?? "").text, maxFieldChars);
      }
      return row;
    });
  }

  return {
    getMetricSeries,
    queryLogs,
    listMetrics: (query) => listMetrics(metrics, query),
    describeAlarms: (input) => describeAlarms(metrics, input),
    describeAlarmHistory: (input) => describeAlarmHistory(metrics, input),
    listLogGroups: (pattern) => listLogGroups(logs, pattern),
    describeHealthEvents: (input) => health.describeHealthEvents(input),
    close() {
      metrics.destroy();
      logs.destroy();
      health.close();
    },
  };
}
