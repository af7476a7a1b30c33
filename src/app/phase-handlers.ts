import type { PhaseHandlers } from "../runner/types.ts";
import type { Resources } from "./resources.ts";

/**
 * The production registry of phase handlers, wired with real adapters. Phases whose
 * work is not built yet must never pretend: CLASSIFY stops the run with a named exit
 * rather than letting it pass into delivery without an evidence gate (invariant 1).
 */
export function buildPhaseHandlers(_resources: Resources): PhaseHandlers {
  return {
    CLASSIFY: async () => ({
      kind: "exit",
      outcome: "BLOCKED_NEEDS_INFO",
      description: "evidence gate not built yet: stopping before delivery",
    }),
  };
}
