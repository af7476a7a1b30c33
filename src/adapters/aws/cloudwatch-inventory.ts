import {
  type CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandOutput,
  ListMetricsCommand,
  type ListMetricsCommandOutput,
} from "@aws-sdk/client-cloudwatch";
import {
  type CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  type DescribeLogGroupsCommandOutput,
} from "@aws-sdk/client-cloudwatch-logs";
import type {
  AlarmState,
  AlarmStateChange,
  MetricAlarm,
  MetricDescriptor,
  MetricListQuery,
} from "../../../specialists/tools.ts";
import { awsErrorToAppError } from "./errors.ts";

/**
 * What exists in CloudWatch, for discovery: ListMetrics, DescribeAlarms,
 * DescribeAlarmHistory and DescribeLogGroups, each paged up to a bound so a large account
 * cannot keep a triage reading lists. All four are reads.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html
 */

/** ListMetrics answers 500 per page: 2 000 metrics per query is plenty for one service. */
const MAX_LIST_PAGES = 4;
/** DescribeAlarms: 100 per page, 300 alarms at most. */
const MAX_ALARM_PAGES = 3;
/** Log groups: 50 per page, 100 at most. */
const MAX_LOG_GROUP_PAGES = 2;
/** State changes of one alarm: the newest 100 are more than a triage window holds. */
const MAX_HISTORY_ITEMS = 100;

const STATES = new Set<string>(["OK", "ALARM", "INSUFFICIENT_DATA"]);
const asState = (value: unknown): AlarmState | undefined =>
  typeof value === "string" && STATES.has(value) ? (value as AlarmState) : undefined;

const toDimensions = (dims: { Name?: string; Value?: string }[] | undefined) =>
  Object.fromEntries(
    (dims ?? []).filter((d) => d.Name && d.Value !== undefined).map((d) => [d.Name!, d.Value!]),
  );

export async function listMetrics(
  client: CloudWatchClient,
  query: MetricListQuery,
): Promise<MetricDescriptor[]> {
  const found: MetricDescriptor[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    let out: ListMetricsCommandOutput;
    try {
      out = await client.send(
        new ListMetricsCommand({
          ...(query.namespace ? { Namespace: query.namespace } : {}),
          ...(query.metricName ? { MetricName: query.metricName } : {}),
          ...(query.dimensions?.length
            ? {
                Dimensions: query.dimensions.map((d) =>
                  d.value === undefined ? { Name: d.name } : { Name: d.name, Value: d.value },
                ),
              }
            : {}),
          ...(query.recentlyActive ? { RecentlyActive: "PT3H" as const } : {}),
          NextToken: nextToken,
        }),
      );
    } catch (error) {
      throw awsErrorToAppError(error, "CloudWatch ListMetrics");
    }
    for (const m of out.Metrics ?? []) {
      if (!m.Namespace || !m.MetricName) continue;
      found.push({
        namespace: m.Namespace,
        metricName: m.MetricName,
        dimensions: toDimensions(m.Dimensions),
      });
    }
    nextToken = out.NextToken;
    if (!nextToken) break;
  }
  return found;
}

export async function describeAlarms(
  client: CloudWatchClient,
  input: { state?: AlarmState; names?: string[] },
): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_ALARM_PAGES; page++) {
    let out: DescribeAlarmsCommandOutput;
    try {
      out = await client.send(
        new DescribeAlarmsCommand({
          ...(input.state ? { StateValue: input.state } : {}),
          ...(input.names?.length ? { AlarmNames: input.names.slice(0, 100) } : {}),
          AlarmTypes: ["MetricAlarm"],
          MaxRecords: 100,
          NextToken: nextToken,
        }),
      );
    } catch (error) {
      throw awsErrorToAppError(error, "CloudWatch DescribeAlarms");
    }
    for (const a of out.MetricAlarms ?? []) {
      const state = asState(a.StateValue);
      // Metric-math alarms have no single metric to read again: they are left out.
      if (!a.AlarmName || !state || !a.Namespace || !a.MetricName) continue;
      const statistic = a.ExtendedStatistic ?? a.Statistic;
      alarms.push({
        name: a.AlarmName,
        state,
        stateReason: a.StateReason ?? "",
        stateUpdatedAt: (a.StateUpdatedTimestamp ?? new Date(0)).toISOString(),
        namespace: a.Namespace,
        metricName: a.MetricName,
        dimensions: toDimensions(a.Dimensions),
        ...(statistic ? { statistic } : {}),
        ...(a.Threshold !== undefined ? { threshold: a.Threshold } : {}),
        ...(a.ComparisonOperator ? { comparisonOperator: a.ComparisonOperator } : {}),
        ...(a.Period ? { periodSeconds: a.Period } : {}),
        ...(a.EvaluationPeriods ? { evaluationPeriods: a.EvaluationPeriods } : {}),
      });
    }
    nextToken = out.NextToken;
    if (!nextToken) break;
  }
  return alarms;
}

/** The states a StateUpdate item's HistoryData names; absent when it is not JSON. */
function statesOf(data: string | undefined): { from?: AlarmState; to?: AlarmState } {
  try {
    const parsed = JSON.parse(data ?? "") as {
      oldState?: { stateValue?: unknown };
      newState?: { stateValue?: unknown };
    };
    const from = asState(parsed.oldState?.stateValue);
    const to = asState(parsed.newState?.stateValue);
    return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
  } catch {
    return {};
  }
}

export async function describeAlarmHistory(
  client: CloudWatchClient,
  input: { alarmName: string; start: Date; end: Date },
): Promise<AlarmStateChange[]> {
  try {
    const out = await client.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: input.alarmName,
        HistoryItemType: "StateUpdate",
        StartDate: input.start,
        EndDate: input.end,
        MaxRecords: MAX_HISTORY_ITEMS,
        ScanBy: "TimestampDescending",
      }),
    );
    return (out.AlarmHistoryItems ?? [])
      .filter((h) => h.Timestamp !== undefined)
      .map((h) => ({
        alarmName: h.AlarmName ?? input.alarmName,
        at: h.Timestamp!.toISOString(),
        ...statesOf(h.HistoryData),
        summary: h.HistorySummary ?? "",
      }));
  } catch (error) {
    throw awsErrorToAppError(error, "CloudWatch DescribeAlarmHistory");
  }
}

export async function listLogGroups(
  client: CloudWatchLogsClient,
  pattern: string,
): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_LOG_GROUP_PAGES; page++) {
    let out: DescribeLogGroupsCommandOutput;
    try {
      out = await client.send(
        new DescribeLogGroupsCommand({ logGroupNamePattern: pattern, nextToken }),
      );
    } catch (error) {
      throw awsErrorToAppError(error, "CloudWatch Logs DescribeLogGroups");
    }
    for (const g of out.logGroups ?? []) if (g.logGroupName) names.push(g.logGroupName);
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  return names;
}
