import type { Check } from "../shared/collector.ts";
import type { MetricAlarm, MetricDescriptor } from "../tools.ts";
import { alarmHistoryCheck, alarmsWatching, reportAlarms } from "./alarms.ts";
import { type AwsReadings, checkErrorRate, checkQueue, checkTasks } from "./checks.ts";
import { readNamedBuckets } from "./collect-buckets.ts";
import {
  eventGroupsOf,
  type HealthRead,
  type LogsInput,
  readDatabaseLogs,
  readHealth,
  readInfraEvents,
  readLogs,
} from "./collect-logs.ts";
import { type Assessed, assessAll } from "./emit.ts";
import { type Leak, leakEventsSince, withLeaks, zoomCandidates, zoomChecks } from "./leak.ts";
import { checkCapacityEvents } from "./log-checks.ts";
import { kindSpec } from "./measures.ts";
import {
  alarmResource,
  type Discovery,
  discover,
  inventory,
  pairDeadLetters,
  planReads,
  readPlanned,
  relevantAlarms,
  type SeriesRead,
} from "./reads.ts";
import { computeService, relatedResources } from "./relations.ts";
import {
  declaredNames,
  declaredResources,
  mergeResources,
  type Resource,
  resourceOf,
} from "./resources.ts";
import { adoptMoved, scanCandidates } from "./scan.ts";

/**
 * One run's reads, in three chains that run side by side so a slow API delays only its
 * own chain: (1) metrics — discovery and alarms, then each resource's inventory, then its
 * series and the classic checks; (2) logs — the service's log groups, then their error
 * lines; (3) AWS Health. When capacity looks short or tasks drop, the ECS and scaling
 * events of the service's cluster are read last. Every read is a check under the run's
 * deadline: a failure is a gap costing what the constants below say.
 */

/** Confidence cost of the 5xx rate when the ticket is about HTTP failures. */
const MISSING_5XX_IMPACT = 15;
/** Discovery failed outright: resources the ticket does not name go unread. */
const DISCOVERY_IMPACT = 10;
/** One series beyond the classic checks: a partial view of one resource. */
export const SERIES_IMPACT = 2;
/** Alarms say what the account already knows is wrong (Health's cost: collect-logs.ts). */
const ALARMS_IMPACT = 3;

export interface Collected {
  readings: AwsReadings;
  resources: Resource[];
  assessed: Assessed[];
  deadLetters: Assessed[];
  /** Every alarm read (the account's in ALARM and the ticket's), and the names of ours. */
  alarms: MetricAlarm[];
  ourAlarms: string[];
  health?: HealthRead;
  /** The service the account scan found moving, when nothing named one (scan.ts). */
  scanned?: { service: string; resources: string[] };
  /** Groups of scanned resources that all moved: none is adopted (scan.ts), a gap names them. */
  ambiguous?: string[];
  /** The service the resources read name when the run had none (a queue's consumer, a scan). */
  found?: string;
  /** Memory series whose zoomed read is a sawtooth: tasks killed at the limit (leak.ts). */
  leaks: Leak[];
}

export interface CollectInput extends LogsInput {
  /** Alarm names the ticket links (the alarm e-mail's subject). */
  ticketAlarms: ReadonlySet<string>;
  defaultThreshold: number;
  /** The ticket's title and description: ranks the account scan's resources, never selects one. */
  ticketText: string;
}

/** Which resources: declared, discovered, and those an alarm that concerns us watches. */
async function findResources(input: CollectInput) {
  const { ctx, targets, service, run } = input;
  const declared = declaredNames(targets);
  let discovery: Discovery | undefined;
  let alarms: MetricAlarm[] = [];
  let named: MetricAlarm[] = [];
  await run([
    {
      what: "AWS resource discovery (CloudWatch ListMetrics)",
      confidenceImpact: DISCOVERY_IMPACT,
      run: async () => {
        discovery = await discover(ctx, service, declared);
        if (discovery.failedKinds.length) {
          ctx.ev.gap({
            what: `resource discovery incomplete: ListMetrics failed for ${discovery.failedKinds.join(", ")}`,
            confidenceImpact: SERIES_IMPACT,
          });
        }
      },
    },
    {
      what: "CloudWatch alarms in ALARM",
      confidenceImpact: ALARMS_IMPACT,
      run: async () => {
        alarms = [...alarms, ...(await ctx.cloudwatch.describeAlarms({ state: "ALARM" }))];
      },
    },
    ...(input.ticketAlarms.size > 0
      ? [
          {
            // The ticket's own alarm, in whatever state it is now: its dimensions are structured.
            what: "the alarms the ticket names",
            confidenceImpact: ALARMS_IMPACT,
            run: async () => {
              named = await ctx.cloudwatch.describeAlarms({ names: [...input.ticketAlarms] });
            },
          },
        ]
      : []),
  ]);
  const byName = new Map([...named, ...alarms].map((a) => [a.name, a]));
  alarms = [...byName.values()];
  const discovered = discovery?.resources ?? [];
  const names = new Set([...declared, ...discovered.flatMap((r) => Object.values(r.dims))]);
  const ours = relevantAlarms(alarms, service, names, input.ticketAlarms);
  const fromAlarms = ours.map(alarmResource).filter((r): r is Resource => r !== undefined);
  let resources = pairDeadLetters(
    mergeResources(declaredResources(targets), discovered, fromAlarms),
    discovery?.queueNames ?? [],
  );
  if (discovery && resources.length > 0) {
    resources = pairDeadLetters(
      mergeResources(resources, relatedResources(resources, service, discovery.account)),
      discovery.queueNames,
    );
  }
  if (resources.length === 0 && !service && discovery) {
    // Nothing named a resource: scan the account for what moved (scan.ts).
    resources = pairDeadLetters(
      scanCandidates(discovery.account, input.ticketText),
      discovery.queueNames,
    );
  }
  const others = alarms.filter((a) => a.state === "ALARM" && !ours.includes(a)).length;
  return { resources, ours, others, alarms, account: discovery?.account ?? [] };
}

/** The metrics chain; returns the series read and the resources they belong to. */
async function readMetrics(input: CollectInput, readings: AwsReadings, label: string) {
  const { ctx, targets, run } = input;
  const { resources, ours, others, alarms, account } = await findResources(input);
  // An account scan's alarms are reported once it is known which resources it adopts.
  if (!resources.some((r) => r.origin === "scanned")) reportAlarms(ctx, ours, others, label);

  const listed = new Map<Resource, MetricDescriptor[]>();
  await run(
    resources.map((r) => ({
      what: `metrics of ${kindSpec(r.kind).label} ${r.id} (ListMetrics)`,
      confidenceImpact: 0,
      run: async () => {
        listed.set(r, await inventory(ctx, r));
      },
    })),
  );

  const reads: SeriesRead[] = [];
  const deadLetters: SeriesRead[] = [];
  const checks: Check[] = [];
  const alb = resources.find((r) => r.kind === "alb");
  if (alb) {
    checks.push({
      what: `5xx rate of ${alb.id}`,
      confidenceImpact: targets.httpSymptom ? MISSING_5XX_IMPACT : 5,
      run: () => checkErrorRate(ctx, readings, alb.id),
    });
  } else {
    ctx.ev.gap({
      what: `5xx rate not checked: no load balancer is known or found for ${label}`,
      confidenceImpact: targets.httpSymptom ? MISSING_5XX_IMPACT : 0,
    });
  }
  const agedQueues = new Set<string>();
  for (const q of resources.filter((r) => r.kind === "queue")) {
    // A queue-age verdict needs a threshold: a stated one, or the default for a named queue.
    if (q.thresholdSeconds === undefined && (q.origin === "discovered" || q.origin === "scanned")) {
      continue;
    }
    const threshold = q.thresholdSeconds ?? input.defaultThreshold;
    agedQueues.add(q.id);
    checks.push({
      what: `age of queue ${q.id}`,
      confidenceImpact: 20,
      run: () => checkQueue(ctx, readings, q.id, threshold),
    });
  }
  const ecs = resources.find((r) => r.kind === "ecs");
  if (ecs) {
    const target = { cluster: ecs.dims.ClusterName!, service: ecs.dims.ServiceName! };
    checks.push({
      what: `task health of ${ecs.id}`,
      confidenceImpact: 10,
      run: () => checkTasks(ctx, readings, target),
    });
  }
  for (const r of resources) {
    for (const plan of planReads(r, listed.get(r))) {
      // A series a classic check also reads costs its confidence there, not twice.
      const covered =
        (r === alb && !plan.zone && ["errors_5xx", "requests"].includes(plan.spec.measure)) ||
        (agedQueues.has(r.id) && plan.spec.measure === "queue_age") ||
        (r === ecs && plan.spec.measure === "running_tasks");
      checks.push({
        what: `${plan.spec.metricName} of ${kindSpec(r.kind).label} ${r.id}${plan.zone ? ` in ${plan.zone}` : ""}`,
        confidenceImpact: covered ? 0 : SERIES_IMPACT,
        run: async () => {
          reads.push(await readPlanned(ctx, r, plan));
        },
      });
    }
    if (r.kind === "queue" && r.deadLetterQueue) {
      const queueKind = kindSpec("queue");
      const dlq = resourceOf(queueKind, { QueueName: r.deadLetterQueue }, r.origin)!;
      const depth = queueKind.series.find((s) => s.measure === "queue_depth")!;
      checks.push({
        what: `depth of dead-letter queue ${r.deadLetterQueue}`,
        confidenceImpact: SERIES_IMPACT,
        run: async () => {
          const spec = { ...depth, measure: "dlq_depth" as const };
          deadLetters.push(await readPlanned(ctx, dlq, { spec, dims: dlq.dims }));
        },
      });
    }
  }
  const namedByTicket = (a: MetricAlarm) =>
    input.ticketAlarms.has(a.name) || input.ticketAlarms.has(`alarm:${a.name}`);
  checks.push(...ours.map((a) => alarmHistoryCheck(ctx, a, namedByTicket(a))));
  await run(checks);
  return { resources, reads, deadLetters, alarms, ours: ours.map((a) => a.name), account };
}

/** Running tasks are fewer than desired. */
export const isCapacityShort = (readings: AwsReadings) =>
  readings.tasks !== undefined && readings.tasks.running < readings.tasks.desired;

/** A queue's oldest message is older than its alarm threshold. */
export const isQueueSaturated = (readings: AwsReadings) =>
  readings.queues.some((q) => q.ageSeconds > q.threshold);

type MetricsRead = Awaited<ReturnType<typeof readMetrics>>;

/**
 * After an account scan, the alarms in ALARM on the adopted resources are the service's
 * (with their history, which dates when they fired); the rest are the account's others.
 */
async function reportScanAlarms(input: CollectInput, k: ReturnType<typeof keepAdopted>) {
  const firing = k.m.alarms.filter((a) => a.state === "ALARM");
  const ours = k.scanned ? alarmsWatching(firing, k.m.resources) : [];
  reportAlarms(input.ctx, ours, firing.length - ours.length, k.scanned?.service ?? "unknown");
  await input.run(ours.map((a) => alarmHistoryCheck(input.ctx, a, false)));
  return { ...k, m: { ...k.m, ours: ours.map((a) => a.name) } };
}

/**
 * The change of every series read; memory that fell from its limit is read again over
 * days (leak.ts), and a sawtooth there dates the series' change where its first climb began.
 */
async function assessRead(input: CollectInput, m: MetricsRead) {
  const assessed = assessAll(m.reads, input.ctx.now);
  const deadLetters = assessAll(m.deadLetters, input.ctx.now);
  const leaks: Leak[] = [];
  const candidates = zoomCandidates(assessed);
  if (candidates.length > 0 && !input.aborted()) {
    await input.run(zoomChecks(input.ctx, candidates, leaks));
  }
  return { m, assessed: withLeaks(assessed, leaks), deadLetters, leaks };
}

/**
 * After an account scan, keeps the group of resources that moved and drops every read of
 * the others (their flat series say nothing about this ticket); without one that moved,
 * drops them all.
 */
function keepAdopted(
  readings: AwsReadings,
  { m, assessed, deadLetters, leaks }: Awaited<ReturnType<typeof assessRead>>,
) {
  if (!m.resources.some((r) => r.origin === "scanned")) {
    return { m, assessed, deadLetters, leaks, scanned: undefined };
  }
  const outcome = adoptMoved(m.resources, [...assessed, ...deadLetters]);
  const adoption = outcome && "service" in outcome ? outcome : undefined;
  const kept = new Set(adoption?.resources ?? []);
  const keep = (r: Resource) => kept.has(r);
  const resourceIds = new Set([...kept].map((r) => r.id));
  if (readings.errorRate && ![...kept].some((r) => r.kind === "alb")) delete readings.errorRate;
  if (readings.tasks && ![...kept].some((r) => r.kind === "ecs")) delete readings.tasks;
  readings.queues = readings.queues.filter((q) => resourceIds.has(q.queue));
  return {
    m: { ...m, resources: m.resources.filter(keep) },
    assessed: assessed.filter((a) => keep(a.read.resource)),
    deadLetters: deadLetters.filter((a) => kept.has(a.read.resource)),
    leaks: leaks.filter((l) => kept.has(l.read.resource)),
    scanned: adoption
      ? {
          service: adoption.service,
          resources: adoption.resources.map((r) => r.id),
        }
      : undefined,
    ...(outcome && "ambiguous" in outcome ? { ambiguous: outcome.ambiguous } : {}),
  };
}

export async function collect(input: CollectInput): Promise<Collected> {
  const readings: AwsReadings = { queues: [], errorLogs: [], capacity: [] };
  const label = input.service ?? "unknown";
  const metrics = readMetrics(input, readings, label)
    .then((m) => assessRead(input, m))
    .then((a) => {
      const scan = a.m.resources.some((r) => r.origin === "scanned");
      const k = keepAdopted(readings, a);
      return scan ? reportScanAlarms(input, k) : k;
    });
  const events = metrics.then((k) => eventGroupsOf(input, k.m.resources));
  // The logs chain needs a service: the named one at once, one the resources name once read.
  const foundOf = (k: Awaited<typeof metrics>) =>
    k.scanned?.service ?? computeService(k.m.resources);
  const logs = input.service
    ? readLogs(input, readings)
    : metrics.then((k) => {
        const found = foundOf(k);
        return found
          ? readLogs(
              {
                ...input,
                service: found,
                targets: { ...input.targets, conventionalLogGroup: `/ecs/${found}` },
              },
              readings,
            )
          : undefined;
      });
  const [k, , health, eventGroups] = await Promise.all([metrics, logs, readHealth(input), events]);
  const { deadLetters, leaks } = k;
  const [buckets] = await Promise.all([
    readNamedBuckets(input, readings, k.m, SERIES_IMPACT),
    readInfraEvents(input, readings, k.m.resources),
    readDatabaseLogs(input, readings, k.m.resources),
  ]);
  const m = { ...k.m, resources: [...k.m.resources, ...buckets.resources] };
  const assessed = [...k.assessed, ...buckets.assessed];
  // Pivot: when capacity looks short or tasks drop, read the events that say why.
  // Tasks that dropped or scaled, and a backlog that grew, are what scaling events explain.
  const tasksMoved = assessed.some(
    (a) => a.read.spec.measure === "running_tasks" && a.change.direction !== "flat",
  );
  const backlogGrew = assessed.some(
    (a) =>
      (a.read.spec.measure === "queue_age" || a.read.spec.measure === "queue_depth") &&
      a.change.direction === "rise",
  );
  // Memory killed at its limit: the stop reasons say whether it was, since the leak began.
  const since = leakEventsSince(leaks, input.ctx.now);
  if (
    (isCapacityShort(readings) ||
      isQueueSaturated(readings) ||
      tasksMoved ||
      backlogGrew ||
      since !== undefined) &&
    !input.aborted()
  ) {
    await input.run(
      eventGroups.map((group) => ({
        what: `ECS and scaling events in ${group}`,
        confidenceImpact: 0,
        run: () => checkCapacityEvents(input.ctx, readings, group, since),
      })),
    );
  }
  return {
    readings,
    resources: m.resources,
    assessed,
    deadLetters,
    leaks,
    alarms: m.alarms,
    ourAlarms: m.ours,
    ...(health ? { health } : {}),
    ...(k.scanned ? { scanned: k.scanned } : {}),
    ...(k.ambiguous ? { ambiguous: k.ambiguous } : {}),
    ...(!input.service && foundOf(k) ? { found: foundOf(k) } : {}),
  };
}
