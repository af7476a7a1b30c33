import type { AwsReadings } from "./checks.ts";
import type { LogsInput } from "./collect-logs.ts";
import { type Assessed, assessAll } from "./emit.ts";
import { planReads, readPlanned, type SeriesRead } from "./reads.ts";
import { bucketsNamedIn } from "./relations.ts";
import { MAX_PER_KIND, type Resource } from "./resources.ts";

/**
 * The buckets the service's own error lines name, read once the logs are in (collect.ts):
 * their request metrics say whether the storage failed the calls (its own 5xx) or was
 * sent more of them. No resource name ties a bucket to the service that writes to it.
 */
export async function readNamedBuckets(
  input: LogsInput,
  readings: AwsReadings,
  read: { resources: Resource[]; account: Resource[] },
  seriesImpact: number,
): Promise<{ resources: Resource[]; assessed: Assessed[] }> {
  const named = readings.errorLogs.flatMap((l) => l.summary.buckets);
  const have = new Set(read.resources.map((r) => `${r.kind}:${r.id}`));
  const buckets = bucketsNamedIn(named, read.account)
    .filter((r) => !have.has(`${r.kind}:${r.id}`))
    .slice(0, MAX_PER_KIND);
  if (buckets.length === 0 || input.aborted()) return { resources: [], assessed: [] };
  const reads: SeriesRead[] = [];
  await input.run(
    buckets.flatMap((r) =>
      planReads(r, undefined).map((plan) => ({
        what: `${plan.spec.metricName} of bucket ${r.id}`,
        confidenceImpact: seriesImpact,
        run: async () => {
          reads.push(await readPlanned(input.ctx, r, plan));
        },
      })),
    ),
  );
  return { resources: buckets, assessed: assessAll(reads, input.ctx.now) };
}
