import type { Check, SourceRef } from "../shared/collector.ts";
import type { ProviderHealthEvent } from "../tools.ts";
import { HISTORY_MINUTES } from "./alarms.ts";
import type { AwsReadings, CheckContext } from "./checks.ts";
import { checkConnectionRefusals, checkErrorLogs, checkInfraEvents } from "./log-checks.ts";
import type { Resource } from "./resources.ts";
import type { ResolvedTargets } from "./targets.ts";

/**
 * The log and Health chains of a run's reads (collect.ts): the service's application log
 * groups and their error lines, the event log groups of its ECS clusters, failovers and
 * maintenance on its databases and caches, the connections a database refused, and AWS
 * Health. Each read is a check under the run's deadline.
 */

/** What these chains need of the run's input (collect.ts `CollectInput`). */
export interface LogsInput {
  ctx: CheckContext;
  targets: ResolvedTargets;
  service: string | undefined;
  run: (checks: Check[]) => Promise<unknown>;
  aborted: () => boolean;
}

/** AWS Health's events, with the source they are cited by. */
export interface HealthRead {
  ref: SourceRef;
  events: ProviderHealthEvent[];
}

const HEALTH_IMPACT = 3;
const MAX_LOG_GROUPS = 3;
/** Log groups holding ECS service events and scaling activity, not application lines. */
const EVENT_LOG_GROUP = /^\/aws\/(?:events|autoscaling|application-autoscaling)\//;
const MINUTE = 60_000;

/** The logs chain: the service's log groups (listed, else named), then their error lines. */
export async function readLogs(input: LogsInput, readings: AwsReadings): Promise<void> {
  const { ctx, targets, service, run } = input;
  let listed: string[] | undefined;
  if (service) {
    await run([
      {
        what: `log groups of ${service}`,
        confidenceImpact: 0,
        run: async () => {
          listed = await ctx.cloudwatch.listLogGroups(service);
        },
      },
    ]);
  }
  const named = listed ?? (targets.conventionalLogGroup ? [targets.conventionalLogGroup] : []);
  const groups = [...new Set([...targets.logGroups, ...named])]
    .filter((g) => !EVENT_LOG_GROUP.test(g) && !targets.eventLogGroups.includes(g))
    .slice(0, MAX_LOG_GROUPS);
  await run(
    groups.map((group) => ({
      what: `error logs of ${group}`,
      confidenceImpact: 5,
      run: () => checkErrorLogs(ctx, readings, group),
    })),
  );
}

/** Event log groups: named, and those of the service's ECS clusters. */
export async function eventGroupsOf(input: LogsInput, resources: Resource[]): Promise<string[]> {
  const groups = new Set(input.targets.eventLogGroups);
  const clusters = new Set(
    resources
      .filter((r) => r.kind === "ecs" || r.kind === "ecs_service")
      .map((r) => r.dims.ClusterName!),
  );
  await input.run(
    [...clusters].map((cluster) => ({
      what: `event log groups of cluster ${cluster}`,
      confidenceImpact: 0,
      run: async () => {
        for (const g of await input.ctx.cloudwatch.listLogGroups(cluster)) {
          if (EVENT_LOG_GROUP.test(g)) groups.add(g);
        }
      },
    })),
  );
  return [...groups].slice(0, MAX_LOG_GROUPS);
}

/** Resource kinds whose infrastructure the provider changes under us (failover, node replacement). */
const MANAGED_KINDS = new Set(["rds", "cache"]);
const EVENTS_PREFIX = "/aws/events/";
const MAX_EVENT_GROUPS = 5;

/** Failovers, node replacements and maintenance on our databases and caches, from event log groups. */
export async function readInfraEvents(
  input: LogsInput,
  readings: AwsReadings,
  resources: Resource[],
): Promise<void> {
  const managed = resources.filter((r) => MANAGED_KINDS.has(r.kind));
  if (managed.length === 0 || input.aborted()) return;
  const names = [...new Set(managed.flatMap((r) => Object.values(r.dims)))];
  const groups = new Set(input.targets.eventLogGroups);
  await input.run([
    {
      what: "event log groups (failovers, node replacements, maintenance)",
      confidenceImpact: 0,
      run: async () => {
        for (const g of await input.ctx.cloudwatch.listLogGroups(EVENTS_PREFIX)) {
          if (g.startsWith(EVENTS_PREFIX)) groups.add(g);
        }
      },
    },
  ]);
  await input.run(
    [...groups].slice(0, MAX_EVENT_GROUPS).map((group) => ({
      what: `infrastructure events in ${group}`,
      confidenceImpact: 0,
      run: () => checkInfraEvents(input.ctx, readings, group, names),
    })),
  );
}

/** Each database's own log group (`/aws/rds/instance/<id>/…`): connections it refused. */
export async function readDatabaseLogs(
  input: LogsInput,
  readings: AwsReadings,
  resources: Resource[],
): Promise<void> {
  const databases = resources.filter((r) => r.kind === "rds").map((r) => r.id);
  if (databases.length === 0 || input.aborted()) return;
  const groups: { group: string; database: string }[] = [];
  await input.run(
    databases.map((database) => ({
      what: `log groups of database ${database}`,
      confidenceImpact: 0,
      run: async () => {
        for (const g of await input.ctx.cloudwatch.listLogGroups(
          `/aws/rds/instance/${database}/`,
        )) {
          if (g.startsWith(`/aws/rds/instance/${database}/`)) groups.push({ group: g, database });
        }
      },
    })),
  );
  await input.run(
    groups.slice(0, MAX_LOG_GROUPS).map(({ group, database }) => ({
      what: `connection refusals in ${group}`,
      confidenceImpact: 0,
      run: () => checkConnectionRefusals(input.ctx, readings, group, database),
    })),
  );
}

export async function readHealth(input: LogsInput): Promise<HealthRead | undefined> {
  const { ctx } = input;
  let health: HealthRead | undefined;
  await input.run([
    {
      what: "AWS Health events",
      confidenceImpact: HEALTH_IMPACT,
      run: async () => {
        const events = await ctx.cloudwatch.describeHealthEvents({
          start: new Date(ctx.now.getTime() - HISTORY_MINUTES * MINUTE),
          end: ctx.now,
        });
        const ref = ctx.ev.source({
          kind: "aws_health",
          ref: "aws_health:events",
          fetchedAt: ctx.clock(),
        });
        health = { ref, events };
      },
    },
  ]);
  return health;
}
