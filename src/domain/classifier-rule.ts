import type { RuledClass, SignalIndex, TaggedSignal } from "./classifier-index.ts";

/**
 * One classifier rule: the class it argues for or against, its fixed contribution in
 * confidence points, why (the justification shown in the bundle), and the signals it
 * rests on. The rule lists live in classifier-rules-*.ts; docs/evidence-vocabulary.md
 * lists every rule.
 */
export interface Rule {
  id: string;
  class: RuledClass;
  effect: "supports" | "refutes";
  /** Magnitude in confidence points; refuting rules subtract it. */
  points: number;
  explanation: string;
  /** The signals the rule rests on, or an empty list when it does not fire. */
  match(index: SignalIndex): TaggedSignal[];
}
