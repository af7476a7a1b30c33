import { describeError, type EvidenceCollector, settle } from "../shared/collector.ts";
import {
  issueSeries,
  readSeries,
  type SeriesReading,
  sumSeries,
  toSamples,
} from "../shared/sentry-series.ts";
import type { SentryIssueSummary, SentryReader } from "../tools.ts";

/**
 * For a ticket no structured source ties to a service ("401 everywhere", "lots of
 * services throwing"): is the failure one service's, or several at once? Every project of
 * the Sentry organization is searched (read-only, bounded) for its unresolved issues of
 * the last 24h; each project's summed hourly events are read for a change point, and the
 * projects whose errors rose together — onsets within {@link CO_ONSET_MINUTES} of the
 * rise nearest the run's onset (else the ticket's creation), each project's rise judged
 * against its own baseline — are the symptom's spread: one `series_change` per such project (with its
 * service) and, when two or more rose together, one `impact_scope` naming them. The
 * services come from telemetry, never from the ticket's words; a single project rising
 * alone is a finding only (the sweep does not pick a run's service).
 */

/** Projects searched at most (one page of Sentry's project list is 100). */
export const MAX_SWEPT_PROJECTS = 25;
/**
 * Rises whose onsets lie this close to the earliest one count as one spreading failure:
 * an hourly series dates an onset to within about half an hour, and a failure that rolls
 * out with deploys or retries reaches its services within the hour.
 */
export const CO_ONSET_MINUTES = 60;
/**
 * A rise that began more than this long before the anchor is not the symptom the run is
 * about: a ticket is filed, or an onset dated, within hours of what it reports, and an
 * hourly series dates an onset to within about half an hour.
 */
export const ANCHOR_LOOKBACK_MINUTES = 240;
/** Issues read per project: the most recently seen carry a current rise. */
const ISSUES_PER_PROJECT = 10;
/** Projects searched at once: Sentry's rate limits are per organization. */
const CONCURRENCY = 5;

/** The sweep's own source: its presence in an output says the organization was swept. */
export const SWEEP_SOURCE_REF = "sentry_issue:organization/projects";

export const SWEEP_GAP_IMPACT = { projects: 10, search: 5 } as const;

interface Context {
  sentry: SentryReader;
  ev: EvidenceCollector;
  signal: AbortSignal;
  now: Date;
  /** The run's onset when known, else the ticket's creation: what the rises must be near. */
  anchor?: string;
}

interface Rising {
  project: string;
  reading: SeriesReading & { onset: string };
}

export interface SweepOutcome {
  /** Projects whose issues were searched. */
  searched: string[];
  /** Projects whose errors rose together (earliest onset first). */
  together: string[];
}

/**
 * The rises that began within {@link CO_ONSET_MINUTES} (plus their uncertainty) of a
 * reference rise. With an `anchor` (the run's onset, else the ticket's creation) the
 * reference is the rise nearest to it among those that began no later than the window
 * after it and no earlier than {@link ANCHOR_LOOKBACK_MINUTES} before it: the symptom this
 * run is about, not whichever project happened to rise first in the last 24h. Without an
 * anchor the reference is the earliest rise.
 */
export function risingTogether(rises: readonly Rising[], anchor?: string): Rising[] {
  const onset = (r: Rising) => Date.parse(r.reading.onset);
  const slack = (r: Rising) => (CO_ONSET_MINUTES + (r.reading.uncertaintyMinutes ?? 0)) * 60_000;
  const sorted = [...rises].sort((a, b) => onset(a) - onset(b));
  const at = anchor === undefined ? Number.NaN : Date.parse(anchor);
  const candidates = Number.isNaN(at)
    ? sorted
    : sorted.filter(
        (r) => onset(r) <= at + slack(r) && onset(r) >= at - ANCHOR_LOOKBACK_MINUTES * 60_000,
      );
  const reference = Number.isNaN(at)
    ? candidates[0]
    : [...candidates].sort((a, b) => Math.abs(onset(a) - at) - Math.abs(onset(b) - at))[0];
  if (!reference) return [];
  const start = onset(reference);
  return candidates.filter((r) => Math.abs(onset(r) - start) <= slack(r));
}

/** A project's events rose when they at least doubled against its own baseline. */
export const BASELINE_RISE_FACTOR = 2;
/** An issue with fewer events than this is a stray exception, not a failure. */
export const MIN_NEW_ISSUE_EVENTS = 10;

/**
 * A project's rise: the earliest first event of its issues first seen inside the window
 * with at least {@link MIN_NEW_ISSUE_EVENTS} events (a new failure, measured), else the
 * change point of its summed hourly events (an old issue spiking, estimated).
 */
export function projectRise(
  issues: readonly SentryIssueSummary[],
  now: Date,
): (SeriesReading & { onset: string }) | undefined {
  // Every level counts: a "warning" the code handles (a rejected session) can still be
  // every user's failure; the events' rise is what matters, not how the app logged it.
  const counted = issues.filter((i) => i.count >= MIN_NEW_ISSUE_EVENTS);
  const fresh: (SeriesReading & { onset: string })[] = [];
  for (const issue of counted) {
    const own = issueSeries(issue, now);
    if (own?.direction === "rise" && own.datedBy === "first_seen" && own.onset) {
      fresh.push({ ...own, onset: own.onset });
    }
  }
  const samples = sumSeries(counted.map((i) => toSamples(i.stats24h)));
  // A new issue's first event is measured; a change point is an estimate: prefer the first,
  // judged against the project's own baseline: its summed events, split at that first
  // event, must at least double, so a handful of new events in a project that always
  // throws hundreds is not a rise of that project.
  const first = fresh.sort((x, y) => Date.parse(x.onset) - Date.parse(y.onset))[0];
  if (first) {
    const own = readSeries(samples, now, first.onset);
    return own?.direction === "rise" && own.after >= BASELINE_RISE_FACTOR * own.before
      ? first
      : undefined;
  }
  const summed = readSeries(samples, now);
  return summed?.direction === "rise" && summed.onset
    ? { ...summed, onset: summed.onset }
    : undefined;
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      out[at] = await fn(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function sweepOrganization(ctx: Context): Promise<SweepOutcome> {
  const { ev, sentry } = ctx;
  const outcome: SweepOutcome = { searched: [], together: [] };
  if (!sentry.listProjects || !sentry.searchProjectIssues) return outcome;
  const search = sentry.searchProjectIssues.bind(sentry);
  const listed = await settle(() => sentry.listProjects!(), ctx.signal);
  if (!listed.ok) {
    ev.gap({
      what: `the Sentry organization's projects could not be listed (${describeError(listed.error)}): no service's errors were swept`,
      confidenceImpact: SWEEP_GAP_IMPACT.projects,
    });
    return outcome;
  }
  const projects = listed.value.slice(0, MAX_SWEPT_PROJECTS);
  if (listed.value.length > projects.length) {
    ev.gap({
      what: `only ${projects.length} of the organization's ${listed.value.length} Sentry projects were swept`,
      confidenceImpact: 0,
    });
  }
  const reads = await mapLimited(projects, CONCURRENCY, async (project) => ({
    project,
    read: await settle(() => search(project, ISSUES_PER_PROJECT), ctx.signal),
  }));
  const failed = reads.filter((r) => !r.read.ok).map((r) => r.project);
  if (failed.length > 0) {
    ev.gap({
      what: `Sentry issue search failed for ${failed.length} project(s) (${failed.slice(0, 5).join(", ")}): their errors are not in the sweep`,
      confidenceImpact: SWEEP_GAP_IMPACT.search,
    });
  }
  const rises: Rising[] = [];
  for (const { project, read } of reads) {
    if (!read.ok) continue;
    outcome.searched.push(project);
    const rise = projectRise(read.value, ctx.now);
    if (rise) rises.push({ project, reading: rise });
  }
  const orgRef = ev.source({ kind: "sentry_issue", ref: SWEEP_SOURCE_REF });
  const together = risingTogether(rises, ctx.anchor);
  outcome.together = together.map((r) => r.project);
  ev.finding({
    fact:
      rises.length === 0
        ? `none of the ${outcome.searched.length} Sentry projects searched shows errors rising in the last 24h`
        : `errors rose in ${rises.length} of ${outcome.searched.length} Sentry projects: ${rises
            .map((r) => `${r.project} from ${r.reading.onset}`)
            .join(", ")}`,
    source: orgRef,
  });
  if (together.length < 2) return outcome;
  for (const { project, reading } of together) {
    const ref = ev.source({ kind: "sentry_issue", ref: `sentry_issue:project/${project}` });
    ev.signal({
      kind: "series_change",
      source: ref,
      measure: "error_events",
      direction: "rise",
      before: reading.before,
      after: reading.after,
      unit: `events/${reading.periodMinutes} min`,
      service: project,
      scope: { resource: project },
      onset: reading.onset,
      onsetUncertaintyMinutes: reading.uncertaintyMinutes ?? 0,
      windowStart: reading.windowStart,
      windowEnd: reading.windowEnd,
    });
  }
  ev.signal({
    kind: "impact_scope",
    source: orgRef,
    services: outcome.together,
    zones: [],
  });
  ev.finding({
    fact: `${together.length} services' errors rose within ${CO_ONSET_MINUTES} min of each other (${outcome.together.join(", ")}): one failure spreading across services, not one service's`,
    source: orgRef,
  });
  return outcome;
}
