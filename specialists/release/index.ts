import type { RawSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { EvidenceCollector, READ_RULES, type SourceRef, settle } from "../shared/collector.ts";
import { linkedSentryIssueIds } from "../shared/linked-issues.ts";
import type { ToolName } from "../tools.ts";
import type { Specialist, SpecialistInput } from "../types.ts";
import { type CompareOutcome, compareDeploy } from "./compare.ts";
import {
  ABSENCE_WINDOW_HOURS,
  type Correlation,
  correlate,
  type DeployView,
  deploysWithin,
  previousDeploy,
  shortSha,
  stackFiles,
  toDeployViews,
  UNKNOWN_ONSET_WINDOW_HOURS,
} from "./correlate.ts";
import { readSentry, type SentryView } from "./onset.ts";

/**
 * The release specialist: did a deploy precede the symptom, and what did it ship? It
 * lists the environment's GitHub deployments, times them with Sentry's deploy records
 * when Sentry is available, and compares them with the linked Sentry issue's first-seen
 * time: `release_correlation` for the deploy the symptom followed within 24h (with the
 * diff against the previous deploy and the commits that touched the exception's stack),
 * or the negative control `deploy_absent` when nothing was deployed in the 24h before now.
 */

const TIMEOUT_MS = 45_000;
const DEPLOYMENTS_READ = 30;
const DEFAULT_ENVIRONMENT = "production";
const MISSING_GITHUB_IMPACT = 20;
const UNKNOWN_ONSET_IMPACT = 10;

const hoursBetween = (a: Date, b: string) =>
  Math.round(((a.getTime() - Date.parse(b)) / 3_600_000) * 10) / 10;

function recordCorrelation(
  ev: EvidenceCollector,
  c: Correlation,
  view: SentryView,
  service: string | undefined,
  /** Set when the onset came from another specialist's evidence, not a Sentry issue. */
  onsetWhat?: string,
): void {
  const { deploy } = c;
  const ref = ev.source({ kind: "github_deploy", ref: `github_deploy:${deploy.id}` });
  const symptom = view.issue
    ? `${view.issue.shortId} was first seen`
    : `the symptom (${onsetWhat ?? "onset"}) began`;
  ev.signal({
    kind: "release_correlation",
    source: ref,
    release: deploy.release ?? deploy.ref,
    ...(service ? { service } : {}),
    deployedAt: c.deployedAt,
    firstSeenAfterDeployMinutes: c.minutesAfter,
  });
  ev.finding({
    fact:
      `deploy ${deploy.id} of ${deploy.ref} (${shortSha(deploy.sha)}) to ${deploy.environment}${deploy.state ? ` (${deploy.state})` : ""} ` +
      `began ${deploy.startedAt}${deploy.finishedFrom === "sentry" ? ` and finished ${deploy.finishedAt} (Sentry deploy record)` : " (finish time unknown)"}; ` +
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

function recordAbsence(
  ev: EvidenceCollector,
  views: DeployView[],
  listRef: SourceRef,
  w: { environment: string; service: string | undefined; windowHours: number; now: Date },
): void {
  ev.signal({
    kind: "deploy_absent",
    source: listRef,
    ...(w.service ? { service: w.service } : {}),
    windowHours: w.windowHours,
  });
  const last = views[0];
  ev.finding({
    fact: last
      ? `no deploy to ${w.environment} in the ${w.windowHours}h before ${w.now.toISOString()}; the last, ${last.id} of ${last.ref} (${shortSha(last.sha)}), began ${last.startedAt}, ${hoursBetween(w.now, last.startedAt)}h before`
      : `no deploy to ${w.environment} is recorded at all`,
    source: listRef,
  });
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

/**
 * When the symptom began, and how we know: the linked Sentry issue's first-seen time, or —
 * for a ticket an alert filed (it links an alarm) within the window — the ticket's
 * creation, which the alert bounds closely. The latter only licenses the 24h absence
 * control, never a correlation, and says so.
 */
function onsetOf(
  input: SpecialistInput,
  view: SentryView,
): { at: Date; from: "sentry" | "evidence" | "alert"; what?: string } | undefined {
  const firstSeen = view.issue ? Date.parse(view.issue.firstSeen) : Number.NaN;
  if (!Number.isNaN(firstSeen)) return { at: new Date(firstSeen), from: "sentry" };
  // Another specialist's returned evidence (second wave) dates the symptom precisely.
  const observed = input.onset ? Date.parse(input.onset.at) : Number.NaN;
  if (input.onset && !Number.isNaN(observed)) {
    return { at: new Date(observed), from: "evidence", what: input.onset.what };
  }
  const { snapshot } = input.ticket;
  const filed = Date.parse(snapshot.createdAt);
  const ageHours = (input.now.getTime() - filed) / 3_600_000;
  if (snapshot.linked.awsRefs.length > 0 && ageHours >= 0 && ageHours <= ABSENCE_WINDOW_HOURS) {
    return { at: new Date(filed), from: "alert" };
  }
  return undefined;
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
    const onset = onsetOf(input, view);

    const correlation = onset && onset.from !== "alert" ? correlate(views, onset.at) : undefined;
    if (correlation) {
      recordCorrelation(
        ev,
        correlation,
        view,
        service,
        onset?.from === "evidence" ? onset.what : undefined,
      );
      const diff = await compareDeploy(
        { github, ev, signal: input.signal },
        previousDeploy(views, correlation.deploy),
        correlation.deploy,
        stackFiles(view.event),
      );
      return ev.returned(nextPivot(correlation, diff, false));
    }
    const windowHours = onset ? ABSENCE_WINDOW_HOURS : UNKNOWN_ONSET_WINDOW_HOURS;
    const recent = deploysWithin(views, input.now, windowHours);
    if (recent.length === 0) {
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

  /** Without a Sentry onset nothing was correlated: an onset from other evidence would help. */
  wantsOnset: (output) =>
    output.status === "returned" &&
    !output.signals.some((s) => s.kind === "release_correlation" || s.kind === "deploy_absent"),
};

export default releaseSpecialist;
