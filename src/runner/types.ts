import type { Logger } from "pino";
import type { Db } from "../db/client.ts";
import type { runs } from "../db/schema.ts";
import type { ExitOutcome, Phase, RunState } from "../domain/phases.ts";
import type { RunContext, RunContextPatch } from "../domain/run-context.ts";
import type { LeaseHandoffs } from "./lease-handoff.ts";
import type { ProviderWaitPolicy } from "./retry-policy.ts";

export type RunRow = typeof runs.$inferSelect;

/** What a phase handler decides. The engine turns it into one legal transition. */
export type PhaseResult =
  /** Go on: to `next`, or to the canonical next phase when omitted. */
  | { kind?: "next"; next?: Phase; patch?: RunContextPatch; description?: string }
  /** Stop on a named exit; the run still hands off (LINEAR_HANDOFF) before it ends. */
  | { kind: "exit"; outcome: ExitOutcome; patch?: RunContextPatch; description: string }
  /** End now, without a handoff: the ticket was closed or replaced by a human. */
  | { kind: "stop"; outcome: "SUPERSEDED"; patch?: RunContextPatch; description: string }
  /** Wait for a human decision; the run resumes at `resume` once approved. */
  | { kind: "await_approval"; resume: Phase; patch?: RunContextPatch; description: string }
  /**
   * Check again at `at` (POST_MERGE_MONITOR's re-checks over its policy window): the run
   * commits a new step of the same phase, due at `at`, and is released; a delayed job
   * wakes it. No job is held and no worker waits meanwhile (ADR 0017).
   */
  | { kind: "recheck"; at: Date; patch?: RunContextPatch; description: string };

export interface EffectOutcome<T> {
  externalId: string;
  result: T;
  /** True when the ledger already had it (done, or found remotely by `reconcile`). */
  reused: boolean;
}

export interface EffectSpec<T> {
  /** Unique within the run, e.g. "slack.parent" or "linear.comment". */
  name: string;
  /** The capability the kill switch checks, e.g. "slack_post", "open_pr". */
  capability: string;
  perform: () => Promise<{ externalId: string; result: T }>;
  /** After a crash left the effect pending: look it up remotely before performing again. */
  reconcile?: () => Promise<{ externalId: string; result: T } | null>;
  /**
   * How long after an attempt starts it may still land remotely: the call's timeout with
   * its own retries, plus a margin for the provider's processing. A pending effect is not
   * reconciled before its last attempt's deadline (ADR 0002). Omitted: reconcile at once.
   */
  inFlightMs?: number;
}

/** Everything a phase handler may use. It never sees a lease or a fencing counter. */
export interface PhaseContext {
  run: RunRow;
  /** The run's context, parsed once when the step leased the run. */
  context: RunContext;
  phase: Phase;
  db: Db;
  log: Logger;
  /** Aborted when the lease is lost or the worker shuts down: stop and return. */
  signal: AbortSignal;
  now(): Date;
  /** The effect ledger: performs an external mutation at most once per run and name. */
  effect<T>(spec: EffectSpec<T>): Promise<EffectOutcome<T>>;
  /**
   * Adds services to the scope this step's later effects check kill switches against
   * (the phase learned the run concerns them); the phase also records them in its patch
   * so the next phases' scope includes them.
   */
  widenScope(services: readonly string[]): void;
}

export type PhaseHandler = (ctx: PhaseContext) => Promise<PhaseResult>;
export type PhaseHandlers = Partial<Record<Phase, PhaseHandler>>;

/** Answers whether a kill switch stops this run (before each phase and each effect). */
export type KillSwitchCheck = (scope: {
  team?: string;
  service?: string;
  capability?: string;
}) => Promise<{ scope: string; value: string; reason: string } | null>;

export interface RunnerTiming {
  leaseMs: number;
  heartbeatMs: number;
  /** Leases for one step before the run fails (a crash-looping phase). */
  maxAttempts: number;
  /** How a step waits out a provider's trouble (retry-policy.ts); the default when omitted. */
  providerWait?: ProviderWaitPolicy;
}

export const DEFAULT_TIMING: RunnerTiming = { leaseMs: 30_000, heartbeatMs: 5_000, maxAttempts: 5 };

export interface RunnerDeps {
  db: Db;
  log: Logger;
  workerId: string;
  handlers: PhaseHandlers;
  timing: RunnerTiming;
  killSwitch?: KillSwitchCheck;
  now?: () => Date;
  /**
   * Enqueue the job for a run's next step (after the transition committed); `delayMs`
   * makes it a delayed job (a step due later, see `wakeAt`).
   */
  enqueue(data: PhaseJobData, options?: { delayMs?: number }): Promise<void>;
  /**
   * Leases this process handed to its runs' next steps (ADR 0010). With it, a committed
   * step keeps the run leased for the next step's job; without it, the run is released.
   */
  handoffs?: LeaseHandoffs;
  /** Group commit for this worker's transitions (ADR 0011); without it, each commits alone. */
  commits?: { commit(request: TransitionRequest): Promise<RunRow> };
}

/** One transition to commit (src/runner/transition.ts). */
export interface TransitionRequest {
  run: RunRow;
  to: RunState;
  /** The fencing counter the writer holds; omitted for lease-free moves out of wait phases. */
  fencing?: number;
  /** Bump the fencing counter so any lease holder becomes a zombie (supersede, fail). */
  fence?: boolean;
  exiting?: boolean;
  actor: string;
  description: string;
  patch?: RunContextPatch;
  pendingOutcome?: string | null;
  resumePhase?: string | null;
  error?: string | null;
  /**
   * When the new step is due (a re-check); every transition without it clears the run's
   * `wake_at`, so only the step that asked for a time carries one.
   */
  wakeAt?: Date;
  /**
   * Keep the next step leased to this worker (owner id) instead of releasing the run:
   * the fencing counter moves on, and the next step's job carries it (ADR 0010).
   */
  handoff?: { owner: string; leaseMs: number };
}

/** The queue's job for one phase execution (its id is `${runId}.${seq}`). */
export interface PhaseJobData {
  runId: string;
  seq: number;
  phase: Phase;
  /**
   * The fencing counter of the lease the previous step handed to this step (ADR 0010):
   * the worker that gets the job may take that lease without waiting for it to expire.
   */
  lease?: number;
}

/** The job for one step, as the engine executes it. */
export interface StepJob extends Omit<PhaseJobData, "phase"> {
  /** The queue delivered this job before (stalled or retried): never use a kept lease. */
  redelivered?: boolean;
}
