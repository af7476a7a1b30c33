import { MAX_ONSET_UNCERTAINTY_MINUTES, type RunOnset } from "./run-onset.ts";
import type { SeriesMeasure, SignalOf } from "./signals.ts";
import type { SpecialistOutput } from "./specialist-output.ts";

/**
 * The causal chain's earliest change: a dependency's load that began climbing before the
 * symptom while request volume did not rise first. A release that stores what never
 * expires, or reads more per request, fills its dependency slowly; the symptom shows only
 * when the dependency reaches its limit, hours after the rollout. The symptom's onset then
 * says "no deploy"; the climb's onset is what a deploy must be tested against
 * (specialists/release). Traffic that rose at or before the climb drove it, so there is no
 * precursor to test. Pure.
 */

/** Load on a dependency (the classifier's dependency measures); not the symptom's own. */
const LOAD_MEASURES: ReadonlySet<SeriesMeasure> = new Set<SeriesMeasure>([
  "connections",
  "cpu",
  "memory",
  "evictions",
  "throttles",
  "concurrency",
]);

const MINUTE = 60_000;

export interface RunPrecursor {
  at: string;
  /** Human wording for findings: "memory of <cache> rose (aws)". */
  what: string;
  uncertaintyMinutes: number;
  service?: string;
}

type Series = SignalOf<"series_change">;

const returnedSeries = (outputs: readonly SpecialistOutput[]) =>
  outputs.flatMap((o) =>
    o.status === "returned"
      ? o.signals
          .filter((s): s is Series => s.kind === "series_change")
          .map((signal) => ({ specialistId: o.specialistId, signal }))
      : [],
  );

/**
 * The earliest dated load rise that began before the symptom's onset (by more than both
 * uncertainties), of the onset's service or one unstated, with no request-volume rise
 * beginning at or before it. Undefined without a series onset or such a climb.
 */
export function runPrecursor(
  outputs: readonly SpecialistOutput[],
  onset: RunOnset | undefined,
): RunPrecursor | undefined {
  if (onset?.source !== "series") return undefined;
  const symptomAt = Date.parse(onset.at);
  const all = returnedSeries(outputs);
  const requests = all.filter(
    (t) => t.signal.measure === "requests" && t.signal.direction === "rise",
  );
  const candidates = all.filter(({ signal: s }) => {
    if (!LOAD_MEASURES.has(s.measure) || s.direction !== "rise" || !s.onset) return false;
    const u = s.onsetUncertaintyMinutes ?? 0;
    if (u > MAX_ONSET_UNCERTAINTY_MINUTES) return false;
    if (onset.service && s.service && s.service !== onset.service) return false;
    const at = Date.parse(s.onset);
    if (at >= symptomAt - (u + onset.uncertaintyMinutes) * MINUTE) return false;
    // An undated rise of requests may have begun first: traffic stays a live driver.
    return !requests.some(({ signal: r }) => {
      if (!r.onset) return true;
      const slack = Math.max(u, r.onsetUncertaintyMinutes ?? 0) * MINUTE;
      return Date.parse(r.onset) <= at + slack;
    });
  });
  const earliest = candidates.sort(
    (a, b) => Date.parse(a.signal.onset!) - Date.parse(b.signal.onset!),
  )[0];
  if (!earliest) return undefined;
  const s = earliest.signal;
  const on = [s.service, s.scope?.resource].filter(Boolean).join(" ");
  return {
    at: s.onset!,
    what: `${s.measure}${on ? ` of ${on}` : ""} began climbing (${earliest.specialistId})`,
    uncertaintyMinutes: s.onsetUncertaintyMinutes ?? 0,
    ...(s.service ? { service: s.service } : {}),
  };
}
