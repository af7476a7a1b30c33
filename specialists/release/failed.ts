import { type EvidenceCollector, settle } from "../shared/collector.ts";
import type { SentryEventSummary, SentryReader, SentryReleaseSummary } from "../tools.ts";
import { type Onset, windowMinutesOf } from "./assess.ts";
import {
  CONTEXT_WINDOW_HOURS,
  type Deployment,
  type DeployView,
  minutesBeforeOnset,
  shortSha,
  toDeployView,
} from "./correlate.ts";

/**
 * Deploys whose rollout began and did not complete. Such a deploy shipped no lasting code,
 * so it never correlates as a release, but it is still a change at its start: a migration
 * it ran, or the tasks it started before its health checks failed, acted on production.
 * So a failed deploy near the onset is a `change_event` with its state, and the window
 * that holds one is never "no deploy". And when the error tracker tags the failing events
 * with the failed release after other code replaced it, the two sources disagree on
 * which code throws (classifier-conflicts.ts `release_attribution`).
 */

/** GitHub deployment states of a rollout that began and did not complete. */
const FAILED_STATES = new Set(["failure", "error"]);

export interface FailedDeploy extends DeployView {
  state: "failure" | "error";
  /** The first later deployment of other code that shipped, with a known finish. */
  supersededBy?: DeployView;
}

const isFailedState = (s: string | undefined): s is FailedDeploy["state"] =>
  s !== undefined && FAILED_STATES.has(s);

/**
 * Deployments that failed, newest first, each with the later deployment of other code
 * that replaced it (`shipped`: the views of deployments that shipped).
 */
export function failedDeploys(
  deployments: Deployment[],
  releases: SentryReleaseSummary[],
  shipped: DeployView[],
): FailedDeploy[] {
  const oldestFirst = [...shipped].reverse();
  return deployments
    .filter((d) => isFailedState(d.state) && !Number.isNaN(Date.parse(d.createdAt)))
    .map((d) => {
      const view = toDeployView(d, releases);
      const supersededBy = oldestFirst.find(
        (v) =>
          v.sha !== view.sha &&
          v.finishedFrom !== "github" &&
          Date.parse(v.startedAt) >= Date.parse(view.startedAt),
      );
      return {
        ...view,
        state: d.state as FailedDeploy["state"],
        ...(supersededBy ? { supersededBy } : {}),
      };
    })
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
}

/**
 * Failed deploys that began within the window before the onset (the one `correlate()`
 * searches, widened by the onset's uncertainty on both sides).
 */
export function failedNearOnset(failed: FailedDeploy[], onset: Onset): FailedDeploy[] {
  const slack = onset.uncertaintyMinutes * 60_000;
  const from = onset.at.getTime() - windowMinutesOf(onset) * 60_000 - slack;
  const to = onset.at.getTime() + slack;
  return failed.filter((f) => {
    const t = Date.parse(f.startedAt);
    return t >= from && t <= to;
  });
}

/** Failed deploys of the day before the onset, or since it: the context deploys' span. */
export function failedInContext(failed: FailedDeploy[], onset: Onset, now: Date): FailedDeploy[] {
  const from = onset.at.getTime() - CONTEXT_WINDOW_HOURS * 3_600_000;
  return failed.filter((f) => {
    const t = Date.parse(f.startedAt);
    return t >= from && t <= now.getTime();
  });
}

export interface Attribution {
  /** The release the error tracker tags the failing event with. */
  release: string;
  seenAt: string;
  deploy: FailedDeploy;
}

/**
 * The failed deploy of the release the issue's recommended event is tagged with, when
 * that release's latest deployment failed (no deployment of it shipped since) and other
 * code replaced it. The classifier decides whether the event came too late to be the
 * failed rollout's own tasks.
 */
export function attributionOfFailed(
  event: SentryEventSummary | undefined,
  failed: FailedDeploy[],
  shipped: DeployView[],
): Attribution | undefined {
  const release = event?.release;
  if (!event || !release) return undefined;
  const deploy = failed.find((f) => f.release === release);
  if (!deploy?.supersededBy) return undefined;
  const redeployed = shipped.some(
    (v) => v.release === release && Date.parse(v.startedAt) > Date.parse(deploy.startedAt),
  );
  return redeployed ? undefined : { release, seenAt: event.dateCreated, deploy };
}

/**
 * Each failed deploy as a `change_event` with its state (minutes before the onset when
 * there is one) and what replaced it, with a finding that says what failing does not
 * rule out.
 */
export function recordFailed(
  ev: EvidenceCollector,
  failed: FailedDeploy[],
  ctx: { onset?: Onset; service: string | undefined },
): void {
  for (const deploy of failed) {
    const ref = ev.source({ kind: "github_deploy", ref: `github_deploy:${deploy.id}` });
    const minutes = ctx.onset ? minutesBeforeOnset(deploy, ctx.onset.at) : undefined;
    const by = deploy.supersededBy;
    ev.signal({
      kind: "change_event",
      source: ref,
      change: "deploy",
      ref: deploy.release ?? deploy.ref,
      ...(ctx.service ? { service: ctx.service } : {}),
      at: new Date(Date.parse(deploy.startedAt)).toISOString(),
      ...(minutes === undefined ? {} : { minutesBeforeOnset: minutes }),
      state: deploy.state,
      ...(by ? { supersededAt: new Date(Date.parse(by.finishedAt)).toISOString() } : {}),
    });
    const when =
      ctx.onset && minutes !== undefined
        ? `, ${Math.abs(minutes)} min ${minutes < 0 ? "after" : "before"} the onset (${ctx.onset.what}, ${ctx.onset.at.toISOString()})`
        : "";
    ev.finding({
      fact:
        `deploy ${deploy.id} of ${deploy.ref} (${shortSha(deploy.sha)}) to ${deploy.environment} began ${deploy.startedAt}${when} and ended in ${deploy.state}` +
        (by
          ? `; deploy ${by.id} of ${by.ref} (${shortSha(by.sha)}) replaced it, finished ${by.finishedAt}`
          : "") +
        ": a failed rollout is not a release that runs, but what it did before failing (a migration, tasks that served traffic) is not ruled out",
      source: ref,
    });
  }
}

/** The error tracker's release tag on the failing events, against the failed deploy. */
export function recordAttribution(
  ev: EvidenceCollector,
  a: Attribution,
  service: string | undefined,
): void {
  ev.signal({
    kind: "release_attribution",
    source: ev.source({ kind: "sentry_release", ref: `sentry_release:${a.release}` }),
    release: a.release,
    ...(service ? { service } : {}),
    seenAt: new Date(Date.parse(a.seenAt)).toISOString(),
  });
  const by = a.deploy.supersededBy;
  ev.finding({
    fact: `the issue's recommended event (${a.seenAt}) is tagged release ${a.release}, but deploy ${a.deploy.id} of it ended in ${a.deploy.state}${by ? ` and deploy ${by.id} of ${by.ref} finished ${by.finishedAt}` : ""}: the deployment records say ${a.release} is not what runs`,
    source: ev.source({ kind: "github_deploy", ref: `github_deploy:${a.deploy.id}` }),
  });
}

/** Issues of the service's project read when no issue is linked (one symptom per ticket). */
const ISSUES_READ_FOR_ATTRIBUTION = 10;

/**
 * With no linked issue, the release the error tracker tags the service's failing events
 * with: the recommended event of the most recently seen issue of the service's project
 * that was first seen after a failed deploy began. Read only when a deploy failed, so the
 * two sources can be set against each other; undefined when Sentry cannot search.
 */
export async function eventAfterFailed(
  ctx: { sentry: SentryReader | undefined; signal: AbortSignal },
  project: string | undefined,
  failed: FailedDeploy[],
): Promise<SentryEventSummary | undefined> {
  const { sentry } = ctx;
  const oldest = failed.at(-1);
  if (!sentry?.searchProjectIssues || !project || !oldest) return undefined;
  const search = sentry.searchProjectIssues.bind(sentry);
  const issues = await settle(() => search(project, ISSUES_READ_FOR_ATTRIBUTION), ctx.signal);
  if (!issues.ok) return undefined;
  const issue = issues.value
    .filter((i) => Date.parse(i.firstSeen) >= Date.parse(oldest.startedAt))
    .sort((a, b) => Date.parse(b.lastSeen) - Date.parse(a.lastSeen))[0];
  if (!issue) return undefined;
  const event = await settle(() => sentry.getEvent(issue.id, "recommended"), ctx.signal);
  return event.ok ? event.value : undefined;
}

/**
 * Sets the error tracker's release tag (the linked issue's event, else one read after a
 * failed deploy) against the failed deploys, and records the attribution when it names one.
 */
export async function attributeToFailed(
  ev: EvidenceCollector,
  ctx: { sentry: SentryReader | undefined; signal: AbortSignal },
  on: {
    event: SentryEventSummary | undefined;
    project: string | undefined;
    failed: FailedDeploy[];
    shipped: DeployView[];
    service: string | undefined;
  },
): Promise<void> {
  if (on.failed.length === 0) return;
  const event = on.event ?? (await eventAfterFailed(ctx, on.project, on.failed));
  const attribution = attributionOfFailed(event, on.failed, on.shipped);
  if (attribution) recordAttribution(ev, attribution, on.service);
}
