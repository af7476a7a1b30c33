import type { auditEvents } from "../db/schema.ts";

/**
 * An approval's decision checked against its request (invariant 4: an approval binds to
 * the action as requested). Each run's chain records `approval.requested` with the
 * action's digest; `approval.approved` / `approval.rejected` record the digest decided.
 * A decision on another digest, a decision with no request, or an approval row whose
 * stored digest is no longer the requested one is flagged by `prode audit verify`, even
 * when every hash in the chain checks out (a chain can be extended by code, not only
 * edited by hand).
 */
export interface ApprovalDigestMismatch {
  chain: string;
  approvalId: string;
  /** The event (or row) that disagrees with the request. */
  seq: number | null;
  reason: string;
}

type AuditRow = Pick<typeof auditEvents.$inferSelect, "chain" | "seq" | "type" | "payload">;

const DECISIONS = new Set(["approval.approved", "approval.rejected"]);

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * Walks one chain's events (in order) and, when given, the approval rows of its run;
 * returns every disagreement between what was requested and what was decided or stored.
 */
export function approvalDigestMismatches(
  chain: string,
  events: readonly AuditRow[],
  rows: readonly { id: string; digest: string }[] = [],
): ApprovalDigestMismatch[] {
  const requested = new Map<string, string>();
  const found: ApprovalDigestMismatch[] = [];
  for (const e of events) {
    const id = str(e.payload.approvalId);
    if (!id) continue;
    const digest = str(e.payload.digest);
    if (e.type === "approval.requested") {
      if (requested.has(id)) {
        found.push({ chain, approvalId: id, seq: e.seq, reason: "requested twice" });
      } else if (digest) {
        requested.set(id, digest);
      }
    } else if (DECISIONS.has(e.type)) {
      const asked = requested.get(id);
      if (!asked) {
        found.push({
          chain,
          approvalId: id,
          seq: e.seq,
          reason: `${e.type} with no approval.requested before it`,
        });
      } else if (digest !== asked) {
        found.push({
          chain,
          approvalId: id,
          seq: e.seq,
          reason: `${e.type} digest ${digest ?? "(none)"} is not the requested ${asked}`,
        });
      }
    }
  }
  for (const row of rows) {
    const asked = requested.get(row.id);
    if (asked === undefined) {
      found.push({ chain, approvalId: row.id, seq: null, reason: "approval has no request event" });
    } else if (asked !== row.digest) {
      found.push({
        chain,
        approvalId: row.id,
        seq: null,
        reason: `the approval row's digest ${row.digest} is not the requested ${asked} (row edited)`,
      });
    }
  }
  return found;
}
