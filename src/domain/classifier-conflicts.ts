import { type SignalIndex, sameOrUnstated, type TaggedSignal } from "./classifier-index.ts";
import type { SignalKind } from "./signals.ts";

/**
 * Pairs of signals that cannot both be true of the same subject. When specialists
 * disagree like this the classifier does not pick a side: it records the conflict, and
 * the classifier marks one material when it touches evidence the leading hypothesis rests
 * on, and a material conflict stops the gate.
 */
interface Contradiction<A extends SignalKind, B extends SignalKind> {
  a: A;
  b: B;
  /** The shared subject, or undefined when the pair does not concern the same thing. */
  subject(a: TaggedSignal<A>["signal"], b: TaggedSignal<B>["signal"]): string | undefined;
}

const contradiction = <A extends SignalKind, B extends SignalKind>(c: Contradiction<A, B>) => c;

const CONTRADICTIONS = [
  contradiction({
    a: "error_rate_rise",
    b: "no_5xx_rise",
    subject: (a, b) =>
      a.service === b.service && a.to > a.from ? `5xx rate of ${a.service}` : undefined,
  }),
  contradiction({
    a: "release_correlation",
    b: "deploy_absent",
    subject: (a, b) =>
      sameOrUnstated(a.service, b.service)
        ? `deploys${(a.service ?? b.service) ? ` of ${a.service ?? b.service}` : ""}`
        : undefined,
  }),
  contradiction({
    a: "vendor_incident",
    b: "vendor_operational",
    subject: (a, b) =>
      a.vendor === b.vendor && a.status !== "resolved" ? `status of ${a.vendor}` : undefined,
  }),
  contradiction({
    a: "stale_derived_rows",
    b: "derived_rows_consistent",
    subject: (a, b) =>
      a.table === b.table && a.staleCount > 0 ? `derived rows of ${a.table}` : undefined,
  }),
  contradiction({
    a: "reproduction",
    b: "reproduction",
    subject: (a, b) =>
      a.path === b.path && a.reproduced && !b.reproduced ? `reproduction of ${a.path}` : undefined,
  }),
];

export interface Contradicting {
  subject: string;
  a: TaggedSignal;
  b: TaggedSignal;
}

/** Every contradicting pair of signals in the evidence, in a fixed order. */
export function findContradictions(i: SignalIndex): Contradicting[] {
  const conflicts: Contradicting[] = [];
  for (const c of CONTRADICTIONS) {
    const check = c as Contradiction<SignalKind, SignalKind>;
    for (const a of i.of(check.a)) {
      for (const b of i.of(check.b)) {
        const subject = check.subject(a.signal, b.signal);
        if (subject === undefined) continue;
        conflicts.push({ subject, a, b });
      }
    }
  }
  return conflicts;
}
