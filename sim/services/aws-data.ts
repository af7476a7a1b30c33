import { z } from "zod";

/**
 * The AWS slice of a scenario file: the caller identity STS reports, CloudWatch Logs
 * groups with their lines, and CloudWatch metric series. Times are ISO-8601 strings.
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

export const awsDataSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/, "a 12-digit AWS account id"),
  region: z.string().default("us-east-1"),
  /** Caller ARN and user id as STS GetCallerIdentity reports them. */
  arn: z.string(),
  userId: z.string(),
  /** Accepted access key ids; when empty any key id is accepted. */
  accessKeyIds: z.array(z.string().min(1)).default([]),
  logGroups: z.array(logGroupSchema).default([]),
  metrics: z.array(metricSchema).default([]),
  /** How many GetQueryResults polls answer `Running` before `Complete`. */
  queryRunningPolls: z.number().int().nonnegative().default(1),
});

export type AwsData = z.infer<typeof awsDataSchema>;
export type AwsDataInput = z.input<typeof awsDataSchema>;
export type AwsMetricData = z.infer<typeof metricSchema>;
