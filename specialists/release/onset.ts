import { describeError, type EvidenceCollector, settle } from "../shared/collector.ts";
import type {
  SentryEventSummary,
  SentryIssueSummary,
  SentryReader,
  SentryReleaseSummary,
} from "../tools.ts";

/**
 * What Sentry tells the release specialist: when the symptom began (the linked issue's
 * first-seen time), which files its stack runs through, and when each release's deploy
 * finished. Without Sentry these are gaps — never guessed from the ticket's own times,
 * which would be a weaker source passed off as the same one (invariant 7).
 */

export const ONSET_GAP_IMPACT = {
  noSentry: 15,
  issue: 15,
  event: 5,
  releases: 5,
} as const;

export const RELEASES_READ = 50;

export interface SentryView {
  issue?: SentryIssueSummary;
  event?: SentryEventSummary;
  releases: SentryReleaseSummary[];
}

interface Context {
  ev: EvidenceCollector;
  signal: AbortSignal;
}

export async function readSentry(
  ctx: Context,
  sentry: SentryReader | undefined,
  issueId: string | undefined,
): Promise<SentryView> {
  const { ev } = ctx;
  if (!sentry) {
    if (issueId) {
      ev.gap({
        what: `Sentry is not available: when issue ${issueId} began is unknown, so deploys are not correlated with it`,
        confidenceImpact: ONSET_GAP_IMPACT.noSentry,
      });
    }
    return { releases: [] };
  }
  const view: SentryView = { releases: [] };
  if (issueId) {
    const issueRead = await settle(() => sentry.getIssue(issueId), ctx.signal);
    if (issueRead.ok) {
      view.issue = issueRead.value;
      const ref = ev.source({ kind: "sentry_issue", ref: `sentry_issue:${issueRead.value.id}` });
      ev.finding({
        fact: `${issueRead.value.shortId} (${issueRead.value.project}) first seen ${issueRead.value.firstSeen}`,
        source: ref,
      });
    } else {
      ev.gap({
        what: `Sentry issue ${issueId} unreadable (${describeError(issueRead.error)}): the symptom's onset is unknown`,
        confidenceImpact: ONSET_GAP_IMPACT.issue,
      });
    }
  }
  const [eventRead, releasesRead] = await Promise.all([
    view.issue
      ? settle(() => sentry.getEvent(view.issue!.id, "recommended"), ctx.signal)
      : Promise.resolve(undefined),
    settle(() => sentry.listReleases(RELEASES_READ), ctx.signal),
  ]);
  if (eventRead?.ok) view.event = eventRead.value;
  else if (eventRead) {
    ev.gap({
      what: `Sentry event of ${view.issue?.shortId} unavailable (${describeError(eventRead.error)}): the stack's files are unknown, commits are not matched against them`,
      confidenceImpact: ONSET_GAP_IMPACT.event,
    });
  }
  if (releasesRead.ok) view.releases = releasesRead.value;
  else {
    ev.gap({
      what: `Sentry releases unavailable (${describeError(releasesRead.error)}): deploy times are GitHub's deployment creation times`,
      confidenceImpact: ONSET_GAP_IMPACT.releases,
    });
  }
  return view;
}
