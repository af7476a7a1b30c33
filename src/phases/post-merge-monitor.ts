import type { GitHubReader, MetricSeries } from "../../specialists/tools.ts";
import { asAppError } from "../domain/errors.ts";
import { type DeliveryState, type RunContext, scopeOf } from "../domain/run-context.ts";
import type { MonitorPolicy } from "../policy/types.ts";
import type { PhaseContext, PhaseHandlers, PhaseResult } from "../runner/types.ts";
import type { PipelineDeps } from "./deps.ts";
import { handoffPhases } from "./handoff.ts";
import {
  decideMonitor,
  type MonitorDecision,
  type MonitorDeploy,
  type MonitorInput,
  type SeriesPoints,
  type Source,
  seriesSpan,
} from "./post-merge-monitor-verdict.ts";
import type { Notify } from "./triage-context.ts";

/** Deployments read, newest first; first-parent commits walked from each to find the merge. */
const DEPLOYMENTS_READ = 30;
const ANCESTRY_STEPS = 25;
const EVENTS_READ = 100;
/** The ALB series, one datapoint a minute (what the aws specialist reads too). */
const ALB_NAMESPACE = "AWS/ApplicationELB";
const PERIOD_SECONDS = 60;

/**
 * Whether `sha` is `target` or has it among its first `ANCESTRY_STEPS` first-parent
 * ancestors (a deploy of a later commit on the default branch still holds the merge).
 */
async function contains(reader: GitHubReader, sha: string, target: string): Promise<boolean> {
  let current: string | undefined = sha;
  for (let step = 0; current && step <= ANCESTRY_STEPS; step += 1) {
    if (current === target) return true;
    if (!reader.getCommit) return false;
    current = (await reader.getCommit(current))?.parents[0];
  }
  return false;
}

/** The earliest deployment, created after the merge, that holds the merge commit. */
async function deployOf(
  reader: GitHubReader,
  mergeSha: string,
  mergedAt: string | undefined,
): Promise<MonitorDeploy | undefined> {
  const since = mergedAt ? Date.parse(mergedAt) : Number.NEGATIVE_INFINITY;
  const deployments = (await reader.listDeployments({ limit: DEPLOYMENTS_READ }))
    .filter((d) => !(Date.parse(d.createdAt) < since))
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
  for (const d of deployments) {
    if (await contains(reader, d.sha, mergeSha))
      return { id: d.id, sha: d.sha, createdAt: d.createdAt };
  }
  return undefined;
}

/** A read as a {@link Source}: its data, or the error's code as the named gap. */
async function read<T>(what: () => Promise<T>): Promise<Source<T>> {
  try {
    return { status: "ok", data: await what() };
  } catch (error) {
    return { status: "failed", why: asAppError(error).code };
  }
}

const absent = (why: string) => ({ status: "absent", why }) as const;

/** The policy's seconds as the verdict's milliseconds. */
function timingOf(policy: MonitorPolicy): MonitorInput["timing"] {
  return {
    windowMs: policy.window_seconds * 1000,
    recheckMs: policy.recheck_seconds * 1000,
    minObservationMs: policy.min_observation_seconds * 1000,
  };
}

/**
 * POST_MERGE_MONITOR, after a human merged prode's PR: a watch over a policy window
 * (`delivery.monitor`), read-only throughout (the GitHub reader, the Sentry reader and the
 * CloudWatch reader; it never resolves or mutes the Sentry issue, never writes to AWS).
 *
 * Each check finds the deployment holding the merge commit and compares the ticket's
 * Sentry events and the service's load-balancer 5xx and p99 latency before and after it
 * (post-merge-monitor-verdict.ts). A check that cannot decide yet (not deployed, deployed
 * too recently, a source failing while the window is open) ends the step with a re-check
 * due later: the run sleeps on a delayed job, holding no worker and no lease (ADR 0017).
 *
 * Crash safety: a deciding check only commits the verdict to the run (no effect); the
 * next step of the same phase posts it (thread parent and reply, the Linear comment) from
 * what was committed, with effect keys of that step. A retried check therefore posts
 * nothing, and a retried post posts the same verdict once.
 */
export function postMergePhases(
  deps: PipelineDeps,
  notify: Notify,
): Pick<PhaseHandlers, "POST_MERGE_MONITOR"> {
  const handoff = handoffPhases(deps, notify);

  /** The series of one ALB metric over the span, or why it was not read. */
  const albSeries = async (
    context: RunContext,
    metricName: string,
    stat: "Sum" | "p99",
    span: { start: Date; end: Date } | undefined,
  ): Promise<Source<SeriesPoints>> => {
    if (!span) return absent("not read before the observation ends");
    const cloudwatch = deps.tools.cloudwatch;
    if (!cloudwatch) return absent("no CloudWatch connector");
    const lb = context.service
      ? deps.catalog.services[context.service]?.aws.loadBalancer
      : undefined;
    if (!lb) return absent("the service's catalog entry names no load balancer");
    return read<MetricSeries>(() =>
      cloudwatch.getMetricSeries({
        namespace: ALB_NAMESPACE,
        metricName,
        dimensions: { LoadBalancer: lb },
        stat,
        periodSeconds: PERIOD_SECONDS,
        ...span,
      }),
    );
  };

  /** One check: every source read now, then the pure decision. */
  const check = async (
    ctx: PhaseContext,
    delivery: DeliveryState,
    since: Date,
    mergeSha: string,
  ): Promise<MonitorDecision> => {
    const now = ctx.now();
    const policy = (await deps.policyFor(scopeOf(ctx.context))).delivery.monitor;
    const timing = timingOf(policy);
    const github = deps.delivery;
    const deploy: Source<MonitorDeploy | undefined> = github
      ? await read(() =>
          deployOf(github.reader(delivery.repository), mergeSha, delivery.review?.at),
        )
      : absent("GitHub is not configured");
    const found = deploy.status === "ok" ? deploy.data : undefined;
    const sentry = deps.tools.sentry;
    const issueId = ctx.context.ticket?.snapshot.linked.sentryIssueIds[0];
    const events: MonitorInput["sentry"] = !found
      ? absent("not read before the deploy")
      : !sentry
        ? absent("no Sentry connector")
        : !issueId
          ? absent("the ticket links no Sentry issue")
          : await read(async () => ({
              dates: (await sentry.listEvents(issueId, EVENTS_READ)).map((e) => e.dateCreated),
            }));
    const span = found ? seriesSpan(found, now, timing.minObservationMs) : undefined;
    return decideMonitor({
      mergeSha,
      since,
      now,
      timing,
      deploy,
      sentry: events,
      errors5xx: await albSeries(ctx.context, "HTTPCode_Target_5XX_Count", "Sum", span),
      latency: await albSeries(ctx.context, "TargetResponseTime", "p99", span),
    });
  };

  /**
   * The committed verdict, posted: the thread's parent, one thread reply (an edited parent
   * notifies no one; the reply's effect is keyed by the verdict, so a retry posts it once)
   * and the run-owned Linear comment.
   */
  const publish = async (
    ctx: PhaseContext,
    monitor: NonNullable<DeliveryState["monitor"]>,
  ): Promise<PhaseResult> => {
    await notify(ctx, {}, ["monitor_verdict"]);
    // The handoff is written again with the verdict: an update keyed by this step, so a
    // retried step does not write twice. It is rendered as of the decision, so a retry
    // after a crash renders the very body already sent, and the ledger's lookup of the
    // comment recognises it instead of updating it again.
    const decidedAt = monitor.decidedAt ? new Date(monitor.decidedAt) : undefined;
    await handoff.LINEAR_HANDOFF?.(
      decidedAt && Number.isFinite(decidedAt.getTime()) ? { ...ctx, now: () => decidedAt } : ctx,
    );
    return { description: `verdict posted: ${monitor.verdict.replace("_", " ")}` };
  };

  return {
    POST_MERGE_MONITOR: async (ctx) => {
      const delivery = ctx.context.delivery;
      if (!delivery) return { description: "no delivery to monitor" };
      if (delivery.monitor) return publish(ctx, delivery.monitor);

      const review = delivery.review;
      const nowIso = ctx.now().toISOString();
      const mergedAt = review?.at && Number.isFinite(Date.parse(review.at)) ? review.at : undefined;
      const since = new Date(delivery.watch?.since ?? mergedAt ?? nowIso);
      const checks = (delivery.watch?.checks ?? 0) + 1;
      const decision: MonitorDecision = review?.mergeCommitSha
        ? await check(ctx, delivery, since, review.mergeCommitSha)
        : {
            kind: "verdict",
            verdict: "inconclusive",
            reason: "GitHub did not say which commit the merge made",
            decidedBy: ["deploy"],
          };
      const reason = deps.redactor.redact(decision.reason).text;
      const { watch: _watch, ...rest } = delivery;
      if (decision.kind === "wait") {
        const nextCheckAt = decision.at.toISOString();
        return {
          kind: "recheck",
          at: decision.at,
          patch: {
            delivery: {
              ...rest,
              watch: { since: since.toISOString(), checks, nextCheckAt, reason },
            },
          },
          description: `check ${checks}: ${reason}; next check at ${nextCheckAt}`,
        };
      }
      const monitor = {
        verdict: decision.verdict,
        reason,
        decidedBy: decision.decidedBy,
        checks,
        decidedAt: nowIso,
        ...(decision.deploy ? { deploy: decision.deploy } : {}),
      };
      // Committed first, posted by the next step (see above).
      return {
        next: "POST_MERGE_MONITOR",
        patch: { delivery: { ...rest, monitor } },
        description: `${monitor.verdict.replace("_", " ")} after ${checks} check(s): ${reason}`,
      };
    },
  };
}
