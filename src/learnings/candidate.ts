import type { Classification } from "../domain/classifier-schema.ts";
import type { RunContext } from "../domain/run-context.ts";
import type { Redactor } from "../safety/redact.ts";

/**
 * A candidate learning: what one finished run can teach the wiki (issue 15.4). Every
 * string in it has passed the redactor; it is a candidate for human review, never a fact
 * prode reads back.
 */
export interface CandidateLearning {
  runId: string;
  ticket: string;
  outcome: string;
  class: string | null;
  confidence: number | null;
  /** The gate's decision: proceed_to_delivery or exit. */
  decision: string | null;
  reasons: string[];
  helped: string[];
  gaps: string[];
  wikiPages: string[];
  monitorVerdict: string | null;
  prUrl: string | null;
}

export interface CandidateLearningInput {
  runId: string;
  ticket: string;
  outcome: string;
  context: RunContext;
  /**
   * The run's context as stored: the post-merge monitor writes `delivery.monitor.verdict` there,
   * which a context parsed by an older schema would strip.
   */
  rawContext: unknown;
  classification?: Classification | undefined;
  /** The error a FAILED run stopped on (`runs.error`). */
  error?: string | null | undefined;
}

/**
 * The monitor's verdict from a stored run context, when it has one: POST_MERGE_MONITOR
 * writes it at `delivery.monitor` (src/phases/post-merge-monitor.ts); a top-level
 * `monitor` is still read.
 */
export function monitorVerdictOf(rawContext: unknown): string | null {
  const raw = rawContext as { monitor?: unknown; delivery?: { monitor?: unknown } } | null;
  const monitor = raw?.delivery?.monitor ?? raw?.monitor;
  const verdict = (monitor as { verdict?: unknown } | null | undefined)?.verdict;
  return typeof verdict === "string" && verdict !== "" ? verdict : null;
}

const unique = (items: string[]) => [...new Set(items)];

/**
 * Builds a run's candidate learning, redacted. Pure: the caller reads the run, its
 * context and its bundle's classification.
 */
export function buildCandidateLearning(
  input: CandidateLearningInput,
  redactor: Redactor,
): CandidateLearning {
  const clean = (text: string) => redactor.redact(text).text;
  const c = input.classification;
  const t = input.context;
  const leading = c?.hypotheses[0];
  // What helped: the evidence the leading hypothesis rests on and the rules that supported it.
  const helped = unique([
    ...(leading?.evidenceFor ?? []).map((e) => `${e.specialistId}: ${e.summary} [${e.sourceRef}]`),
    ...(c?.rulesFired ?? [])
      .filter((r) => r.effect === "supports" && r.class === c?.class)
      .map((r) => `rule ${r.ruleId}: ${r.explanation}`),
  ]);
  // What was missing: the classification's gaps and every tool that was not available.
  const gaps = unique([
    ...(c?.gaps ?? []).map((g) => `${g.what}${g.blocking ? " (blocking)" : ""}`),
    ...(t.tools ?? [])
      .filter((x) => x.status !== "available")
      .map((x) => `${x.connector} ${x.status}${x.reason ? `: ${x.reason}` : ""}`),
  ]);
  const monitorVerdict = monitorVerdictOf(input.rawContext);
  const prUrl = t.delivery?.pr?.url ?? null;
  return {
    runId: input.runId,
    ticket: clean(input.ticket),
    outcome: input.outcome,
    class: c?.class ?? null,
    confidence: c ? Math.round(c.confidence) : null,
    decision: t.decision?.decision ?? null,
    reasons: [
      ...(t.decision?.reasons ?? []),
      ...(input.error ? [`failed: ${input.error}`] : []),
    ].map(clean),
    helped: helped.map(clean),
    gaps: gaps.map(clean),
    wikiPages: unique(t.hints?.pages ?? []).map(clean),
    monitorVerdict: monitorVerdict === null ? null : clean(monitorVerdict),
    prUrl: prUrl === null ? null : clean(prUrl),
  };
}
