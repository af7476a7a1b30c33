import type { EvidenceCollector, SourceRef } from "../shared/collector.ts";
import type { ProviderHealthEvent } from "../tools.ts";
import { type ErrorLogSummary, type InfraEvent, POISON_MAX_MESSAGES } from "./analysis.ts";
import type { CalledEndpoint } from "./endpoints.ts";
import type { SeriesRead } from "./reads.ts";
import { overlapsUs } from "./reads.ts";
import type { Resource } from "./resources.ts";
import {
  assessPoison,
  assessSeries,
  type CrashEvidence,
  crashLoopOf,
  crashReasonOf,
  impactOf,
  type SeriesChange,
  saturationOf,
} from "./series.ts";
import { SAME_ONSET_MINUTES, type Spread, servicesHit } from "./spread.ts";

/**
 * The general signals of one run (src/domain/signals.ts), drawn once every read has
 * settled: a `series_change` for every series read (its change point and window), and
 * from those `dependency_saturation`, `poison_message`, `crash_loop` and `impact_scope`;
 * `provider_incident` from AWS Health. The findings say the same in words.
 */

export interface Assessed {
  read: SeriesRead;
  change: SeriesChange;
}

/** The label a run uses when no service is known. */
export const UNKNOWN_SERVICE = "unknown";

const hhmm = (iso: string) => iso.slice(11, 16);
/** A time as hh:mm, with its date (MM-DD) when it is not the day of `ref` (a read over days). */
const when = (iso: string, ref: string) =>
  iso.slice(0, 10) === ref.slice(0, 10) ? hhmm(iso) : `${iso.slice(5, 10)} ${hhmm(iso)}`;
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(n < 1 ? 3 : 1));

/** The resource's first datapoint in any series: from then on a missing count is a zero. */
function activeSince(reads: SeriesRead[], resource: Resource): number | undefined {
  const firsts = reads
    .filter((r) => r.resource === resource && r.series.timestamps.length > 0)
    .map((r) => Date.parse(r.series.timestamps[0]!));
  return firsts.length ? Math.min(...firsts) : undefined;
}

/** Change points of every series read; a series without datapoints is left out. */
export function assessAll(reads: SeriesRead[], now: Date): Assessed[] {
  const out: Assessed[] = [];
  for (const read of reads) {
    const since = activeSince(reads, read.resource);
    const change = assessSeries(read.series, read.spec, {
      now,
      ...(since !== undefined ? { activeSince: since } : {}),
    });
    if (change) out.push({ read, change });
  }
  return out;
}

function describe(a: Assessed): string {
  const { read, change } = a;
  const unit = read.spec.unit ? ` ${read.spec.unit}` : "";
  const metric = read.spec.metricName + (read.spec.per ? ` per ${read.spec.per.metricName}` : "");
  const where = `${metric} of ${read.kind.label} ${read.resource.id}${read.zone ? ` in ${read.zone}` : ""}`;
  if (change.direction === "flat") {
    return `${where}: flat at ${fmt(change.level)}${unit} over ${when(change.windowStart, change.windowEnd)}–${hhmm(change.windowEnd)}`;
  }
  return `${where}: ${change.direction} from ${fmt(change.before)} to ${fmt(change.after)}${unit} at ${when(change.onset!, change.windowEnd)} (±${change.uncertaintyMinutes} min)`;
}

export function emitSeries(ev: EvidenceCollector, assessed: Assessed[], service: string): void {
  for (const a of assessed) {
    const { read, change } = a;
    ev.finding({
      fact: describe(a),
      source: read.ref,
      ...(change.onset ? { observedAt: change.onset } : {}),
    });
    ev.signal({
      source: read.ref,
      kind: "series_change",
      measure: read.spec.measure,
      direction: change.direction,
      before: change.before,
      after: change.after,
      ...(read.spec.unit ? { unit: read.spec.unit } : {}),
      service,
      scope: { resource: read.resource.id, ...(read.zone ? { zones: [read.zone] } : {}) },
      ...(change.onset
        ? { onset: change.onset, onsetUncertaintyMinutes: change.uncertaintyMinutes ?? 0.5 }
        : {}),
      windowStart: change.windowStart,
      windowEnd: change.windowEnd,
    });
  }
}

export function emitSaturation(
  ev: EvidenceCollector,
  assessed: Assessed[],
  service: string,
  refusedBy: ReadonlySet<string> = new Set(),
): void {
  for (const { read, change } of assessed) {
    if (read.zone) continue;
    // A database that refused connections for want of a slot reached its limit at the
    // connections' peak, whatever max_connections is set to.
    const refused =
      read.resource.kind === "rds" &&
      read.spec.measure === "connections" &&
      read.resource.maxConnections === undefined &&
      refusedBy.has(read.resource.id) &&
      change.peak > 0;
    const limits =
      read.resource.maxConnections !== undefined
        ? { maxConnections: read.resource.maxConnections }
        : refused
          ? { maxConnections: change.peak }
          : {};
    const s = saturationOf(read.kind, read.spec, change, limits);
    if (!s) continue;
    ev.signal({
      source: read.ref,
      kind: "dependency_saturation",
      dependency: s.dependency,
      resource: read.resource.id,
      measure: s.measure,
      value: Math.round(s.value * 100) / 100,
      ...(s.limit !== undefined ? { limit: s.limit } : {}),
      service,
      ...(s.onset ? { onset: s.onset } : {}),
    });
    ev.finding({
      fact: `${read.kind.label} ${read.resource.id} is at its limit: ${s.measure} ${fmt(s.value)}${s.limit !== undefined ? ` of ${s.limit}` : ""}`,
      source: read.ref,
    });
  }
}

/** What the consumer's error lines say about redeliveries (analysis.ts `summarizeErrorRows`). */
export interface RedeliveryLogs {
  /** The highest number of receives of one message. */
  redelivered: number;
  /** Distinct message ids in the error lines. */
  messages: number;
  /** Distinct ids received `POISON_MIN_REDELIVERIES` times or more (analysis.ts). */
  redeliveredMessages: number;
  ref?: SourceRef;
}

/**
 * Poison in the consumer's error lines: a few messages ({@link POISON_MAX_MESSAGES} at
 * most, and most of the ids failing) received again and again, while the queue keeps
 * deleting the others (its deletes read, not dropping, not zero). Every message
 * redelivered, or deletes stopping, is the consumer failing on everything (a dependency
 * or vendor down, a broken build), not messages it cannot process.
 */
export function poisonInLogs(logs: RedeliveryLogs, deleted: SeriesChange | undefined): boolean {
  const few =
    logs.redeliveredMessages >= 1 &&
    logs.redeliveredMessages <= POISON_MAX_MESSAGES &&
    logs.redeliveredMessages * 2 >= logs.messages;
  const deletesContinue =
    deleted !== undefined && deleted.direction !== "drop" && (deleted.latest ?? 0) > 0;
  return few && deletesContinue;
}

/** Receives against deletes per queue, with its dead-letter queue's depth. */
export function emitPoison(
  ev: EvidenceCollector,
  assessed: Assessed[],
  dlqs: Map<string, Assessed>,
  now: Date,
  logs: RedeliveryLogs = { redelivered: 0, messages: 0, redeliveredMessages: 0 },
): void {
  const queues = new Set(
    assessed.filter((a) => a.read.kind.kind === "queue").map((a) => a.read.resource),
  );
  // The consumer's error lines show a few messages received again and again while the
  // others are deleted: with one queue read, it is that queue's. Metrics cannot show it:
  // one message among hundreds a minute leaves receives and deletes in balance.
  const only = queues.size === 1 ? [...queues][0]! : undefined;
  const deletedOf = (queue: Assessed["read"]["resource"]) =>
    assessed.find((a) => a.read.resource === queue && a.read.spec.measure === "messages_deleted")
      ?.change;
  if (only && logs.ref && poisonInLogs(logs, deletedOf(only))) {
    // The dead-letter queue's depth when it was read; absent, not 0, when it was not.
    const dlq = only.deadLetterQueue ? dlqs.get(only.deadLetterQueue)?.change : undefined;
    const depth = dlq?.latest === undefined ? undefined : Math.max(0, Math.round(dlq.latest));
    ev.signal({
      source: logs.ref,
      kind: "poison_message",
      queue: only.id,
      repeatedReceives: logs.redelivered,
      ...(depth === undefined ? {} : { dlqDepth: depth }),
    });
    ev.finding({
      fact: `queue ${only.id}: the consumer's error lines show ${logs.redeliveredMessages} message(s) received up to ${logs.redelivered} times and rejected each time, while the queue keeps deleting the others`,
      source: logs.ref,
    });
    return;
  }
  for (const queue of queues) {
    const of = (measure: string) =>
      assessed.find((a) => a.read.resource === queue && a.read.spec.measure === measure);
    const received = of("messages_received");
    const deleted = of("messages_deleted");
    const dlq = queue.deadLetterQueue ? dlqs.get(queue.deadLetterQueue) : undefined;
    const poison = assessPoison(received?.change, deleted?.change, dlq?.change, now);
    if (!poison || !received) continue;
    ev.signal({
      source: dlq && !poison.clean ? dlq.read.ref : received.read.ref,
      kind: "poison_message",
      queue: queue.id,
      repeatedReceives: poison.repeatedReceives,
      ...(dlq ? { dlqDepth: poison.dlqDepth } : {}),
    });
    ev.finding({
      fact: poison.clean
        ? `queue ${queue.id}: messages are received once and deleted${dlq ? `; dead-letter queue ${queue.deadLetterQueue} is empty` : ""}`
        : `queue ${queue.id}: ${poison.repeatedReceives} more receives than deletes${dlq ? `; dead-letter queue ${queue.deadLetterQueue} holds ${poison.dlqDepth}` : ""}`,
      source: received.read.ref,
    });
  }
}

/** Restart counters that count a loop, with why the tasks restart when evidence says. */
export function emitRestarts(
  ev: EvidenceCollector,
  assessed: Assessed[],
  service: string,
  evidence: Omit<CrashEvidence, "memory"> = {},
): void {
  for (const { read, change } of assessed) {
    if (read.spec.measure !== "restarts") continue;
    const loop = crashLoopOf(change);
    if (!loop) continue;
    const memory = assessed.find(
      (a) => a.read.resource.id === read.resource.id && a.read.spec.measure === "memory",
    )?.change;
    const stops = evidence.events;
    ev.signal({
      source: read.ref,
      kind: "crash_loop",
      reason: crashReasonOf({ ...evidence, ...(memory ? { memory } : {}) }),
      restarts: loop.restarts,
      service,
      ...(loop.onset ? { onset: loop.onset } : {}),
      ...(stops && stops.outOfMemory + stops.containerExits > 0
        ? { stopEvents: { outOfMemory: stops.outOfMemory, exits: stops.containerExits } }
        : {}),
    });
  }
}

/** Routes the error lines spread over: one dominant, some, or unknown. */
function routesOf(logs: ErrorLogSummary[]): "one" | "some" | undefined {
  const routes = logs.flatMap((l) => l.routes);
  const lines = logs.reduce((n, l) => n + l.lines, 0);
  if (routes.length === 0 || lines === 0) return undefined;
  const top = Math.max(...routes.map((r) => r.count));
  return top / lines >= 0.6 ? "one" : "some";
}

export function emitImpact(
  ev: EvidenceCollector,
  assessed: Assessed[],
  service: string,
  logs: ErrorLogSummary[],
  errorShare: number | undefined,
  resourcesRead: number,
  spread?: { spread: Spread; source: SourceRef },
): void {
  const ownService = service === UNKNOWN_SERVICE ? undefined : service;
  const impact = impactOf(
    assessed.map((a) => ({
      measure: a.read.spec.measure,
      direction: a.change.direction,
      resource: a.read.resource.id,
      ...(a.read.zone ? { zone: a.read.zone } : {}),
    })),
  );
  const rose = impact
    ? assessed.find(
        (a) => a.change.direction === "rise" && impact.resources.includes(a.read.resource.id),
      )
    : undefined;
  const ourOnset = rose?.change.onset
    ? { at: rose.change.onset, uncertaintyMinutes: rose.change.uncertaintyMinutes ?? 0 }
    : undefined;
  const services = servicesHit(ownService, spread?.spread, ourOnset);
  if (!impact || !rose) {
    // No series of ours rose: the account's alarms alone can still show a spread.
    if (!spread || services.length < 2) return;
    ev.signal({
      source: spread.source,
      kind: "impact_scope",
      services,
      zones: [],
      ...(errorShare !== undefined ? { errorShare: Math.min(1, Math.max(0, errorShare)) } : {}),
    });
    ev.finding({
      fact: `${spread.spread.alarms.length} symptom alarm(s) went into ALARM within ${SAME_ONSET_MINUTES} min of ${spread.spread.onset} on ${services.length} services: ${services.join(", ")}`,
      source: spread.source,
      observedAt: spread.spread.onset,
    });
    return;
  }
  const source = rose.read.ref;
  const routes = routesOf(logs);
  ev.signal({
    source,
    kind: "impact_scope",
    services: services.length ? services : [service],
    zones: impact.zones,
    ...(impact.zonesRead.length ? { zonesRead: impact.zonesRead.length } : {}),
    ...(routes ? { routes } : {}),
    ...(errorShare !== undefined ? { errorShare: Math.min(1, Math.max(0, errorShare)) } : {}),
  });
  const zones = impact.zonesRead.length
    ? `; zones ${impact.zones.length ? impact.zones.join(", ") : "none"} of ${impact.zonesRead.length} read show it`
    : "";
  ev.finding({
    fact: `the symptom shows on ${impact.resources.length} of ${resourcesRead} resources read for ${service}${zones}`,
    source,
  });
  if (spread && services.length > 1) {
    ev.finding({
      fact: `symptom alarms went into ALARM within ${SAME_ONSET_MINUTES} min of ${spread.spread.onset} on ${services.length} services: ${services.join(", ")}`,
      source: spread.source,
      observedAt: spread.spread.onset,
    });
  }
}

const STATUS = { open: "investigating", upcoming: "investigating", closed: "resolved" } as const;

export function emitProvider(
  ev: EvidenceCollector,
  ref: SourceRef,
  events: ProviderHealthEvent[],
  services: ReadonlySet<string>,
  ourZones: string[],
  called: readonly CalledEndpoint[] = [],
): void {
  if (events.length === 0) {
    ev.finding({ fact: "AWS Health: no open issue in the region", source: ref });
    return;
  }
  for (const e of events) {
    if (e.status === "upcoming") continue;
    const overlaps = overlapsUs(e, services, ourZones, called);
    ev.signal({
      source: ref,
      kind: "provider_incident",
      provider: "aws",
      region: e.region,
      ...(e.availabilityZone ? { zones: [e.availabilityZone] } : {}),
      component: e.service,
      status: STATUS[e.status],
      startedAt: e.startTime,
      overlapsUs: overlaps,
    });
    ev.finding({
      fact: `AWS Health: ${e.service} ${e.eventTypeCode} in ${e.availabilityZone ?? e.region} since ${e.startTime}${e.endTime ? ` until ${e.endTime}` : ""} (${e.status}${overlaps ? ", on what the service runs on" : ", not on what the service runs on"})`,
      source: ref,
      observedAt: e.startTime,
    });
  }
}

/** The zones our per-zone series come from. */
export const zonesRead = (assessed: Assessed[]) =>
  [...new Set(assessed.map((a) => a.read.zone).filter((z): z is string => z !== undefined))].sort();

/** Measures users feel, whose rise dates the symptom an infra event may explain. */
const SYMPTOMS = new Set(["errors_5xx", "error_events", "latency_p99", "unhealthy_hosts"]);

/** The symptom's onset: the earliest rise of a symptom series, else of any series. */
export function symptomOnset(assessed: Assessed[]): string | undefined {
  const rises = assessed.filter((a) => a.change.direction === "rise" && a.change.onset);
  const pick = rises.some((a) => SYMPTOMS.has(a.read.spec.measure))
    ? rises.filter((a) => SYMPTOMS.has(a.read.spec.measure))
    : rises;
  return pick.map((a) => a.change.onset!).sort()[0];
}

/** Infrastructure events on our resources as `change_event`s of kind infra. */
export function emitInfra(
  ev: EvidenceCollector,
  infra: { ref: SourceRef; events: InfraEvent[] }[],
  assessed: Assessed[],
  service: string,
): void {
  const onset = symptomOnset(assessed);
  const seen = new Set<string>();
  for (const { ref, events } of infra) {
    for (const e of events) {
      const key = `${e.what}:${e.resource}`;
      if (seen.has(key)) continue; // an event's start and its completion are one change
      seen.add(key);
      ev.signal({
        source: ref,
        kind: "change_event",
        change: "infra",
        ref: key,
        ...(service !== UNKNOWN_SERVICE ? { service } : {}),
        resource: e.resource,
        at: e.at,
        ...(onset
          ? { minutesBeforeOnset: Math.round((Date.parse(onset) - Date.parse(e.at)) / 6_000) / 10 }
          : {}),
      });
    }
  }
}
