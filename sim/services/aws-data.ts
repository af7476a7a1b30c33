import { z } from "zod";

/**
 * The AWS slice of a scenario file: the caller identity STS reports, CloudWatch Logs
 * groups with their lines, CloudWatch metric series, CloudWatch alarms with their state
 * history, and AWS Health events. Times are ISO-8601 strings. Everything but the
 * identity is optional, so a scenario states only the AWS it needs.
 */

const isoTime = z.iso.datetime({ offset: true });

const logGroupSchema = z.object({
  name: z.string().min(1),
  events: z
    .array(
      z.object({
        timestamp: isoTime,
        message: z.string(),
        logStream: z.string().default("app/main/0"),
      }),
    )
    .default([]),
});

const metricSchema = z.object({
  namespace: z.string(),
  metricName: z.string(),
  dimensions: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
  unit: z.string().default("None"),
  /** One value per timestamp; GetMetricData aggregates them into its period. */
  datapoints: z.array(z.object({ timestamp: isoTime, value: z.number() })),
});

const alarmState = z.enum(["OK", "ALARM", "INSUFFICIENT_DATA"]);

/** A CloudWatch metric alarm as DescribeAlarms reports it, with its DescribeAlarmHistory. */
const alarmSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  namespace: z.string().min(1),
  metricName: z.string().min(1),
  dimensions: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
  statistic: z.enum(["Sum", "Average", "Minimum", "Maximum", "SampleCount"]).default("Average"),
  /** An extended statistic (p99) instead of `statistic`. */
  extendedStatistic: z.string().optional(),
  period: z.number().int().positive().default(60),
  evaluationPeriods: z.number().int().positive().default(1),
  datapointsToAlarm: z.number().int().positive().optional(),
  threshold: z.number(),
  comparisonOperator: z
    .enum([
      "GreaterThanOrEqualToThreshold",
      "GreaterThanThreshold",
      "LessThanThreshold",
      "LessThanOrEqualToThreshold",
    ])
    .default("GreaterThanThreshold"),
  unit: z.string().optional(),
  actionsEnabled: z.boolean().default(true),
  state: alarmState.default("OK"),
  stateReason: z.string().default(""),
  stateUpdatedAt: isoTime,
  /** State changes, any order; DescribeAlarmHistory answers them newest first. */
  history: z
    .array(
      z.object({
        timestamp: isoTime,
        oldState: alarmState,
        newState: alarmState,
        reason: z.string().default(""),
      }),
    )
    .default([]),
});

/** One AWS Health event (DescribeEvents), e.g. an EC2 issue in one availability zone. */
const healthEventSchema = z.object({
  arn: z.string().optional(),
  /** The AWS service, as Health names it: EC2, ELASTICLOADBALANCING, RDS, … */
  service: z.string().min(1),
  eventTypeCode: z.string().min(1),
  eventTypeCategory: z
    .enum(["issue", "accountNotification", "scheduledChange", "investigation"])
    .default("issue"),
  /** The event's region; the scenario's region when absent. */
  region: z.string().optional(),
  availabilityZone: z.string().optional(),
  startTime: isoTime,
  endTime: isoTime.optional(),
  lastUpdatedTime: isoTime.optional(),
  statusCode: z.enum(["open", "closed", "upcoming"]).default("open"),
  eventScopeCode: z.enum(["PUBLIC", "ACCOUNT_SPECIFIC", "NONE"]).default("PUBLIC"),
});

export const awsDataSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/, "a 12-digit AWS account id"),
  /**
   * The account prode is configured to expect (AWS_EXPECTED_ACCOUNT_ID); the STS caller's
   * `accountId` when absent. A different value is a world whose credentials belong to
   * another account: the tool inventory must refuse them.
   */
  expectedAccountId: z
    .string()
    .regex(/^\d{12}$/, "a 12-digit AWS account id")
    .optional(),
  region: z.string().default("us-east-1"),
  /** Caller ARN and user id as STS GetCallerIdentity reports them. */
  arn: z.string(),
  userId: z.string(),
  /** Accepted access key ids; when empty any key id is accepted. */
  accessKeyIds: z.array(z.string().min(1)).default([]),
  logGroups: z.array(logGroupSchema).default([]),
  metrics: z.array(metricSchema).default([]),
  /** CloudWatch metric alarms (DescribeAlarms, DescribeAlarmHistory). */
  alarms: z.array(alarmSchema).default([]),
  /**
   * AWS Health (DescribeEvents). `subscribed: false` answers SubscriptionRequiredException,
   * as Health does for accounts without a Business or Enterprise support plan.
   */
  health: z
    .object({
      subscribed: z.boolean().default(true),
      events: z.array(healthEventSchema).default([]),
    })
    .prefault({}),
  /** How many GetQueryResults polls answer `Running` before `Complete`. */
  queryRunningPolls: z.number().int().nonnegative().default(1),
});

export type AwsData = z.infer<typeof awsDataSchema>;
export type AwsDataInput = z.input<typeof awsDataSchema>;
export type AwsMetricData = z.infer<typeof metricSchema>;
export type AwsAlarmData = z.infer<typeof alarmSchema>;
export type AwsHealthEventData = z.infer<typeof healthEventSchema>;
