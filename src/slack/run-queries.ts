import { and, asc, desc, eq, gt, inArray, isNull, ne, sql } from "drizzle-orm";
import type {
  ActiveRunView,
  PauseView,
  PendingApprovalView,
  RunDetailView,
  RunNotFoundView,
  SpecialistView,
  TimelineEntryView,
} from "../../blocks/view-models.ts";
import type { ApprovalRow } from "../approvals/create.ts";
import { policyGroups } from "../approvals/decide.ts";
import type { Db } from "../db/client.ts";
import { approvals, artifacts, effects, phaseTransitions, runs } from "../db/schema.ts";
import { isOutcome, isPhase } from "../domain/phases.ts";
import { policySwitchApplies } from "../policy/kill-switch-match.ts";
import { type ActiveKillSwitch, listEngagedKillSwitches } from "../policy/kill-switches.ts";
import { canApprove } from "../policy/roles.ts";
import type { PolicySource } from "../policy/source.ts";
import { isAction } from "../policy/types.ts";
import { effectKey, effectKeySql } from "../runner/effects.ts";
import { runScope } from "../runner/engine.ts";
import { findRun } from "../runner/status.ts";
import type { RunRow } from "../runner/types.ts";
import { pendingApprovalView } from "./approval-views.ts";
import { feedbackOf, feedbackSummary } from "./feedback-store.ts";
import type { SlackMessageRef } from "./messages.ts";
import { approvalEffectName, PARENT_EFFECT } from "./notifier.ts";
import { displayPhase, runLinks, runStatusView, serviceOf, teamOf, ticketView } from "./views.ts";

/**
 * The reads behind `/prode status` and App Home, shaped as view models. Each is a few
 * indexed queries (active runs use the partial index on runs where outcome is null).
 */

export function pauseViews(switches: readonly ActiveKillSwitch[]): PauseView[] {
  return switches.map((k) => ({
    scope: k.scope,
    ...(k.value ? { target: k.value } : {}),
    by: k.actor,
    ...(k.since ? { since: k.since.toISOString() } : {}),
    ...(k.reason ? { reason: k.reason } : {}),
  }));
}

/** The kill switch that holds a run, if one does ("global", "team payments"). */
export function pausedBy(
  run: Pick<RunRow, "context">,
  switches: readonly ActiveKillSwitch[],
): string | undefined {
  const subject = { team: teamOf(run), service: serviceOf(run) };
  const hit = switches.find((k) => policySwitchApplies(k, subject));
  return hit ? (hit.value ? `${hit.scope} ${hit.value}` : hit.scope) : undefined;
}

type RunWithExtras = RunRow & { pending: number; thread: SlackMessageRef | null };

function activeRunView(run: RunWithExtras, switches: readonly ActiveKillSwitch[]): ActiveRunView {
  const service = serviceOf(run);
  return {
    runId: run.id,
    ticket: ticketView(run),
    ...(service ? { service } : {}),
    phase: displayPhase(run),
    status: runStatusView(run, pausedBy(run, switches)),
    startedAt: run.createdAt.toISOString(),
    waitingApprovals: run.pending,
    ...(run.thread?.permalink ? { threadUrl: run.thread.permalink } : {}),
  };
}

const runColumns = {
  pending: sql<number>`(select count(*)::int from approvals a
    where a.run_id = runs.id and a.status = 'pending')`,
  // Qualified by hand: inside a subquery drizzle prints columns without their table.
  thread: sql<SlackMessageRef | null>`(select e.result from effects e
    where e.key = ${effectKeySql(sql`runs.id`, PARENT_EFFECT)} and e.status = 'done')`,
};

/** Whether a caller may see a run (viewer role under the run's team/service policy). */
export type RunVisibility = (run: RunRow) => Promise<boolean>;

/**
 * Active runs, newest first, with waiting approvals, thread links and kill switches.
 * With `canView`, only the runs it allows are listed (and counted).
 */
export async function activeRunViews(
  db: Db,
  limit = 60,
  canView?: RunVisibility,
): Promise<{ runs: ActiveRunView[]; pauses: PauseView[]; total: number }> {
  const [rows, switches, total] = await Promise.all([
    db
      .select({ run: runs, ...runColumns })
      .from(runs)
      .where(isNull(runs.outcome))
      .orderBy(desc(runs.createdAt))
      .limit(limit),
    listEngagedKillSwitches(db),
    db.select({ n: sql<number>`count(*)::int` }).from(runs).where(isNull(runs.outcome)),
  ]);
  const visible = canView ? await filterVisible(rows, (r) => canView(r.run)) : rows;
  return {
    runs: visible.map((r) =>
      activeRunView({ ...r.run, pending: r.pending, thread: r.thread }, switches),
    ),
    pauses: pauseViews(switches),
    // Filtered: what this caller may see of the fetched page, not how many exist.
    total: canView ? visible.length : (total[0]?.n ?? 0),
  };
}

async function filterVisible<T>(rows: readonly T[], allowed: (row: T) => Promise<boolean>) {
  const keep = await Promise.all(rows.map(allowed));
  return rows.filter((_, i) => keep[i]);
}

/** Each approval's request message link (by approval id), from the effect ledger. */
async function approvalLinks(db: Db, rows: readonly ApprovalRow[]): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  if (rows.length === 0) return links;
  const approvalByKey = new Map(
    rows.map((row) => [effectKey(row.runId, approvalEffectName(row.id)), row.id]),
  );
  const found = await db
    .select({ key: effects.key, result: effects.result })
    .from(effects)
    .where(inArray(effects.key, [...approvalByKey.keys()]));
  for (const effect of found) {
    const approvalId = approvalByKey.get(effect.key);
    const ref = effect.result as SlackMessageRef | null;
    if (approvalId !== undefined && ref?.permalink) links.set(approvalId, ref.permalink);
  }
  return links;
}

function specialistsOf(body: string | undefined): SpecialistView[] {
  if (!body) return [];
  try {
    const parsed = JSON.parse(body) as { specialists?: unknown };
    if (!Array.isArray(parsed.specialists)) return [];
    return parsed.specialists.flatMap((s): SpecialistView[] => {
      const o = s as Record<string, unknown>;
      const status = o.status;
      if (typeof o.specialistId !== "string") return [];
      if (
        status !== "returned" &&
        status !== "skipped" &&
        status !== "failed" &&
        status !== "timed_out"
      ) {
        return [];
      }
      const findings = Array.isArray(o.findings) ? o.findings.length : undefined;
      return [
        {
          id: o.specialistId,
          status,
          ...(typeof o.reason === "string" ? { reason: o.reason } : {}),
          ...(findings === undefined ? {} : { findings }),
          ...(typeof o.confidence === "number" ? { confidence: o.confidence } : {}),
        },
      ];
    });
  } catch {
    return [];
  }
}

/** `/prode status <ticket|run>`: one run with its timeline, approvals and specialists. */
export async function runDetailView(
  db: Db,
  query: string,
  now: Date,
  canView?: RunVisibility,
): Promise<RunDetailView | RunNotFoundView> {
  const run = await findRun(db, query);
  // A run the caller may not see reads as absent: its existence is not disclosed either.
  if (!run || (canView && !(await canView(run)))) return { kind: "not_found", query };
  const [transitions, pending, bundle, switches, thread, feedback] = await Promise.all([
    db
      .select()
      .from(phaseTransitions)
      .where(eq(phaseTransitions.runId, run.id))
      .orderBy(asc(phaseTransitions.seq)),
    db
      .select()
      .from(approvals)
      .where(
        and(
          eq(approvals.runId, run.id),
          eq(approvals.status, "pending"),
          gt(approvals.expiresAt, now),
        ),
      ),
    db
      .select({ body: artifacts.body })
      .from(artifacts)
      .where(and(eq(artifacts.runId, run.id), eq(artifacts.kind, "evidence_bundle")))
      .orderBy(desc(artifacts.createdAt))
      .limit(1),
    listEngagedKillSwitches(db),
    db
      .select({ result: effects.result })
      .from(effects)
      .where(and(eq(effects.key, effectKey(run.id, PARENT_EFFECT)), eq(effects.status, "done"))),
    feedbackOf(db, run.id),
  ]);
  const ticket = ticketView(run);
  const links = await approvalLinks(db, pending);
  const timeline: TimelineEntryView[] = transitions.flatMap((t) =>
    isPhase(t.toState) || isOutcome(t.toState)
      ? [
          {
            state: t.toState,
            at: t.createdAt.toISOString(),
            ...(t.description ? { note: t.description } : {}),
          },
        ]
      : [],
  );
  const threadRef = thread[0]?.result as SlackMessageRef | null | undefined;
  const active = activeRunView(
    { ...run, pending: pending.length, thread: threadRef ?? null },
    run.outcome ? [] : switches,
  );
  return {
    kind: "detail",
    run: active,
    links: {
      ...runLinks({ run }, {}),
      ...(threadRef?.permalink ? { thread: threadRef.permalink } : {}),
    },
    timeline,
    approvals: pending.map((a) => pendingApprovalView(a, ticket, links.get(a.id))),
    specialists: specialistsOf(bundle[0]?.body),
    ...(feedback.length > 0 ? { feedback: feedbackSummary(feedback) } : {}),
  };
}

/**
 * Approvals waiting for `userId`: pending, unexpired, not requested by them, and for an
 * action their roles may approve under the run's policy.
 */
export async function approvalsWaitingFor(
  db: Db,
  userId: string,
  policyFor: PolicySource,
  groupsOf: (userId: string, candidates: readonly string[]) => Promise<readonly string[]>,
  now: Date,
  limit = 40,
): Promise<PendingApprovalView[]> {
  const rows = await db
    .select({ approval: approvals, run: runs })
    .from(approvals)
    .innerJoin(runs, eq(runs.id, approvals.runId))
    .where(
      and(
        eq(approvals.status, "pending"),
        gt(approvals.expiresAt, now),
        ne(approvals.requester, userId),
        ne(approvals.requester, `slack:${userId}`),
      ),
    )
    .orderBy(asc(approvals.expiresAt))
    .limit(limit);
  const mine: { approval: ApprovalRow; run: RunRow }[] = [];
  for (const row of rows) {
    // The run's policy scope, as the decision uses it (the stricter one when disputed).
    const policy = await policyFor(runScope(row.run));
    const groupIds = await groupsOf(userId, policyGroups(policy));
    const action = row.approval.action;
    if (isAction(action) && canApprove(policy, action, { userId, groupIds })) mine.push(row);
  }
  const links = await approvalLinks(
    db,
    mine.map((m) => m.approval),
  );
  return mine.map((m) =>
    pendingApprovalView(m.approval, ticketView(m.run), links.get(m.approval.id)),
  );
}
