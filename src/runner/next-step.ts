import { AppError, ErrorCode } from "../domain/errors.ts";
import { defaultNextPhase, isExitOutcome, type Phase } from "../domain/phases.ts";
import type { PhaseResult, RunRow, TransitionRequest } from "./types.ts";

type NextStep = Pick<
  TransitionRequest,
  "to" | "exiting" | "description" | "pendingOutcome" | "resumePhase" | "wakeAt"
>;

/** Where a handler's decision takes the run, as a transition request. */
export function resolveNext(run: RunRow, phase: Phase, result: PhaseResult): NextStep {
  if (result.kind === "exit") {
    return {
      to: "LINEAR_HANDOFF",
      exiting: true,
      pendingOutcome: result.outcome,
      description: result.description,
    };
  }
  if (result.kind === "stop") {
    return { to: result.outcome, exiting: false, description: result.description };
  }
  if (result.kind === "await_approval") {
    return {
      to: "AWAIT_APPROVAL",
      exiting: false,
      resumePhase: result.resume,
      description: result.description,
    };
  }
  if (result.kind === "recheck") {
    // A new step of the same phase, due later: its own job id (run, seq), so the delayed
    // job is not the one now running, and a retried step re-enqueues nothing new.
    return { to: phase, exiting: false, wakeAt: result.at, description: result.description };
  }
  const pending = run.pendingOutcome;
  if (pending && isExitOutcome(pending) && !result.next) {
    // The handoff path of a stop: LINEAR_HANDOFF → WRITE_CANDIDATE_LEARNING → the exit.
    if (phase === "LINEAR_HANDOFF") {
      return {
        to: "WRITE_CANDIDATE_LEARNING",
        exiting: true,
        description: `handed off (${pending})`,
      };
    }
    if (phase === "WRITE_CANDIDATE_LEARNING") {
      return { to: pending, exiting: true, description: `stopped: ${pending}` };
    }
  }
  const next = result.next ?? defaultNextPhase(phase);
  if (!next) throw new AppError(ErrorCode.IllegalTransition, `${phase} has no next phase`);
  return {
    to: next,
    exiting: false,
    description: result.description ?? `${phase} done`,
  };
}
