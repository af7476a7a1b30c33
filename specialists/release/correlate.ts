import { detectChangePoint, type Sample } from "../../src/domain/change-point.ts";
import { DEFAULT_DEPLOY_PROXIMITY_MINUTES } from "../../src/domain/run-onset.ts";
import { clipText } from "../clip.ts";
import { mean, round } from "../shared/sentry-series.ts";
import type { GitHubReader, SentryEventSummary, SentryReleaseSummary } from "../tools.ts";

/**
 * Pure reasoning over deploys: which deploys actually went out, when each finished
 * (Sentry's deploy record when it has one, else GitHub's deployment time), which one
 * preceded the symptom's onset, and which changed files sit in the exception's stack.
 */

/**
 * How long after a deploy a symptom may begin and still be blamed on it, unless the run's
 * policy sets `deploy_proximity_minutes` (src/domain/run-onset.ts explains the default).
 */
export const DEPLOY_PROXIMITY_MINUTES = DEFAULT_DEPLOY_PROXIMITY_MINUTES;
/**
 * An onset read from data state (the oldest stale derived row) marks when a write path
 * first ran wrongly, which waits for a user to exercise it: the deploy before it counts
 * within this window, without a series to test direction on.
 */
export const DATA_STATE_WINDOW_HOURS = 24;
/** Deploys this long before the onset (or after it, up to now) are listed as context. */
export const CONTEXT_WINDOW_HOURS = 24;
/** The negative control looks this far back from now for any deploy. */
export const ABSENCE_WINDOW_HOURS = 24;
/**
 * Without a known onset a 24h absence proves nothing (the symptom may be older), so the
 * control looks back this far instead, and only an absence over all of it counts.
 */
export const UNKNOWN_ONSET_WINDOW_HOURS = 14 * 24;

export type Deployment = Awaited<ReturnType<GitHubReader["listDeployments"]>>[number];

/** Deployments in these states never shipped code (GitHub deployment status states). */
const NOT_SHIPPED = new Set(["failure", "error", "queued", "pending"]);

export interface DeployView {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  state?: string;
  /** When the deployment was created: the rollout began. */
  startedAt: string;
  /**
   * When it finished: Sentry's deploy record of the matching release, else the
   * deployment's first `success` status, else `startedAt`.
   */
  finishedAt: string;
  /** Sentry's record of the rollout's end, GitHub's success status, or only GitHub's start. */
  finishedFrom: "sentry" | "github_status" | "github";
  /** The matching Sentry release version, when one matches. */
  release?: string;
}

const HOUR_MS = 3_600_000;

/**
 * The Sentry release a deployment shipped: its version is the ref or the SHA, alone or
 * after Sentry's recommended `package@` prefix (https://docs.sentry.io/product/releases/naming-releases/).
 */
export function matchRelease(
  deployment: Pick<Deployment, "ref" | "sha">,
  releases: SentryReleaseSummary[],
): SentryReleaseSummary | undefined {
  const names = [deployment.ref, deployment.sha].filter((n) => n.length > 0);
  return releases.find((r) => names.some((n) => r.version === n || r.version.endsWith(`@${n}`)));
}

/** Deployments that shipped, newest first, with their finish times. */
export function toDeployViews(
  deployments: Deployment[],
  releases: SentryReleaseSummary[],
): DeployView[] {
  return deployments
    .filter((d) => d.state === undefined || !NOT_SHIPPED.has(d.state))
    .filter((d) => !Number.isNaN(Date.parse(d.createdAt)))
    .map((d) => toDeployView(d, releases))
    .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
}

/** One deployment with its finish time and matching Sentry release. */
export function toDeployView(d: Deployment, releases: SentryReleaseSummary[]): DeployView {
  const release = matchRelease(d, releases);
  const recorded = release?.lastDeployAt ?? release?.dateReleased;
  const known = recorded !== undefined && Date.parse(recorded) >= Date.parse(d.createdAt);
  const succeeded =
    d.finishedAt !== undefined && Date.parse(d.finishedAt) >= Date.parse(d.createdAt)
      ? d.finishedAt
      : undefined;
  const finish = known
    ? { finishedAt: recorded, finishedFrom: "sentry" as const }
    : succeeded
      ? { finishedAt: succeeded, finishedFrom: "github_status" as const }
      : { finishedAt: d.createdAt, finishedFrom: "github" as const };
  return {
    id: d.id,
    sha: d.sha,
    ref: d.ref,
    environment: d.environment,
    ...(d.state ? { state: d.state } : {}),
    startedAt: d.createdAt,
    ...finish,
    ...(release ? { release: release.version } : {}),
  };
}

export interface Correlation {
  deploy: DeployView;
  /** The finish time, or the start when the symptom began during the rollout. */
  deployedAt: string;
  minutesAfter: number;
}

/**
 * The last deploy that began before the onset (or within its uncertainty after it), if
 * the onset followed it within `maxMinutes` (plus the uncertainty).
 */
export function correlate(
  views: DeployView[],
  onset: Date,
  maxMinutes: number = DEPLOY_PROXIMITY_MINUTES,
  uncertaintyMinutes = 0,
): Correlation | undefined {
  const t = onset.getTime();
  const slack = uncertaintyMinutes * 60_000;
  const deploy = views.find((v) => Date.parse(v.startedAt) <= t + slack);
  if (!deploy) return undefined;
  const deployedAt = Date.parse(deploy.finishedAt) <= t ? deploy.finishedAt : deploy.startedAt;
  const minutes = (t - Date.parse(deployedAt)) / 60_000;
  if (minutes > maxMinutes + uncertaintyMinutes) return undefined;
  return { deploy, deployedAt, minutesAfter: Math.max(0, Math.round(minutes)) };
}

/**
 * How long after a rollout finished its traffic is still reaching the new code: a
 * dependency's climb that began by then may be the release's (the classifier's
 * `TIGHT_RELEASE_MINUTES`, src/domain/classifier-features-drivers.ts `withinRollout`).
 */
export const ROLLOUT_REACH_MINUTES = 15;

/**
 * The deploy whose rollout a precursor's climb began within (from its start to
 * {@link ROLLOUT_REACH_MINUTES} after it finished, widened by the climb's uncertainty),
 * correlated with the symptom's onset however long after: a cache that no longer expires
 * fills for hours before it evicts. Undefined when no rollout holds the climb's start, so a
 * climb that began between deploys (slow organic growth) blames none. Newest first wins.
 */
export function correlateByPrecursor(
  views: DeployView[],
  precursor: { at: Date; uncertaintyMinutes: number },
  onset: Date,
): Correlation | undefined {
  const t = precursor.at.getTime();
  const slack = precursor.uncertaintyMinutes * 60_000;
  const deploy = views.find(
    (v) =>
      Date.parse(v.startedAt) - slack <= t &&
      t <= Date.parse(v.finishedAt) + ROLLOUT_REACH_MINUTES * 60_000 + slack,
  );
  if (!deploy || Date.parse(deploy.startedAt) > onset.getTime()) return undefined;
  const deployedAt =
    Date.parse(deploy.finishedAt) <= onset.getTime() ? deploy.finishedAt : deploy.startedAt;
  const minutes = (onset.getTime() - Date.parse(deployedAt)) / 60_000;
  return { deploy, deployedAt, minutesAfter: Math.max(0, Math.round(minutes)) };
}

export interface DirectionAtDeploy {
  /** The series rose across the deploy and was not already rising before it. */
  consistent: boolean;
  before: number;
  after: number;
  /** The series was already rising in the baseline before the deploy. */
  risingBefore: boolean;
  windowStart: string;
  windowEnd: string;
}

/**
 * Whether a symptom series moved the way a bad deploy would make it move: its mean over
 * the window after `anchorMs` is above the window before by change-point's default bounds
 * (×1.5 and one unit), and the baseline before the deploy (at least twelve buckets) shows no
 * rise of its own. Buckets are `[at, at + period)`; one straddling the deploy counts as
 * after. Undefined when the series does not cover both sides.
 */
export function directionAtDeploy(
  samples: readonly Sample[],
  anchorMs: number,
  windowMinutes: number = DEPLOY_PROXIMITY_MINUTES,
): DirectionAtDeploy | undefined {
  if (samples.length < 2) return undefined;
  const period = (samples.at(-1)!.at - samples[0]!.at) / (samples.length - 1);
  const w = windowMinutes * 60_000;
  const beforeSpan = Math.max(w, 3 * period);
  const afterSpan = Math.max(w, 2 * period);
  const baselineSpan = Math.max(beforeSpan, 12 * period);
  const beforeWindow = samples.filter(
    (s) => s.at >= anchorMs - beforeSpan && s.at + period <= anchorMs,
  );
  const afterWindow = samples.filter(
    (s) => s.at + period > anchorMs && s.at < anchorMs + afterSpan,
  );
  if (beforeWindow.length === 0 || afterWindow.length === 0) return undefined;
  const before = mean(beforeWindow.map((s) => s.value));
  const after = mean(afterWindow.map((s) => s.value));
  const delta = after - before;
  const rose = delta >= 1 && delta >= 0.5 * Math.max(before, after);
  const baseline = samples.filter(
    (s) => s.at >= anchorMs - baselineSpan && s.at + period <= anchorMs,
  );
  const risingBefore = detectChangePoint(baseline).direction === "rise";
  return {
    consistent: rose && !risingBefore,
    before: round(before),
    after: round(after),
    risingBefore,
    windowStart: new Date(Math.min(beforeWindow[0]!.at, baseline[0]?.at ?? Infinity)).toISOString(),
    windowEnd: new Date(afterWindow.at(-1)!.at + period).toISOString(),
  };
}

/** Minutes from a deploy's start to the onset; negative when it began after the onset. */
export function minutesBeforeOnset(deploy: DeployView, onset: Date): number {
  return Math.round((onset.getTime() - Date.parse(deploy.startedAt)) / 60_000);
}

/** The deploy before `current` that shipped different code: the base of its diff. */
export function previousDeploy(views: DeployView[], current: DeployView): DeployView | undefined {
  return views.find(
    (v) => Date.parse(v.startedAt) < Date.parse(current.startedAt) && v.sha !== current.sha,
  );
}

/** Deploys that began in the `hours` before `end`. */
export function deploysWithin<T extends DeployView>(views: T[], end: Date, hours: number): T[] {
  const from = end.getTime() - hours * HOUR_MS;
  return views.filter((v) => {
    const t = Date.parse(v.startedAt);
    return t >= from && t <= end.getTime();
  });
}

/** In-app files of the exception's stack, innermost (the culprit) first. */
export function stackFiles(event: SentryEventSummary | undefined): string[] {
  const frames = event?.exception?.frames.filter((f) => f.inApp) ?? [];
  return [...new Set(frames.map((f) => f.filename).reverse())];
}

/** Same file, allowing for a build prefix on either side ("/app/src/x.ts" vs "src/x.ts"). */
export function sameFile(a: string, b: string): boolean {
  const strip = (p: string) => p.replace(/^\.?\//, "");
  const x = strip(a);
  const y = strip(b);
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

/** Changed files that appear in the stack, in stack order (culprit first). */
export function filesInStack(changed: string[], stack: string[]): string[] {
  return stack.filter((s) => changed.some((c) => sameFile(c, s)));
}

export const shortSha = (sha: string) => sha.slice(0, 7);

export const firstLine = (message: string, max = 120) => {
  const line = message.split("\n", 1)[0] ?? "";
  return clipText(line, max);
};
