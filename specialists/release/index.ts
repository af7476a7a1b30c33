import type { RawSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { EvidenceCollector, READ_RULES, settle } from "../shared/collector.ts";
import { linkedSentryIssueIds } from "../shared/linked-issues.ts";
import type { ToolName } from "../tools.ts";
import type { Specialist, SpecialistInput } from "../types.ts";
import { recordAbsence } from "./absence.ts";
import { assess, type Onset, onsetOf, windowMinutesOf } from "./assess.ts";
import { type CompareOutcome, compareDeploy } from "./compare.ts";
import {
  ABSENCE_WINDOW_HOURS,
  CONTEXT_WINDOW_HOURS,
  type Correlation,
  DATA_STATE_WINDOW_HOURS,
  DEPLOY_PROXIMITY_MINUTES,
  type DeployView,
  type DirectionAtDeploy,
  deploysWithin,
  minutesBeforeOnset,
  previousDeploy,
  ROLLOUT_REACH_MINUTES,
  shortSha,
  stackFiles,
  toDeployViews,
  UNKNOWN_ONSET_WINDOW_HOURS,
} from "./correlate.ts";
import {
  attributeToFailed,
  failedDeploys,
  failedInContext,
  failedNearOnset,
  recordFailed,
} from "./failed.ts";
import { readSentry, type SentryView } from "./onset.ts";

/**
 * The release specialist: did a deploy precede the symptom, and what did it ship? It
 * lists the environment's GitHub deployments, times them with Sentry's deploy records
 * when Sentry is available, and tests them against the symptom's onset — the run's onset
 * when another specialist dated it (second wave), else the linked Sentry issue's event
 * series (its spike's change point, or its first event when it is new). A deploy is
 * correlated only when the onset followed it within {@link DEPLOY_PROXIMITY_MINUTES}
 * minutes (plus the onset's uncertainty) and the series rose across it after a flat
 * baseline: then `release_correlation` (with the diff against the previous deploy and the
 * commits that touched the exception's stack). Otherwise `deploy_absent` for the window
 * before the onset, and each deploy of the 24h around it as a `change_event` with its
 * minutes before the onset (negative: after it, so it did not start the symptom).
 */

const TIMEOUT_MS = 45_000;
const DEPLOYMENTS_READ = 30;
const DEFAULT_ENVIRONMENT = "production";
const MISSING_GITHUB_IMPACT = 20;
const UNKNOWN_ONSET_IMPACT = 10;

/** Where a deploy's finish time came from, as the finding says it. */
const FINISH_SOURCE: Record<DeployView["finishedFrom"], string | undefined> = {
  sentry: "Sentry deploy record",
  github_status: "GitHub deployment status",
  github: undefined,
};

function recordCorrelation(
  ev: EvidenceCollector,
  c: Correlation,
  view: SentryView,
  service: string | undefined,
  onset: Onset,
  direction: DirectionAtDeploy | undefined,
  diffTouchesStack: boolean | undefined,
  byPrecursor = false,
): void {
  const { deploy } = c;
  const ref = ev.source({ kind: "github_deploy", ref: `github_deploy:${deploy.id}` });
  const symptom = onset.what.endsWith("first seen")
    ? onset.what
    : `the symptom (${onset.what}) began`;
  const deployedMs = Date.parse(c.deployedAt);
  const windowMs = windowMinutesOf(onset) * 60_000;
  ev.signal({
    kind: "release_correlation",
    source: ref,
    release: deploy.release ?? deploy.ref,
    ...(service ? { service } : {}),
    deployedAt: c.deployedAt,
    deployStartedAt: new Date(Date.parse(deploy.startedAt)).toISOString(),
    ...(diffTouchesStack === undefined ? {} : { diffTouchesStack }),
    firstSeenAfterDeployMinutes: c.minutesAfter,
    windowStart: direction?.windowStart ?? new Date(deployedMs - windowMs).toISOString(),
    windowEnd: direction?.windowEnd ?? new Date(deployedMs + windowMs).toISOString(),
  });
  if (onset.precursor && byPrecursor) {
    ev.finding({
      fact: `${onset.precursor.what} at ${onset.precursor.at.toISOString()} (±${onset.precursor.uncertaintyMinutes} min), within the rollout of deploy ${deploy.id} (${deploy.startedAt} to ${deploy.finishedAt}, plus ${ROLLOUT_REACH_MINUTES} min), with no rise in request volume before it: the symptom followed when that load reached its limit`,
      source: ref,
    });
  }
  if (direction) {
    ev.finding({
      fact: `the symptom series rose across deploy ${deploy.id}: ${direction.before} per bucket before it, ${direction.after} after (${direction.windowStart} to ${direction.windowEnd}), with no rise in the baseline before`,
      source: ref,
    });
  }
  ev.finding({
    fact:
      `deploy ${deploy.id} of ${deploy.ref} (${shortSha(deploy.sha)}) to ${deploy.environment}${deploy.state ? ` (${deploy.state})` : ""} ` +
      `began ${deploy.startedAt}${FINISH_SOURCE[deploy.finishedFrom] ? ` and finished ${deploy.finishedAt} (${FINISH_SOURCE[deploy.finishedFrom]})` : " (finish time unknown)"}; ` +
      `${symptom} ${c.minutesAfter} min after ${c.deployedAt}`,
    source: ref,
  });
  const eventRelease = view.event?.release;
  if (view.issue && deploy.release && eventRelease === deploy.release) {
    ev.finding({
      fact: `${view.issue.shortId}'s recommended event ran release ${eventRelease}, the release of deploy ${deploy.id}`,
      source: ev.source({ kind: "sentry_release", ref: `sentry_release:${deploy.release}` }),
    });
  }
}

/** Deploys of the day around the onset that did not correlate, as context. */
function recordContext(
  ev: EvidenceCollector,
  views: DeployView[],
  onset: Onset,
  now: Date,
  service: string | undefined,
  contradicted?: { deploy: DeployView; direction: DirectionAtDeploy },
): void {
  const from = onset.at.getTime() - CONTEXT_WINDOW_HOURS * 3_600_000;
  for (const deploy of views) {
    const t = Date.parse(deploy.startedAt);
    if (t < from || t > now.getTime()) continue;
    const minutes = minutesBeforeOnset(deploy, onset.at);
    const ref = ev.source({ kind: "github_deploy", ref: `github_deploy:${deploy.id}` });
    ev.signal({
      kind: "change_event",
      source: ref,
      change: "deploy",
      ref: deploy.release ?? deploy.ref,
      ...(service ? { service } : {}),
      at: new Date(t).toISOString(),
      minutesBeforeOnset: minutes,
    });
    const why =
      contradicted?.deploy.id === deploy.id
        ? contradicted.direction.risingBefore
          ? "the symptom series was already rising before it"
          : `the symptom series did not rise across it (${contradicted.direction.before} → ${contradicted.direction.after} per bucket)`
        : minutes < 0
          ? "it began after the symptom, so it did not start it"
          : `${minutes} min is beyond the ${windowMinutesOf(onset)} min a deploy may precede its symptom`;
    ev.finding({
      fact: `deploy ${deploy.id} of ${deploy.ref} (${shortSha(deploy.sha)}) began ${deploy.startedAt}, ${Math.abs(minutes)} min ${minutes < 0 ? "after" : "before"} the onset (${onset.what}, ${onset.at.toISOString()}): not correlated, ${why}`,
      source: ref,
    });
  }
}

function nextPivot(
  correlation: Correlation | undefined,
  diff: CompareOutcome | undefined,
  absent: boolean,
): string {
  if (correlation) {
    const culprit = diff?.culpritCommits[0];
    if (culprit) {
      return `Read commit ${shortSha(culprit.sha)} (${culprit.files.join(", ")}) against the culprit frame; rolling back ${correlation.deploy.release ?? correlation.deploy.ref} is a human decision`;
    }
    return `Review what ${correlation.deploy.release ?? correlation.deploy.ref} shipped for the failing path`;
  }
  if (absent)
    return "No deploy in the window: look at infrastructure, data and vendor changes, not code";
  return "Establish when the symptom began (Sentry first-seen or metrics) to test the recent deploys";
}

function recordRecent(
  ev: EvidenceCollector,
  recent: DeployView[],
  view: SentryView,
  onset: Date | undefined,
): void {
  for (const deploy of recent) {
    const after = onset !== undefined && Date.parse(deploy.startedAt) > onset.getTime();
    ev.finding({
      fact:
        `deploy ${deploy.id} of ${deploy.ref} (${shortSha(deploy.sha)}) to ${deploy.environment} began ${deploy.startedAt}` +
        (after && view.issue
          ? `, after ${view.issue.shortId} was first seen (${view.issue.firstSeen}): it did not start the symptom`
          : ""),
      source: ev.source({ kind: "github_deploy", ref: `github_deploy:${deploy.id}` }),
    });
  }
}

async function run(input: SpecialistInput): Promise<RawSpecialistOutput> {
  const ev = new EvidenceCollector({
    specialistId: "release",
    question: input.question,
    at: input.now,
    deadlineMs: TIMEOUT_MS,
    rules: READ_RULES,
  });
  const github = input.tools.github;
  if (!github) {
    ev.gap({
      what: "GitHub is not available: deploys and commits were not read",
      confidenceImpact: MISSING_GITHUB_IMPACT,
    });
    return ev.skipped("the github tool is not available");
  }
  try {
    const issueId = linkedSentryIssueIds(input.ticket)[0];
    const view = await readSentry({ ev, signal: input.signal }, input.tools.sentry, issueId);
    const environment = view.event?.environment ?? DEFAULT_ENVIRONMENT;
    const service = input.ticket.service ?? (view.issue?.project || undefined);

    const deployments = await settle(
      () => github.listDeployments({ environment, limit: DEPLOYMENTS_READ }),
      input.signal,
    );
    if (!deployments.ok) {
      return ev.failed(
        deployments.error,
        "Retry when GitHub answers: deploys are this specialist's evidence",
      );
    }
    const listRef = ev.source({ kind: "github_deploy", ref: `github_deploy:${environment}` });
    const views = toDeployViews(deployments.value, view.releases);
    const failed = failedDeploys(deployments.value, view.releases, views);
    await attributeToFailed(
      ev,
      { sentry: input.tools.sentry, signal: input.signal },
      {
        event: view.event,
        project: input.ticket.sentryProjects?.[0] ?? service ?? input.onset?.service,
        failed,
        shipped: views,
        service,
      },
    );
    const onset = onsetOf(input, view);

    if (onset && (onset.from === "series" || onset.from === "data_state")) {
      recordFailed(ev, failedInContext(failed, onset, input.now), { onset, service });
      const a = assess(views, onset);
      if (a.correlation) {
        const stack = stackFiles(view.event);
        const diff = await compareDeploy(
          { github, ev, signal: input.signal },
          previousDeploy(views, a.correlation.deploy),
          a.correlation.deploy,
          stack,
        );
        // Whether the diff reached the stack is known only when both were read.
        const touches = diff && stack.length > 0 ? diff.filesInStack.length > 0 : undefined;
        recordCorrelation(
          ev,
          a.correlation,
          view,
          service,
          onset,
          a.direction,
          touches,
          a.byPrecursor,
        );
        return ev.returned(nextPivot(a.correlation, diff, false));
      }
      // No deploy in the window before the onset (or one the series contradicts): the
      // absence control over that window, and the day's deploys as context.
      // A deploy that began in the window and failed is still a change there, never "no deploy".
      if (!a.contradicted && failedNearOnset(failed, onset).length === 0) {
        // The window correlate() searched: the proximity before the onset, widened by the
        // onset's uncertainty on both sides.
        const end = new Date(onset.at.getTime() + onset.uncertaintyMinutes * 60_000);
        const minutes = windowMinutesOf(onset) + 2 * onset.uncertaintyMinutes;
        recordAbsence(ev, views, listRef, {
          environment,
          service,
          windowHours: Math.round((minutes / 60) * 100) / 100,
          now: end,
        });
      }
      recordContext(
        ev,
        views,
        onset,
        input.now,
        service,
        a.contradicted && a.direction
          ? { deploy: a.contradicted.deploy, direction: a.direction }
          : undefined,
      );
      return ev.returned(nextPivot(undefined, undefined, !a.contradicted));
    }
    // A long-lived issue whose series did not rise, or an alert's filing time: only the
    // absence control over the day before now; no onset at all: the last two weeks.
    const windowHours = onset ? ABSENCE_WINDOW_HOURS : UNKNOWN_ONSET_WINDOW_HOURS;
    const recent = deploysWithin(views, input.now, windowHours);
    const recentFailed = deploysWithin(failed, input.now, windowHours);
    recordFailed(ev, recentFailed, { service });
    if (recent.length === 0 && recentFailed.length === 0) {
      if (onset?.from === "alert") {
        ev.finding({
          fact: `no Sentry onset: the alert-filed ticket's creation (${input.ticket.snapshot.createdAt}) bounds the symptom's start`,
          source: listRef,
        });
      }
      recordAbsence(ev, views, listRef, { environment, service, windowHours, now: input.now });
      return ev.returned(nextPivot(undefined, undefined, true));
    }
    recordRecent(ev, recent, view, onset?.at);
    if (!onset) {
      ev.gap({
        what: `the symptom's onset is unknown (no Sentry issue, no alert): ${recent.length} deploy${recent.length === 1 ? "" : "s"} of the last ${windowHours / 24} days not tested against it`,
        confidenceImpact: UNKNOWN_ONSET_IMPACT,
      });
    }
    return ev.returned(nextPivot(undefined, undefined, false));
  } catch (error) {
    return ev.thrown(error);
  }
}

/**
 * `needs` lists what the specialist cannot run without (GitHub); `optionalTools` what it
 * uses when the run has it (Sentry: the onset, the stack, deploy finish times). Without
 * Sentry it still runs and records the gap, so the `deploy_absent` negative control is
 * not lost with it. The router hands optional tools over when they are available.
 */
export const RELEASE_OPTIONAL_TOOLS: ToolName[] = ["sentry"];

const releaseSpecialist: Specialist = {
  id: "release",
  phase: "evidence",
  needs: ["github"],
  optionalTools: RELEASE_OPTIONAL_TOOLS,
  timeoutMs: TIMEOUT_MS,

  appliesTo(ticket, tools) {
    const github = tools.find((t) => t.connector === "github");
    const availability =
      github?.status === "available" ? "" : `; GitHub is ${github?.status ?? "not configured"}`;
    const linked = linkedSentryIssueIds(ticket)[0];
    return {
      applies: true,
      required: true,
      reason: `deploy correlation (or its absence) is checked for every production ticket${linked ? `, against Sentry issue ${linked}'s first-seen time` : ""}${availability}`,
    };
  },

  question(ticket) {
    const linked = linkedSentryIssueIds(ticket)[0];
    const onset = linked ? `Sentry issue ${linked} was first seen` : "the symptom began";
    return `Was anything deployed shortly before ${onset}, and what did that deploy change — or was nothing deployed in the last ${ABSENCE_WINDOW_HOURS}h?`;
  },

  run,

  /**
   * Asked again with the run's onset unless it already correlated a deploy, or its
   * absence control already covered the window before that onset.
   */
  wantsOnset: (output, onset) => {
    if (output.status !== "returned") return false;
    if (output.signals.some((s) => s.kind === "release_correlation")) return false;
    const at = Date.parse(onset.at);
    const reach =
      (onset.source === "data_state" ? DATA_STATE_WINDOW_HOURS * 60 : DEPLOY_PROXIMITY_MINUTES) *
      60_000;
    return !output.signals.some(
      (s) =>
        s.kind === "deploy_absent" &&
        s.windowStart !== undefined &&
        s.windowEnd !== undefined &&
        Date.parse(s.windowStart) <= at - reach &&
        Date.parse(s.windowEnd) >= at,
    );
  },
};

export default releaseSpecialist;
