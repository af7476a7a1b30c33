import { and, eq, isNull } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../db/client.ts";
import { runs } from "../db/schema.ts";
import { asAppError, ErrorCode } from "../domain/errors.ts";
import type { ExitOutcome } from "../domain/phases.ts";
import { parseRunContext, type RunContextPatch } from "../domain/run-context.ts";
import { advanceWaitingRun } from "./runs.ts";
import type { RunnerDeps, RunRow } from "./types.ts";

/**
 * AWAIT_HUMAN_REVIEW is a durable wait with no job: the run leaves it when its draft PR is
 * merged (→ POST_MERGE_MONITOR) or closed without merge (→ a handoff). Two sources say so:
 * GitHub's `pull_request` webhook (src/intake/github-webhook.ts) and, because GitHub never
 * redelivers on its own, the reconciler's poll of every waiting run's PR (below). Both go
 * through {@link settlePullRequest}, one lease-free transition guarded by the step read,
 * so whichever notices first moves the run and the other finds it moved.
 */

/** A pull request's state as either source reports it. */
export interface PullState {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  /** The login that merged or closed it, when the source says (the poll does not). */
  by?: string;
  at?: string;
  mergeCommitSha?: string;
}

/**
 * The exit of a PR closed without merge. CANNOT_AUTO_FIX is the honest one among the
 * existing outcomes: prode's fix was not taken, so the problem is back with a human; it
 * is not NO_CODE_CHANGE (a change was proposed) nor SUPERSEDED (the ticket is still open
 * and the run still hands off).
 */
export const CLOSED_UNMERGED_OUTCOME: ExitOutcome = "CANNOT_AUTO_FIX";

export type SettleResult =
  | "merged"
  | "closed"
  /** The PR is still open: nothing to do. */
  | "open"
  /** The run is not waiting for this PR (not yet, or no longer): the poll looks again. */
  | "not_waiting";

/**
 * Moves a run waiting in AWAIT_HUMAN_REVIEW on its PR's state: merged → POST_MERGE_MONITOR,
 * closed without merge → LINEAR_HANDOFF with {@link CLOSED_UNMERGED_OUTCOME} and the
 * reason first among the decision's reasons (the handoff comment shows them). Lease-free,
 * guarded by the step read: another decider that moved the run first wins.
 */
export async function settlePullRequest(
  deps: Pick<RunnerDeps, "db" | "enqueue">,
  run: RunRow,
  pull: PullState,
  source: { actor: string; via: "webhook" | "poll" },
): Promise<SettleResult> {
  if (run.outcome || run.phase !== "AWAIT_HUMAN_REVIEW") return "not_waiting";
  const context = parseRunContext(run.context);
  const delivery = context.delivery;
  if (!delivery?.pr || delivery.pr.number !== pull.number) return "not_waiting";
  if (pull.state === "open") return "open";
  const who = pull.by ? `by ${pull.by}` : "by hand (noticed by polling; GitHub did not say who)";
  const review = {
    state: pull.merged ? ("merged" as const) : ("closed" as const),
    ...(pull.by ? { by: pull.by } : {}),
    ...(pull.at ? { at: pull.at } : {}),
    ...(pull.mergeCommitSha ? { mergeCommitSha: pull.mergeCommitSha } : {}),
    via: source.via,
  };
  // The context merges one level deep: delivery is written back whole.
  const patch: RunContextPatch = { delivery: { ...delivery, review } };
  try {
    if (pull.merged) {
      await advanceWaitingRun(
        deps,
        { runId: run.id, from: "AWAIT_HUMAN_REVIEW", to: "POST_MERGE_MONITOR", patch },
        source.actor,
        `PR #${pull.number} merged ${who}`,
      );
      return "merged";
    }
    const reason = `PR #${pull.number} closed ${who}, not merged`;
    await advanceWaitingRun(
      deps,
      {
        runId: run.id,
        from: "AWAIT_HUMAN_REVIEW",
        exit: CLOSED_UNMERGED_OUTCOME,
        patch: {
          ...patch,
          decision: {
            decision: "exit",
            outcome: CLOSED_UNMERGED_OUTCOME,
            reasons: [reason, ...(context.decision?.reasons ?? [])],
          },
        },
      },
      source.actor,
      reason,
    );
    return "closed";
  } catch (error) {
    const code = asAppError(error).code;
    // Moved meanwhile by the other source (or a stop): nothing left for this one to do.
    if (code === ErrorCode.StaleFencing || code === ErrorCode.IllegalTransition) {
      return "not_waiting";
    }
    throw error;
  }
}

/** Reads one PR's state for the poll (the write-capable port's findPullByHead, or a read). */
export type PullLookup = (input: {
  repository: string;
  branch: string;
  number: number;
}) => Promise<PullState | null>;

export interface PullWatchDeps {
  db: Db;
  enqueue: RunnerDeps["enqueue"];
  log: Logger;
  actor: string;
  lookup: PullLookup;
  /** A run's PR is read at most once per this interval (GitHub's rate limit is shared). */
  minIntervalMs: number;
  /** PRs read per pass at most; the rest wait for the next pass (oldest read first). */
  maxPerPass?: number;
  now?: () => number;
}

/**
 * The reconciler's poll of every run waiting in AWAIT_HUMAN_REVIEW: a PR merged or closed
 * by hand, or whose webhook was lost, moves its run as the webhook would have. Throttled
 * per run; a lookup that fails is logged and tried again on a later pass, and never stops
 * the others. Returns a pass function that answers how many runs it moved.
 */
export function pullWatcher(deps: PullWatchDeps): () => Promise<number> {
  const lastRead = new Map<string, number>();
  const now = deps.now ?? Date.now;
  return async () => {
    const waiting = await deps.db
      .select()
      .from(runs)
      .where(and(eq(runs.phase, "AWAIT_HUMAN_REVIEW"), isNull(runs.outcome)));
    const ids = new Set(waiting.map((r) => r.id));
    for (const id of lastRead.keys()) if (!ids.has(id)) lastRead.delete(id);
    // A run first seen waiting is read one interval later: its PR was just opened (or,
    // after a restart, the webhook had that long to arrive).
    for (const r of waiting) if (!lastRead.has(r.id)) lastRead.set(r.id, now());
    const due = waiting
      .filter((r) => now() - lastRead.get(r.id)! >= deps.minIntervalMs)
      .sort((a, b) => (lastRead.get(a.id) ?? 0) - (lastRead.get(b.id) ?? 0))
      .slice(0, deps.maxPerPass ?? 20);
    let moved = 0;
    for (const run of due) {
      lastRead.set(run.id, now());
      try {
        const delivery = parseRunContext(run.context).delivery;
        if (!delivery?.pr || !delivery.branch) continue;
        const pull = await deps.lookup({
          repository: delivery.repository,
          branch: delivery.branch,
          number: delivery.pr.number,
        });
        if (!pull) {
          deps.log.warn(
            { runId: run.id, repository: delivery.repository, pr: delivery.pr.number },
            "the PR a run waits on was not found (branch deleted?); still waiting",
          );
          continue;
        }
        const result = await settlePullRequest({ db: deps.db, enqueue: deps.enqueue }, run, pull, {
          actor: deps.actor,
          via: "poll",
        });
        if (result === "merged" || result === "closed") {
          moved += 1;
          deps.log.info({ runId: run.id, pr: pull.number, result }, "PR state found by polling");
        }
      } catch (error) {
        deps.log.warn({ err: error, runId: run.id }, "could not read the PR a run waits on");
      }
    }
    return moved;
  };
}
