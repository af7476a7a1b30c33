import type { EvidenceCollector } from "../shared/collector.ts";
import type { VendorSource, VendorStatus } from "../tools.ts";
import { locationsIn, overlapsUs } from "./detect.ts";

/**
 * Status pages read into evidence: a configured vendor's page (incidents, recent
 * resolutions, the operational negative control) and a cloud provider's page, whose open
 * incidents are placed against our region and zones.
 */

const INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved"] as const;
type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
const CLOSED = new Set(["resolved", "postmortem", "completed"]);
const IMPACTS = new Set(["minor", "major", "critical"]);
/** A resolved incident this recent is still worth a finding. */
const RECENTLY_RESOLVED_MS = 24 * 3_600_000;

function incidentStatus(status: string): IncidentStatus {
  if (CLOSED.has(status)) return "resolved";
  return (INCIDENT_STATUSES as readonly string[]).includes(status)
    ? (status as IncidentStatus)
    : "investigating";
}

function isoOrUndefined(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Maps one status page reading to findings and signals (exported for unit tests). */
export function readStatus(
  ev: EvidenceCollector,
  status: VendorStatus,
  now: Date,
  fetchedAt: Date,
): void {
  const ref = ev.source({
    kind: "vendor_status",
    ref: `vendor_status:${status.vendor}`,
    fetchedAt,
  });
  const active = status.incidents.filter((i) => !CLOSED.has(i.status));
  for (const incident of active) {
    const startedAt = isoOrUndefined(incident.startedAt);
    const components = incident.components.length
      ? ` affecting ${incident.components.slice(0, 5).join(", ")}`
      : "";
    ev.finding({
      fact: `${status.vendor} status page reports "${incident.name}" (${incident.status}, impact ${incident.impact})${startedAt ? ` since ${startedAt}` : ""}${components}`,
      source: ref,
      observedAt: fetchedAt,
    });
    ev.signal({
      source: ref,
      kind: "vendor_incident",
      vendor: status.vendor,
      status: incidentStatus(incident.status),
      ...(IMPACTS.has(incident.impact)
        ? { impact: incident.impact as "minor" | "major" | "critical" }
        : {}),
      ...(startedAt ? { startedAt } : {}),
    });
  }
  for (const incident of status.incidents.filter((i) => CLOSED.has(i.status))) {
    const startedAt = isoOrUndefined(incident.startedAt);
    if (!startedAt || now.getTime() - Date.parse(startedAt) > RECENTLY_RESOLVED_MS) continue;
    ev.finding({
      fact: `${status.vendor} had "${incident.name}" (impact ${incident.impact}) starting ${startedAt}, now ${incident.status}`,
      source: ref,
      observedAt: fetchedAt,
    });
  }
  if (active.length > 0) return;
  if (status.indicator === "none") {
    ev.finding({
      fact: `${status.vendor} status page is operational: ${status.description || "no open incident"}`,
      source: ref,
      observedAt: fetchedAt,
    });
    ev.signal({ source: ref, kind: "vendor_operational", vendor: status.vendor });
    return;
  }
  // Degraded or in maintenance without an incident: neither green nor an incident.
  ev.finding({
    fact: `${status.vendor} status page indicator is ${status.indicator} (${status.description}) with no open incident`,
    source: ref,
    observedAt: fetchedAt,
  });
  ev.gap({
    what: `${status.vendor} status is ${status.indicator} without an incident to cite`,
    confidenceImpact: 5,
  });
}

/** A cloud provider's status page: each open incident, placed against our region and zones. */
export function readProviderStatus(
  ev: EvidenceCollector,
  status: VendorStatus,
  source: VendorSource,
  ourZones: readonly string[],
  fetchedAt: Date,
): void {
  const ref = ev.source({
    kind: "vendor_status",
    ref: `vendor_status:${status.vendor}`,
    fetchedAt,
  });
  const active = status.incidents.filter((i) => !CLOSED.has(i.status));
  for (const incident of active) {
    const where = locationsIn([incident.name, ...incident.components]);
    const overlaps = overlapsUs(where, {
      ...(source.region ? { region: source.region } : {}),
      zones: ourZones,
    });
    const startedAt = isoOrUndefined(incident.startedAt);
    ev.finding({
      fact: `${status.vendor} reports "${incident.name}" (${incident.status})${where.regions.length ? ` in ${[...where.regions, ...where.zones].join(", ")}` : ""}${startedAt ? ` since ${startedAt}` : ""}: ${overlaps ? "overlaps our region" : `not in our region${source.region ? ` ${source.region}` : " (unknown)"}`}`,
      source: ref,
      observedAt: fetchedAt,
    });
    const region = where.regions[0];
    const component = incident.components[0];
    ev.signal({
      source: ref,
      kind: "provider_incident",
      provider: status.vendor,
      ...(region ? { region } : {}),
      ...(where.zones.length ? { zones: where.zones } : {}),
      ...(component ? { component } : {}),
      status: incidentStatus(incident.status),
      ...(startedAt ? { startedAt } : {}),
      overlapsUs: overlaps,
    });
  }
  if (active.length === 0) {
    ev.finding({
      fact: `${status.vendor} reports no open incident (${status.description || status.indicator})`,
      source: ref,
      observedAt: fetchedAt,
    });
  }
}
