import type { ClassifierEvidence } from "./classifier-input.ts";
import type { IncidentClass } from "./classifier-schema.ts";
import type { SignalKind, SignalOf } from "./signals.ts";

/**
 * The view of the evidence the rules work on: signals of returned outputs, tagged with
 * the specialist that produced them, looked up by kind.
 */

/** A signal with the specialist that produced it (distributes over kinds, so it narrows). */
export type TaggedSignal<K extends SignalKind = SignalKind> = K extends SignalKind
  ? { specialistId: string; signal: SignalOf<K> }
  : never;

/** Signals of returned outputs, by kind, in input order (so rules are deterministic). */
export interface SignalIndex {
  readonly all: readonly TaggedSignal[];
  /** The instant the classification is made, for rules that judge age (never the wall clock). */
  readonly now?: Date;
  of<K extends SignalKind>(kind: K): TaggedSignal<K>[];
}

/**
 * Only outputs that returned are evidence. A failed or timed-out specialist's partial
 * signals are not: the route gap it leaves says what is missing instead.
 */
export function indexSignals(evidence: readonly ClassifierEvidence[], now?: Date): SignalIndex {
  const all: TaggedSignal[] = [];
  for (const item of evidence) {
    if (item.status !== "returned") continue;
    for (const signal of item.signals) {
      all.push({ specialistId: item.specialistId, signal } as TaggedSignal);
    }
  }
  return {
    all,
    ...(now === undefined ? {} : { now }),
    of<K extends SignalKind>(kind: K) {
      return all.filter((t) => t.signal.kind === kind) as TaggedSignal<K>[];
    },
  };
}

/** Two signals concern the same service, or at least one does not say which. */
export function sameOrUnstated(x: string | undefined, y: string | undefined): boolean {
  return x === undefined || y === undefined || x === y;
}

export type RuledClass = Exclude<IncidentClass, "unknown">;
/** Tie-break order when two classes score the same: the one a human would check first. */
export const CLASS_ORDER: readonly RuledClass[] = [
  "code_defect",
  "data_defect",
  "infra",
  "vendor",
  "noise",
];
