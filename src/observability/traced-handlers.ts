import type { Phase } from "../domain/phases.ts";
import type { PhaseHandler, PhaseHandlers } from "../runner/types.ts";
import { inSpan } from "./tracing.ts";

/** The phase handlers with a span around each step: `phase <NAME>`, the run and the result. */
export function tracedHandlers(handlers: PhaseHandlers): PhaseHandlers {
  const traced: PhaseHandlers = {};
  for (const [phase, handler] of Object.entries(handlers) as [Phase, PhaseHandler | undefined][]) {
    if (!handler) continue;
    traced[phase] = (ctx) =>
      inSpan(
        `phase ${phase}`,
        { "prode.phase": phase, "prode.run_id": ctx.run.id, "prode.attempt": ctx.run.attempt },
        async (span) => {
          const result = await handler(ctx);
          span.setAttribute("prode.result", result.kind ?? "next");
          return result;
        },
      );
  }
  return traced;
}
