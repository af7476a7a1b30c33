import type { SignalIndex } from "./classifier-index.ts";
import { providerIncidentsWithoutImpact } from "./classifier-rules-no-impact.ts";
import { flappingAlarmWithoutImpact } from "./classifier-rules-recurrence.ts";
import type { SignalOf } from "./signals.ts";

/**
 * The noise statement and settling test of a run whose concern (a provider's incident, an
 * alarm that flaps) showed no impact: what was read flat, in words (classifier-text.ts
 * asks these first for the noise class).
 */

const first = <K extends "provider_incident" | "recurring_alarm">(
  found: ReturnType<typeof providerIncidentsWithoutImpact>,
  kind: K,
) => found.find((t) => t.signal.kind === kind)?.signal as SignalOf<K> | undefined;

/** The flapping alarm the noise verdict rests on, when one does. */
export const flappingAlarmOf = (i: SignalIndex) =>
  first(flappingAlarmWithoutImpact(i), "recurring_alarm");

/** The statement, when the verdict rests on a provider incident or a flapping alarm. */
export function noImpactStatement(i: SignalIndex): string | undefined {
  const p = first(providerIncidentsWithoutImpact(i), "provider_incident");
  const a = flappingAlarmOf(i);
  if (!p && !a) return undefined;
  const parts = [
    p
      ? `${p.provider.toUpperCase()} reports ${p.component ?? "an"} incident in ${(p.zones ?? []).join(", ") || p.region || "the region"}${p.startedAt ? ` since ${p.startedAt}` : ""}, but the service shows no impact: the 5xx rate (in every zone it names) and latency are flat and the tasks and hosts it could take away hold`
      : undefined,
    a?.flaps
      ? `alarm ${a.alarm} has flapped ${a.flaps.firings} times on ${a.flaps.days} days of the last ${a.daysRead}, each back to OK within ${a.flaps.longestMinutes} min, without impact`
      : undefined,
  ].filter((s) => s !== undefined);
  return `${parts.join("; ")}. Noise: nothing to fix${p ? "; watch the service while the provider's incident lasts" : ""}${a ? `; tune alarm ${a.alarm}` : ""}`.replace(
    /^./,
    (c) => c.toUpperCase(),
  );
}

/** The settling test, when the verdict rests on a provider incident or a flapping alarm. */
export function noImpactSettlingTest(i: SignalIndex): string | undefined {
  if (providerIncidentsWithoutImpact(i).length > 0) {
    return "Read the 5xx rate, latency and healthy tasks per zone again until the provider closes its incident: none moves";
  }
  if (flappingAlarmOf(i)) {
    return "Read the alarm's history over the past weeks against the 5xx rate and latency over each episode: it flaps for a minute or two at any hour and neither moves";
  }
  return undefined;
}
