/**
 * The canonical phases and terminal outcomes of DESIGN.md, spelled the same everywhere,
 * and the one transition table that decides which moves are legal.
 */
export const PHASES = [
  "QUEUED",
  "PRECHECK",
  "FETCH_LINEAR",
  "INVENTORY_TOOLS",
  "READ_PRODE_WIKI",
  "ROUTE_SPECIALISTS",
  "WAIT_FOR_EVIDENCE",
  "CLASSIFY",
  "CREATE_WORKTREE",
  "IMPLEMENT",
  "VERIFY",
  "REVIEW",
  "OPEN_PR",
  "LINEAR_HANDOFF",
  "AWAIT_HUMAN_REVIEW",
  "POST_MERGE_MONITOR",
  "WRITE_CANDIDATE_LEARNING",
  "RUN_COMPLETE",
] as const;
export type Phase = (typeof PHASES)[number] | "AWAIT_APPROVAL";

export const OUTCOMES = [
  "BLOCKED_NEEDS_INFO",
  "APPROVAL_REQUIRED",
  "NO_CODE_CHANGE",
  "NOISE_NO_FIX",
  "VENDOR_OR_INFRA",
  "CANNOT_AUTO_FIX",
  "ESCALATED_INCIDENT",
  "SUPERSEDED",
  "FAILED",
  "RUN_COMPLETE",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes a phase may choose; they travel through LINEAR_HANDOFF so every stop hands off. */
export type ExitOutcome = Exclude<Outcome, "SUPERSEDED" | "FAILED" | "RUN_COMPLETE">;
export const EXIT_OUTCOMES = OUTCOMES.filter(
  (o): o is ExitOutcome => o !== "SUPERSEDED" && o !== "FAILED" && o !== "RUN_COMPLETE",
);

/** Phases that wait for the outside world (a button, a merge) and get no job. */
export const WAIT_PHASES: ReadonlySet<Phase> = new Set<Phase>([
  "AWAIT_APPROVAL",
  "AWAIT_HUMAN_REVIEW",
]);

/** Phases after the evidence gate: nothing here may run before CLASSIFY passed (invariant 1). */
export const DELIVERY_PHASES: ReadonlySet<Phase> = new Set<Phase>([
  "CREATE_WORKTREE",
  "IMPLEMENT",
  "VERIFY",
  "REVIEW",
  "OPEN_PR",
]);

/** A state is either a phase or a terminal outcome ("RUN_COMPLETE" is both a phase and the outcome). */
export type RunState = Phase | Outcome;

export function isPhase(value: string): value is Phase {
  return value === "AWAIT_APPROVAL" || (PHASES as readonly string[]).includes(value);
}

export function isOutcome(value: string): value is Outcome {
  return (OUTCOMES as readonly string[]).includes(value);
}

export function isExitOutcome(value: string): value is ExitOutcome {
  return (EXIT_OUTCOMES as readonly string[]).includes(value);
}

type Edges = Partial<Record<Phase, readonly Phase[]>>;

/**
 * Forward edges between phases. Exits are not listed per phase: any working phase may
 * stop on an exit outcome (through the handoff path), SUPERSEDED or FAILED; see
 * {@link isLegalTransition}.
 */
const FORWARD: Edges = {
  QUEUED: ["PRECHECK"],
  PRECHECK: ["FETCH_LINEAR"],
  FETCH_LINEAR: ["INVENTORY_TOOLS"],
  INVENTORY_TOOLS: ["READ_PRODE_WIKI"],
  READ_PRODE_WIKI: ["ROUTE_SPECIALISTS"],
  ROUTE_SPECIALISTS: ["WAIT_FOR_EVIDENCE"],
  WAIT_FOR_EVIDENCE: ["CLASSIFY"],
  CLASSIFY: ["CREATE_WORKTREE", "AWAIT_APPROVAL"],
  CREATE_WORKTREE: ["IMPLEMENT"],
  IMPLEMENT: ["VERIFY"],
  VERIFY: ["REVIEW", "IMPLEMENT"],
  REVIEW: ["OPEN_PR", "IMPLEMENT", "AWAIT_APPROVAL"],
  OPEN_PR: ["LINEAR_HANDOFF"],
  // LINEAR_HANDOFF is also where every exit hands off before WRITE_CANDIDATE_LEARNING.
  LINEAR_HANDOFF: ["AWAIT_HUMAN_REVIEW", "WRITE_CANDIDATE_LEARNING"],
  AWAIT_HUMAN_REVIEW: ["POST_MERGE_MONITOR"],
  // The monitor re-enters itself: a re-check due later, and the step that posts a verdict.
  POST_MERGE_MONITOR: ["WRITE_CANDIDATE_LEARNING", "POST_MERGE_MONITOR"],
  WRITE_CANDIDATE_LEARNING: ["RUN_COMPLETE"],
  // AWAIT_APPROVAL resumes into the phase that asked; the engine records which.
  AWAIT_APPROVAL: ["CREATE_WORKTREE", "OPEN_PR", "LINEAR_HANDOFF"],
};

/** Where a phase goes on the straight path, when its handler has nothing else to say. */
export function defaultNextPhase(phase: Phase): Phase | undefined {
  if (phase === "AWAIT_APPROVAL") return undefined;
  const index = PHASES.indexOf(phase);
  return PHASES[index + 1];
}

/**
 * The single transition table. Legal moves: the forward edges above; from any
 * non-terminal phase to SUPERSEDED or FAILED (the engine's own stops); from a working
 * phase to LINEAR_HANDOFF when it chose an exit; from WRITE_CANDIDATE_LEARNING to the
 * recorded exit outcome; and RUN_COMPLETE (phase) to the RUN_COMPLETE outcome.
 */
export function isLegalTransition(
  from: RunState,
  to: RunState,
  options: { exiting?: boolean } = {},
): boolean {
  if (!isPhase(from)) return false; // terminal outcomes never move
  if (from === "RUN_COMPLETE") return false; // reaching the phase completes the run
  if (to === "SUPERSEDED" || to === "FAILED") return true;
  if (options.exiting) {
    if (from === "WRITE_CANDIDATE_LEARNING") return isExitOutcome(to);
    if (from === "LINEAR_HANDOFF") return to === "WRITE_CANDIDATE_LEARNING";
    return to === "LINEAR_HANDOFF";
  }
  if (isOutcome(to) && to !== "RUN_COMPLETE") return false;
  return (FORWARD[from] ?? []).includes(to as Phase);
}
