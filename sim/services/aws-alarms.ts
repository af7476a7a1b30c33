import type { AwsAlarmData, AwsData } from "./aws-data.ts";
import { MetricQueryError } from "./aws-metrics.ts";

/**
 * CloudWatch alarms over the scenario's `alarms`:
 * - `DescribeAlarms` (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html):
 *   metric alarms filtered by names, name prefix and state, in pages of `MaxRecords`
 *   (default 50, at most 100); composite alarms are not simulated (always empty).
 * - `DescribeAlarmHistory` (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html):
 *   the `StateUpdate` items of one alarm or all, between StartDate and EndDate, newest
 *   first unless `ScanBy` says otherwise, with CloudWatch's HistorySummary and the JSON
 *   HistoryData string.
 * Timestamps are epoch seconds, as the JSON protocol carries them.
 */

export interface DescribeAlarmsInput {
  AlarmNames?: string[];
  AlarmNamePrefix?: string;
  AlarmTypes?: string[];
  StateValue?: string;
  MaxRecords?: number;
  NextToken?: string;
}

export interface DescribeAlarmHistoryInput {
  AlarmName?: string;
  AlarmTypes?: string[];
  HistoryItemType?: string;
  StartDate?: number;
  EndDate?: number;
  MaxRecords?: number;
  NextToken?: string;
  ScanBy?: "TimestampDescending" | "TimestampAscending";
}

const STATES = new Set(["OK", "ALARM", "INSUFFICIENT_DATA"]);
const HISTORY_TYPES = new Set([
  "ConfigurationUpdate",
  "StateUpdate",
  "Action",
  "AlarmContributorStateUpdate",
  "AlarmContributorAction",
]);
const seconds = (iso: string) => Date.parse(iso) / 1000;

function pageOf<T>(items: T[], token: string | undefined, size: number) {
  const offset = token ? Number.parseInt(token, 36) : 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > items.length) {
    throw new MetricQueryError("InvalidNextToken", "The NextToken is not valid.");
  }
  const next = offset + size < items.length ? (offset + size).toString(36) : undefined;
  return { page: items.slice(offset, offset + size), next };
}

function maxRecords(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw new MetricQueryError(
      "InvalidParameterValue",
      "The parameter MaxRecords must be between 1 and 100.",
    );
  }
  return value;
}

const alarmArn = (data: AwsData, name: string) =>
  `arn:aws:cloudwatch:${data.region}:${data.accountId}:alarm:${name}`;

function metricAlarm(data: AwsData, alarm: AwsAlarmData) {
  return {
    AlarmName: alarm.name,
    AlarmArn: alarmArn(data, alarm.name),
    ...(alarm.description ? { AlarmDescription: alarm.description } : {}),
    AlarmConfigurationUpdatedTimestamp: seconds(alarm.stateUpdatedAt),
    ActionsEnabled: alarm.actionsEnabled,
    OKActions: [],
    AlarmActions: [],
    InsufficientDataActions: [],
    StateValue: alarm.state,
    StateReason: alarm.stateReason,
    StateUpdatedTimestamp: seconds(alarm.stateUpdatedAt),
    StateTransitionedTimestamp: seconds(alarm.stateUpdatedAt),
    MetricName: alarm.metricName,
    Namespace: alarm.namespace,
    ...(alarm.extendedStatistic
      ? { ExtendedStatistic: alarm.extendedStatistic }
      : { Statistic: alarm.statistic }),
    Dimensions: alarm.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
    Period: alarm.period,
    ...(alarm.unit ? { Unit: alarm.unit } : {}),
    EvaluationPeriods: alarm.evaluationPeriods,
    ...(alarm.datapointsToAlarm ? { DatapointsToAlarm: alarm.datapointsToAlarm } : {}),
    Threshold: alarm.threshold,
    ComparisonOperator: alarm.comparisonOperator,
    TreatMissingData: "missing",
  };
}

export function describeAlarms(input: DescribeAlarmsInput, data: AwsData) {
  if (input.StateValue !== undefined && !STATES.has(input.StateValue)) {
    throw new MetricQueryError(
      "InvalidParameterValue",
      `The value ${input.StateValue} for parameter StateValue is not valid.`,
    );
  }
  if ((input.AlarmNames?.length ?? 0) > 100) {
    throw new MetricQueryError("InvalidParameterValue", "At most 100 AlarmNames may be given.");
  }
  const size = maxRecords(input.MaxRecords, 50);
  const wantsMetric = !input.AlarmTypes || input.AlarmTypes.includes("MetricAlarm");
  const matching = wantsMetric
    ? data.alarms.filter(
        (a) =>
          (!input.AlarmNames?.length || input.AlarmNames.includes(a.name)) &&
          (!input.AlarmNamePrefix || a.name.startsWith(input.AlarmNamePrefix)) &&
          (!input.StateValue || a.state === input.StateValue),
      )
    : [];
  const sorted = [...matching].sort((a, b) => a.name.localeCompare(b.name));
  const { page, next } = pageOf(sorted, input.NextToken, size);
  return {
    MetricAlarms: page.map((a) => metricAlarm(data, a)),
    CompositeAlarms: [],
    ...(next ? { NextToken: next } : {}),
  };
}

export function describeAlarmHistory(input: DescribeAlarmHistoryInput, data: AwsData) {
  if (input.HistoryItemType !== undefined && !HISTORY_TYPES.has(input.HistoryItemType)) {
    throw new MetricQueryError(
      "InvalidParameterValue",
      `The value ${input.HistoryItemType} for parameter HistoryItemType is not valid.`,
    );
  }
  const size = maxRecords(input.MaxRecords, 100);
  const from = input.StartDate !== undefined ? input.StartDate * 1000 : Number.NEGATIVE_INFINITY;
  const to = input.EndDate !== undefined ? input.EndDate * 1000 : Number.POSITIVE_INFINITY;
  // Only state changes are simulated; any other item type has no items.
  const wantsState = !input.HistoryItemType || input.HistoryItemType === "StateUpdate";
  const wantsMetric = !input.AlarmTypes || input.AlarmTypes.includes("MetricAlarm");
  const items = data.alarms
    .filter((a) => wantsState && wantsMetric && (!input.AlarmName || a.name === input.AlarmName))
    .flatMap((a) => a.history.map((h) => ({ alarm: a.name, ...h })))
    .filter((h) => {
      const at = Date.parse(h.timestamp);
      return at >= from && at <= to;
    })
    .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp));
  if (input.ScanBy === "TimestampAscending") items.reverse();
  const { page, next } = pageOf(items, input.NextToken, size);
  return {
    AlarmHistoryItems: page.map((h) => ({
      AlarmName: h.alarm,
      AlarmType: "MetricAlarm",
      Timestamp: seconds(h.timestamp),
      HistoryItemType: "StateUpdate",
      HistorySummary: `Alarm updated from ${h.oldState} to ${h.newState}`,
      HistoryData: JSON.stringify({
        version: "1.0",
        oldState: { stateValue: h.oldState },
        newState: { stateValue: h.newState, stateReason: h.reason },
      }),
    })),
    ...(next ? { NextToken: next } : {}),
  };
}
