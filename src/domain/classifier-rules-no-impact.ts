import { all, series } from "./classifier-features.ts";
import type { SignalIndex, TaggedSignal as Tagged, TaggedSignal } from "./classifier-index.ts";
import type { Rule } from "./classifier-rule.ts";
import { withoutImpact } from "./classifier-rules-recurrence.ts";

/**
 * A cloud provider's incident on what the service runs on, while every control of impact
 * was read and none moved: "are we affected?" answered from present data, no. The
 * incident alone is not our symptom; what users feel is (DESIGN: a provider event is
 * infra only when our telemetry shows it). Each control must have been read, since an
 * unread one is not a flat one: the 5xx rate and latency (withoutImpact), the 5xx rate in
 * each zone a zonal incident names (an aggregate hides one zone's errors among the
 * others'), and the capacity the incident could take away (tasks at their desired count,
 * or unhealthy hosts and running tasks flat).
 */

type Incident = TaggedSignal<"provider_incident">;

/** Open provider incidents on the region, zones or component the service runs on. */
const openOnUs = (i: SignalIndex): Incident[] =>
  i.of("provider_incident").filter((t) => t.signal.overlapsUs && t.signal.status !== "resolved");

/**
 * The flat 5xx series of the zones a zonal incident names, or undefined when one of its
 * zones was not read per zone (a regional incident needs none beyond the service's).
 */
function zoneControls(i: SignalIndex, incident: Incident): Tagged[] | undefined {
  const zones = incident.signal.zones ?? [];
  const flat = series(i, ["errors_5xx"], ["flat", "drop"]).filter((s) =>
    (s.signal.scope?.zones ?? []).some((z) => zones.includes(z)),
  );
  const read = zones.every((z) => flat.some((s) => (s.signal.scope?.zones ?? []).includes(z)));
  return read ? flat : undefined;
}

/** Capacity read at its level: every desired task healthy, or hosts and tasks flat. */
const capacityControls = (i: SignalIndex): Tagged[] => [
  ...i.of("task_health").filter((t) => t.signal.healthy >= t.signal.desired),
  ...series(i, ["unhealthy_hosts", "running_tasks"], ["flat"]),
];

/**
 * Open provider incidents on what we run on, with every control of impact read and flat:
 * the incidents, their zones' flat 5xx series, the capacity controls, and (through
 * withoutImpact) the flat 5xx rate and latency; none when any control is missing or
 * anything users depend on moved.
 */
export const providerIncidentsWithoutImpact = (i: SignalIndex): Tagged[] => {
  const incidents = openOnUs(i);
  const zones = incidents.map((t) => zoneControls(i, t));
  if (incidents.length === 0 || zones.some((z) => z === undefined)) return [];
  const zoneFlats = zones.flatMap((z) => z ?? []);
  return withoutImpact(i, [...all(incidents, capacityControls(i)), ...zoneFlats]);
};

const QUIET = `while every control of impact was read flat: the 5xx rate and latency, the 5xx rate in each zone the incident names, and the tasks or hosts it could take away (and nothing users depend on moved)`;

export const NO_IMPACT_RULES: readonly Rule[] = [
  {
    id: "noise.provider_incident_without_impact",
    class: "noise",
    effect: "supports",
    points: 45,
    explanation: `an open cloud-provider incident covers what the service runs on, ${QUIET}: the service is not affected; nothing to fix, watch it while the incident lasts`,
    match: providerIncidentsWithoutImpact,
  },
  {
    id: "infra.provider_incident_without_impact",
    class: "infra",
    effect: "refutes",
    points: 50,
    explanation: `the provider's incident covers what the service runs on, ${QUIET}: it is not the cause of anything users feel`,
    match: providerIncidentsWithoutImpact,
  },
];
