import { alarmRefNames } from "../../src/domain/alarm-notification.ts";
import type { ToolEntry } from "../../src/domain/evidence-context.ts";
import type { RawSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { CHECK_RULES, EvidenceCollector } from "../shared/collector.ts";
import { deadlineSignal, runClock } from "../shared/deadline.ts";
import type { MetricAlarm } from "../tools.ts";
import type { Specialist } from "../types.ts";
import { type AwsReadings, type CheckContext, seriesReader } from "./checks.ts";
import { namesOf, readCloudTrail } from "./cloudtrail.ts";
import { collect, isCapacityShort, isQueueSaturated } from "./collect.ts";
import { DEFAULT_QUEUE_AGE_THRESHOLD_SECONDS, DEFAULT_SERVICE_CATALOG } from "./defaults.ts";
import {
  type Assessed,
  emitImpact,
  emitInfra,
  emitPoison,
  emitProvider,
  emitRestarts,
  emitSaturation,
  emitSeries,
  symptomOnset,
  UNKNOWN_SERVICE,
  zonesRead,
} from "./emit.ts";
import { emitClassic } from "./emit-classic.ts";
import { emitLeaks } from "./leak.ts";
import { healthServicesOf } from "./reads.ts";
import { spreadOf } from "./spread.ts";
import { type ResolvedTargets, resolveTargets, type ServiceCatalog } from "./targets.ts";

/**
 * The aws specialist: what CloudWatch and AWS Health show for the ticket's service.
 *
 * Which resources: the ones the ticket and the service catalog name (targets.ts), and
 * the ones CloudWatch ListMetrics shows for the service (resources.ts, reads.ts), plus
 * those its alarms in ALARM watch. For each, the series that exist among the load
 * balancer's 5xx, p99 latency, requests and unhealthy hosts per zone, the database's
 * connections, CPU, free memory and latency, the cache's evictions, CPU and memory, the
 * queue's age, depth, receives, deletes and dead-letter depth, the function's errors,
 * throttles, p99 duration and concurrency, and the ECS service's tasks, CPU, memory and
 * restarts (measures.ts). Every series becomes a `series_change` dated by its change
 * point (series.ts, emit.ts); saturation, poison messages, crash loops, the spread of the
 * symptom and provider incidents follow from them. The story-shaped kinds the classifier
 * has long used (`error_rate_rise` / `no_5xx_rise`, `queue_saturation`, `task_health`)
 * are still drawn (checks.ts), with error lines and ECS events from the log groups.
 *
 * Read-only: it holds only a CloudWatchReader (Get*, List*, Describe*, Logs Insights
 * queries). Every read runs under the run's deadline; one that fails is a gap with its
 * confidence cost.
 */

export interface AwsSpecialistOptions {
  /** Known AWS resources per service, when the ticket carries no `awsResources`. */
  services?: ServiceCatalog;
  /** Queue-age threshold when nothing states one. */
  defaultQueueThresholdSeconds?: number;
  timeoutMs?: number;
}

/** Series are read over three hours, enough to find an onset well before the ticket. */
const SERIES_LOOKBACK_MINUTES = 180;
/** An onset another source dated is read with an hour before it, within a day. */
const ONSET_MARGIN_MINUTES = 60;
const MAX_LOOKBACK_MINUTES = 24 * 60;

const MINUTE = 60_000;
/**
 * Confidence several moving groups cost: the run has no service, and the symptom may be
 * any of them (what an unresolved service costs, service-resolution.ts, again).
 */
const AMBIGUOUS_SCAN_IMPACT = 10;
const hhmm = (iso: string) => iso.slice(11, 16);

function describeTargets(t: ResolvedTargets): string {
  const parts = [
    t.loadBalancer ? `ALB ${t.loadBalancer}` : undefined,
    t.queues.length ? `queues ${t.queues.map((q) => q.name).join(", ")}` : undefined,
    t.ecs ? `ECS ${t.ecs.cluster}/${t.ecs.service}` : undefined,
    t.databases.length ? `databases ${t.databases.map((d) => d.identifier).join(", ")}` : undefined,
    t.caches.length ? `caches ${t.caches.join(", ")}` : undefined,
    t.functions.length ? `functions ${t.functions.join(", ")}` : undefined,
    t.logGroups.length ? `logs ${t.logGroups.join(", ")}` : undefined,
  ].filter(Boolean);
  return parts.length ? parts.join("; ") : "resources found through CloudWatch ListMetrics";
}

/** The aws connector is available in the inventory. */
const awsConfigured = (tools: readonly ToolEntry[]) =>
  tools.some((t) => t.connector === "aws" && t.status === "available");

function hasTargets(t: ResolvedTargets): boolean {
  return (
    t.loadBalancer !== undefined ||
    t.ecs !== undefined ||
    t.queues.length > 0 ||
    t.logGroups.length > 0 ||
    t.databases.length > 0 ||
    t.caches.length > 0 ||
    t.functions.length > 0
  );
}

/** The spread across services the account's alarms show, with the source it cites. */
function spreadAt(
  ev: EvidenceCollector,
  alarms: MetricAlarm[],
  catalog: ServiceCatalog,
  ours: string[],
  clock: ReturnType<typeof runClock>,
) {
  const spread = spreadOf(alarms, catalog, new Set(ours));
  if (!spread || spread.services.length < 2) return undefined;
  const source = ev.source({
    kind: "cloudwatch_alarm",
    ref: `cloudwatch_alarm:${spread.alarms[0]}`,
    fetchedAt: clock(),
  });
  return { spread, source };
}

function nextPivot(readings: AwsReadings, assessed: Assessed[]): string | undefined {
  if (isCapacityShort(readings)) {
    return "cluster capacity: why ECS cannot place the missing tasks (instances, limits)";
  }
  if (isQueueSaturated(readings)) {
    return "consumer throughput of the saturated queue against its send rate";
  }
  if (readings.errorRate?.reading.rising) return "the exception behind the 5xx rise (Sentry)";
  const rose = assessed.find(
    (a) => a.change.direction === "rise" && a.read.kind.kind !== "alb" && a.change.onset,
  );
  if (rose) {
    return `what changed at ${hhmm(rose.change.onset!)} for ${rose.read.kind.label} ${rose.read.resource.id} (${rose.read.spec.metricName} rose)`;
  }
  return undefined;
}

/**
 * Whether an onset another specialist dated lies before the series this run read (with
 * the hour before it that a before/after comparison needs): then a second run reads from
 * there. The run's reads were fetched at its `now`; they reached {@link SERIES_LOOKBACK_MINUTES} back.
 */
export function readBefore(output: RawSpecialistOutput, onsetAt: string): boolean {
  if (output.status !== "returned" && output.status !== "timed_out") return false;
  const fetched = output.sources
    .filter((s) => s.kind === "cloudwatch_metric")
    .map((s) => Date.parse(s.fetchedAt))
    .filter(Number.isFinite);
  const at = Date.parse(onsetAt);
  if (fetched.length === 0 || !Number.isFinite(at)) return false;
  const readFrom = Math.min(...fetched) - SERIES_LOOKBACK_MINUTES * MINUTE;
  return at - ONSET_MARGIN_MINUTES * MINUTE < readFrom;
}

/** The availability zones the catalog declares for the service, when it does. */
function declaredZones(resources: unknown): string[] {
  const zones = (resources as { zones?: unknown } | undefined)?.zones;
  return Array.isArray(zones) ? zones.filter((z): z is string => typeof z === "string") : [];
}

/** The window series are read over: three hours, or from an hour before a known onset. */
function seriesStart(now: Date, onset: string | undefined): Date {
  let minutes = SERIES_LOOKBACK_MINUTES;
  const at = onset ? Date.parse(onset) : Number.NaN;
  if (Number.isFinite(at) && at < now.getTime()) {
    const needed = Math.ceil((now.getTime() - at) / MINUTE) + ONSET_MARGIN_MINUTES;
    minutes = Math.min(MAX_LOOKBACK_MINUTES, Math.max(minutes, needed));
  }
  return new Date(now.getTime() - minutes * MINUTE);
}

export function createAwsSpecialist(options: AwsSpecialistOptions = {}): Specialist {
  const catalog = options.services ?? DEFAULT_SERVICE_CATALOG;
  const defaultThreshold =
    options.defaultQueueThresholdSeconds ?? DEFAULT_QUEUE_AGE_THRESHOLD_SECONDS;
  const timeoutMs = options.timeoutMs ?? 45_000;

  return {
    id: "aws",
    phase: "evidence",
    needs: ["cloudwatch"],
    timeoutMs,

    appliesTo(ticket, tools, hints) {
      const targets = resolveTargets(ticket, hints, catalog);
      const alarm = ticket.snapshot.linked.awsRefs.length > 0 || targets.queues.length > 0;
      const required = alarm || targets.httpSymptom;
      const known = hasTargets(targets) || alarm || targets.service !== undefined;
      // With AWS configured it always runs: its reads are cheap and read-only, the account's
      // alarms and ListMetrics can find what the ticket does not name, and "nothing found"
      // is a gap it records. Without AWS, only a ticket that names AWS routes it (as a gap).
      if (!known && !awsConfigured(tools)) {
        return {
          applies: false,
          required: false,
          reason:
            "no service and no AWS resource is known for this ticket, and AWS is not configured",
        };
      }
      const why = alarm
        ? "the ticket is a CloudWatch alarm or names a queue"
        : targets.httpSymptom
          ? "the ticket is about HTTP failures: the 5xx rate confirms or refutes them"
          : known
            ? "the service may run on AWS"
            : "AWS is configured: the account's alarms and metrics may show what the ticket does not name";
      return { applies: true, required, reason: `${why} (${describeTargets(targets)})` };
    },

    wantsOnset: (output, onset) => readBefore(output, onset.at),

    question(ticket) {
      const service = ticket.service ?? "the ticket's service";
      return `What do CloudWatch metrics, alarms and logs and AWS Health show for ${service} (errors, latency, saturation, queues, tasks, provider incidents) for ${ticket.snapshot.ticketKey}?`;
    },

    async run(input) {
      const clock = runClock(input.now);
      const signal = deadlineSignal(input);
      const ev = new EvidenceCollector({
        specialistId: "aws",
        question: input.question,
        at: input.now,
        deadlineMs: timeoutMs,
        rules: CHECK_RULES,
      });
      const cloudwatch = input.tools.cloudwatch;
      if (!cloudwatch) return ev.skipped("no CloudWatch reader: the aws connector is absent");
      const targets = resolveTargets(input.ticket, input.hints, catalog);
      // A load balancer's name less its environment suffix names the service (`<svc>-prod`).
      const service =
        targets.service ??
        targets.ecs?.service ??
        targets.loadBalancer?.split("/")[1]?.replace(/[-_](?:prod|production|prd|live)$/i, "");
      const now = input.now;
      const ctx: CheckContext = {
        cloudwatch,
        ev,
        now,
        clock,
        read: seriesReader(cloudwatch, seriesStart(now, input.onset?.at), now),
      };
      const {
        readings,
        resources,
        assessed,
        deadLetters,
        leaks,
        health,
        alarms,
        ourAlarms,
        scanned,
        ambiguous,
        found,
      } = await collect({
        ctx,
        targets,
        service,
        // `alarm:<name>` refs (quoted or spelled out: src/phases/scope-alarms.ts) by name too.
        ticketAlarms: new Set([
          ...input.ticket.snapshot.linked.awsRefs,
          ...alarmRefNames(input.ticket.snapshot.linked.awsRefs),
          ...targets.alarms,
        ]),
        defaultThreshold,
        ticketText: `${input.ticket.snapshot.title}\n${input.ticket.snapshot.descriptionExcerpt}`,
        run: (checks) => Promise.all(checks.map((c) => ev.check(c, signal))),
        aborted: () => signal.aborted,
      });
      const label = service ?? found ?? UNKNOWN_SERVICE;
      // With no service resolved, the one whose resources were read joins the run's scope.
      const adopted = input.ticket.service ? undefined : (scanned?.service ?? service ?? found);
      if (adopted) ev.readService(adopted);
      if (scanned) {
        const source = assessed.find((a) => a.change.direction !== "flat")?.read.ref;
        if (source) {
          ev.finding({
            fact: `no service or resource named: of the account's resources, only ${[...new Set(scanned.resources)].join(", ")} (${scanned.service}) moved, so they are read as the ticket's`,
            source,
          });
        }
      } else if (ambiguous) {
        ev.gap({
          what: `no service or resource named, and the account's resources of ${ambiguous.length} unrelated groups moved (${ambiguous.join(", ")}): none is read as the ticket's (the ticket's words do not pick a service)`,
          confidenceImpact: AMBIGUOUS_SCAN_IMPACT,
        });
      } else if (resources.length === 0 && !hasTargets(targets)) {
        ev.gap({
          what: service
            ? `no AWS resource of ${label} found: the catalog declares none and ListMetrics shows none named after it`
            : "no service and no AWS resource is known for this ticket, and no alarm it names: only the account's alarms and AWS Health were read",
          confidenceImpact: 0,
        });
      }

      const dlqs = new Map(deadLetters.map((a) => [a.read.resource.id, a]));
      const stops = readings.capacity.reduce(
        (n, c) => ({
          outOfMemory: n.outOfMemory + c.events.outOfMemory,
          containerExits: n.containerExits + c.events.containerExits,
        }),
        { outOfMemory: 0, containerExits: 0 },
      );
      emitClassic(ev, readings, label, emitLeaks(ev, leaks, label, stops));
      emitSeries(ev, [...assessed, ...deadLetters], label);
      const refusedBy = new Set(
        (readings.connectionRefusals ?? []).filter((r) => r.count > 0).map((r) => r.database),
      );
      emitSaturation(ev, assessed, label, refusedBy);
      emitInfra(ev, readings.infra ?? [], assessed, label);
      await readCloudTrail({
        ctx,
        names: namesOf(service ?? found ?? scanned?.service, resources),
        onset: symptomOnset(assessed) ?? input.onset?.at,
        service: label !== UNKNOWN_SERVICE ? label : undefined,
        run: (checks) => Promise.all(checks.map((c) => ev.check(c, signal))),
      });
      const redelivered = readings.errorLogs
        .map((l) => ({
          redelivered: l.summary.redelivered,
          messages: l.summary.messages,
          redeliveredMessages: l.summary.redeliveredMessages,
          ref: l.ref,
        }))
        .sort((a, b) => b.redelivered - a.redelivered)[0];
      emitPoison(ev, assessed, dlqs, now, redelivered);
      emitRestarts(ev, assessed, label, {
        events: stops,
        errorTexts: readings.errorLogs.flatMap((l) => l.summary.types.map((t) => t.type)),
      });
      const share = readings.errorRate?.reading.ratioTo;
      emitImpact(
        ev,
        assessed,
        label,
        readings.errorLogs.map((l) => l.summary),
        share !== undefined ? share / 100 : undefined,
        resources.length,
        spreadAt(ev, alarms, catalog, ourAlarms, clock),
      );
      if (health) {
        // Our zones: those the catalog declares and those our per-zone series come from.
        const zones = [
          ...new Set([...declaredZones(input.ticket.awsResources), ...zonesRead(assessed)]),
        ];
        // What it runs on: its resources' services, and the AWS services its errors call
        // (each in the region its endpoint names).
        const services = new Set(healthServicesOf(resources));
        const called = readings.errorLogs.flatMap((l) => l.summary.awsEndpoints);
        emitProvider(ev, health.ref, health.events, services, zones, called);
      }
      return ev.finish(signal, nextPivot(readings, assessed));
    },
  };
}

const aws: Specialist = createAwsSpecialist();
export default aws;
