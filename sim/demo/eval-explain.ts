import type { Db } from "../../src/db/client.ts";
import type { EvidenceBundle } from "../../src/domain/evidence-bundle.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import { getArtifact } from "../../src/runner/artifacts.ts";
import type { RunRow } from "../../src/runner/types.ts";

/**
 * Why a run got its exit, in a few lines under its eval row (`prode eval` prints them for
 * misses, `--explain` for every scenario): the leading class with its confidence and how
 * it was reached (evidence score, gap and conflict penalties, caps), every rule that fired
 * with its points, and the gate's reasons. Read from the run's stored evidence bundle, so
 * it shows what the on-call's bundle shows, nothing recomputed.
 */
export async function explainRun(db: Db, run: RunRow): Promise<string[]> {
  const context = parseRunContext(run.context);
  const lines: string[] = [];
  const bundle = context.bundleSha
    ? await getArtifact<EvidenceBundle>(db, run.id, context.bundleSha)
    : undefined;
  const c = bundle?.classification;
  if (c) {
    const b = c.confidenceBreakdown;
    const caps = b.caps.length > 0 ? `; ${b.caps.join("; ")}` : "";
    lines.push(
      `${c.class} at ${c.confidence} (evidence ${b.evidenceScore}, gaps -${b.gapPenalty}, conflicts -${b.conflictPenalty}${caps}), ${c.severity}`,
    );
    const rules = c.rulesFired.map(
      (r) => `${r.ruleId} ${r.contribution > 0 ? "+" : ""}${r.contribution}`,
    );
    lines.push(`rules: ${rules.join(", ") || "none fired"}`);
    const rivals = c.hypotheses
      .filter((h) => h.class !== c.class)
      .map((h) => `${h.class} ${h.confidence}`);
    if (rivals.length > 0) lines.push(`other hypotheses: ${rivals.join(", ")}`);
    // Gaps that cost confidence first; the free ones too (a source that could not be read
    // but was not needed is still something the on-call should see).
    const gaps = [...c.gaps].sort(
      (a, b) => Number(b.blocking) - Number(a.blocking) || b.confidenceImpact - a.confidenceImpact,
    );
    for (const g of gaps) {
      lines.push(`gap -${g.confidenceImpact}${g.blocking ? " (blocking)" : ""}: ${g.what}`);
    }
    for (const k of c.conflicts) {
      lines.push(`conflict${k.material ? " (material)" : ""}: ${k.subject}`);
    }
  } else {
    lines.push(`no classification (stopped in ${run.phase})`);
  }
  // A linked issue read as its caller's view of the ticket's service steered the scope.
  for (const view of bundle?.investigation?.resolution?.callerViews ?? []) {
    lines.push(`caller's view: Sentry issue ${view.issueId}: ${view.detail}`);
  }
  for (const reason of context.decision?.reasons ?? []) lines.push(`gate: ${reason}`);
  return lines;
}
