import { setMaxListeners } from "node:events";
import type { SpecialistTools } from "../../specialists/tools.ts";
import type { EvidenceOnset, RoutingHints, TicketContext } from "../../specialists/types.ts";
import { asAppError } from "../domain/errors.ts";
import { runOnset } from "../domain/run-onset.ts";
import { runPrecursor } from "../domain/run-precursor.ts";
import {
  normalizeSpecialistOutput,
  type RawSpecialistOutput,
  SPECIALIST_OUTPUT_SCHEMA_VERSION,
  type SpecialistOutput,
} from "../domain/specialist-output.ts";
import { withCallBudget } from "../observability/call-budget.ts";
import type { RoutedSpecialist } from "./route.ts";
import { CONNECTOR_OF, toolsFor } from "./route.ts";

type Base = Omit<RawSpecialistOutput, "status">;

function emptyOutput(id: string, question: string, confidenceImpact: number, gap?: string): Base {
  return {
    schemaVersion: SPECIALIST_OUTPUT_SCHEMA_VERSION,
    specialistId: id,
    question,
    sources: [],
    findings: [],
    correlationIds: [],
    signals: [],
    confidence: 0,
    gaps: gap ? [{ what: gap, confidenceImpact }] : [],
  };
}

const IMPACT_OF_FAILURE = 20;

/**
 * WAIT_FOR_EVIDENCE: runs every routed specialist in parallel, each under its own
 * deadline. A missing tool, a failure or a timeout becomes that specialist's output
 * (skipped / failed / timed_out, with its gap); one specialist never stops the rest.
 */
export async function collectEvidence(input: {
  routed: readonly RoutedSpecialist[];
  tools: SpecialistTools;
  ticket: TicketContext;
  hints: RoutingHints;
  now: Date;
  signal: AbortSignal;
  onset?: EvidenceOnset;
  /** Policy `deploy_proximity_minutes`, handed to every specialist. */
  deployProximityMinutes?: number;
}): Promise<SpecialistOutput[]> {
  // One listener on the phase's signal for the whole wave; each specialist listens here.
  const wave = new AbortController();
  setMaxListeners(0, wave.signal);
  const onPhaseAbort = () => wave.abort(input.signal.reason);
  input.signal.addEventListener("abort", onPhaseAbort, { once: true });
  try {
    return await collectWave(input, wave.signal);
  } finally {
    input.signal.removeEventListener("abort", onPhaseAbort);
  }
}

async function collectWave(
  input: Parameters<typeof collectEvidence>[0],
  phaseSignal: AbortSignal,
): Promise<SpecialistOutput[]> {
  return Promise.all(
    input.routed.map(async ({ specialist, missing, withheld }): Promise<SpecialistOutput> => {
      const question = specialist.question(input.ticket);
      if (missing.length > 0) {
        const connectors = missing.map((m) => CONNECTOR_OF[m]).join(", ");
        return normalizeSpecialistOutput({
          ...emptyOutput(
            specialist.id,
            question,
            IMPACT_OF_FAILURE,
            `${connectors} unavailable: ${specialist.id} could not run`,
          ),
          status: "skipped",
          reason: `needs ${connectors}, which the inventory found missing or blocked`,
        });
      }
      const controller = new AbortController();
      const onAbort = () => controller.abort(phaseSignal.reason);
      phaseSignal.addEventListener("abort", onAbort, { once: true });
      const deadline = new Date(Date.now() + specialist.timeoutMs);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => {
          controller.abort(new Error("deadline"));
          resolve("timeout");
        }, specialist.timeoutMs);
      });
      try {
        const result = await Promise.race([
          // The specialist's deadline bounds every adapter retry it causes (Retry-After).
          withCallBudget({ deadline, signal: controller.signal }, () =>
            specialist.run({
              question,
              ticket: input.ticket,
              hints: input.hints,
              tools: toolsFor(specialist, input.tools, [...missing, ...withheld]),
              signal: controller.signal,
              deadline,
              now: input.now,
              ...(input.onset ? { onset: input.onset } : {}),
              ...(input.deployProximityMinutes === undefined
                ? {}
                : { deployProximityMinutes: input.deployProximityMinutes }),
            }),
          ),
          timedOut,
        ]);
        if (result === "timeout") {
          return normalizeSpecialistOutput({
            ...emptyOutput(
              specialist.id,
              question,
              IMPACT_OF_FAILURE,
              `${specialist.id} did not answer within ${specialist.timeoutMs} ms`,
            ),
            status: "timed_out",
            deadlineMs: specialist.timeoutMs,
          });
        }
        return normalizeSpecialistOutput(result);
      } catch (thrown) {
        const error = asAppError(thrown);
        return normalizeSpecialistOutput({
          ...emptyOutput(
            specialist.id,
            question,
            IMPACT_OF_FAILURE,
            `${specialist.id} failed: ${error.code}`,
          ),
          status: "failed",
          error: { code: error.code, message: error.message, retryable: error.retryable },
        });
      } finally {
        clearTimeout(timer);
        phaseSignal.removeEventListener("abort", onAbort);
      }
    }),
  );
}

/**
 * When the symptom began, as the returned evidence dates it (src/domain/run-onset.ts):
 * the earliest credible rise among every specialist's symptom series, else the oldest
 * stale derived row.
 */
export function evidenceOnset(outputs: readonly SpecialistOutput[]): EvidenceOnset | undefined {
  const onset = runOnset(outputs);
  if (!onset) return undefined;
  const precursor = runPrecursor(outputs, onset);
  return {
    at: onset.at,
    what: onset.what,
    specialistId: onset.specialistId,
    source: onset.source,
    uncertaintyMinutes: onset.uncertaintyMinutes,
    ...(onset.service ? { service: onset.service } : {}),
    ...(precursor
      ? {
          precursor: {
            at: precursor.at,
            what: precursor.what,
            uncertaintyMinutes: precursor.uncertaintyMinutes,
          },
        }
      : {}),
  };
}

/**
 * The second wave: specialists whose answer would improve with an onset another
 * specialist established are asked once more with it; their new output replaces the old.
 */
export async function collectWithOnset(
  input: Parameters<typeof collectEvidence>[0],
): Promise<SpecialistOutput[]> {
  const first = await collectEvidence(input);
  const onset = evidenceOnset(first);
  if (!onset) return first;
  const again = input.routed.filter((r) => {
    const previous = first.find((o) => o.specialistId === r.specialist.id);
    return (
      r.specialist.id !== onset.specialistId &&
      previous &&
      r.specialist.wantsOnset?.(previous, onset)
    );
  });
  if (again.length === 0) return first;
  const second = await collectEvidence({ ...input, routed: again, onset });
  return first.map((o) => second.find((x) => x.specialistId === o.specialistId) ?? o);
}
