import { describeError, type EvidenceCollector, isNotFound, settle } from "../shared/collector.ts";
import { issueSeries, readSeries, sumSeries, toSamples } from "../shared/sentry-series.ts";
import type { SentryIssueSummary, SentryReader } from "../tools.ts";

/**
 * For a ticket that links no Sentry issue: the service's Sentry project's unresolved
 * issues of the last 24h (read-only search), their summed hourly events as the project's
 * `series_change` (measure `error_events`), and the issue that carries the rise, which the
 * caller then reads in full like a linked one.
 */

/** Issues read per project: the most recently seen. */
export const ISSUES_SEARCHED = 10;
/** Projects searched per ticket: a ticket is about one service. */
export const MAX_PROJECTS = 2;

export const SEARCH_GAP_IMPACT = { noProject: 10, search: 15 } as const;

interface Context {
  sentry: SentryReader;
  ev: EvidenceCollector;
  signal: AbortSignal;
  now: Date;
}

export interface SearchOutcome {
  /** Projects that answered. */
  searched: string[];
  /** The issue whose own series rose first within the project's rise, if any. */
  leading?: SentryIssueSummary;
}

/** An issue's rise onset, or undefined when its series did not rise. */
function riseOnset(issue: SentryIssueSummary, now: Date): number | undefined {
  const reading = issueSeries(issue, now);
  return reading?.direction === "rise" && reading.onset ? Date.parse(reading.onset) : undefined;
}

export async function searchProjects(ctx: Context, projects: string[]): Promise<SearchOutcome> {
  const { ev, sentry } = ctx;
  const outcome: SearchOutcome = { searched: [] };
  if (!sentry.searchProjectIssues) return outcome;
  const search = sentry.searchProjectIssues.bind(sentry);
  for (const project of projects.slice(0, MAX_PROJECTS)) {
    const read = await settle(() => search(project, ISSUES_SEARCHED), ctx.signal);
    if (!read.ok) {
      ev.gap({
        what: isNotFound(read.error)
          ? `no Sentry project '${project}': the service's errors were not searched`
          : `Sentry issue search of project ${project} unavailable (${describeError(read.error)})`,
        confidenceImpact: isNotFound(read.error)
          ? SEARCH_GAP_IMPACT.noProject
          : SEARCH_GAP_IMPACT.search,
      });
      continue;
    }
    outcome.searched.push(project);
    const ref = ev.source({ kind: "sentry_issue", ref: `sentry_issue:project/${project}` });
    const issues = read.value;
    if (issues.length === 0) {
      ev.finding({
        fact: `Sentry project ${project} has no unresolved issue seen in the last 24h`,
        source: ref,
      });
      continue;
    }
    const reading = readSeries(sumSeries(issues.map((i) => toSamples(i.stats24h))), ctx.now);
    ev.finding({
      fact: `Sentry project ${project}: ${issues.length} unresolved issue${issues.length === 1 ? "" : "s"} seen in the last 24h, most recent ${issues
        .slice(0, 3)
        .map((i) => `${i.shortId} (first seen ${i.firstSeen})`)
        .join(", ")}`,
      source: ref,
    });
    if (!reading) continue;
    ev.signal({
      kind: "series_change",
      source: ref,
      measure: "error_events",
      direction: reading.direction,
      before: reading.before,
      after: reading.after,
      unit: `events/${reading.periodMinutes} min`,
      scope: { resource: project },
      ...(reading.onset
        ? { onset: reading.onset, onsetUncertaintyMinutes: reading.uncertaintyMinutes ?? 0 }
        : {}),
      windowStart: reading.windowStart,
      windowEnd: reading.windowEnd,
    });
    if (reading.direction !== "rise" || !reading.onset) continue;
    // The issue that rose earliest (within the project's onset uncertainty and after).
    const from = Date.parse(reading.onset) - (reading.uncertaintyMinutes ?? 0) * 60_000 * 2;
    const candidates = issues
      .map((issue) => ({ issue, at: riseOnset(issue, ctx.now) }))
      .filter((c): c is { issue: SentryIssueSummary; at: number } => c.at !== undefined)
      .filter((c) => c.at >= from)
      .sort((a, b) => a.at - b.at || b.issue.count - a.issue.count);
    outcome.leading ??= candidates[0]?.issue;
  }
  return outcome;
}
