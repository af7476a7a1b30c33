import type { LinearGateway } from "../adapters/linear/client.ts";
import { handoffMarker } from "../domain/handoff-comment.ts";
import type { PhaseContext } from "../runner/types.ts";

/**
 * Writes the run-owned Linear comment: one per ticket, created once, then updated in
 * place (a later run on the ticket, a retried step). Creating and updating are both
 * effects of the ledger (ADR 0002): the `linear_comment` kill switch stops either, each
 * is audited, and each reconciles by the marker in the comment, so neither a retry nor a
 * crash posts a second comment. Returns the comment's id. `body` is already redacted and
 * carries the marker (renderHandoff).
 */
export async function writeHandoffComment(
  ctx: Pick<PhaseContext, "run" | "effect">,
  linear: LinearGateway,
  ticketKey: string,
  body: string,
): Promise<string> {
  const marker = handoffMarker(ticketKey);
  const comment = await ctx.effect<{ created: boolean } | null>({
    name: "linear.comment",
    capability: "linear_comment",
    perform: async () => {
      // An earlier run on the ticket left its comment: adopt it, and update it below.
      const existing = await linear.findComment(ticketKey, marker);
      if (existing) return { externalId: existing.id, result: { created: false } };
      const created = await linear.createComment(ticketKey, body);
      return { externalId: created.id, result: { created: true } };
    },
    reconcile: async () => {
      const existing = await linear.findComment(ticketKey, marker);
      return existing ? { externalId: existing.id, result: { created: false } } : null;
    },
  });
  if (!comment.reused && comment.result?.created) return comment.externalId;

  // The comment holds an earlier body. The update is keyed by this step (the run's seq):
  // a retried step does not write again, a later handoff of the run does.
  const id = comment.externalId;
  await ctx.effect({
    name: `linear.comment.update.${ctx.run.seq}`,
    capability: "linear_comment",
    perform: async () => {
      await linear.updateComment(id, body);
      return { externalId: id, result: null };
    },
    reconcile: async () => {
      const existing = await linear.findComment(ticketKey, marker);
      return existing?.id === id && existing.body === body
        ? { externalId: id, result: null }
        : null;
    },
  });
  return id;
}
