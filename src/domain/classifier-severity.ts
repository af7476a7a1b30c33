import type { SignalIndex } from "./classifier-index.ts";
import type { IncidentClass, Severity } from "./classifier-schema.ts";

/**
 * Severity comes from impact signals, never from the class alone: a code defect can be
 * sev3 and capacity exhaustion sev1. Noise starts at sev4, everything else at sev3, and
 * each impact signal may raise it; the highest raise wins and every raise says why.
 * sev1 comes from telemetry (spread across services, zones or all routes; no healthy
 * tasks) or from reported widespread impact that the telemetry corroborates, never from
 * a ticket's words alone.
 */
const RANK: Record<Severity, number> = { sev1: 1, sev2: 2, sev3: 3, sev4: 4 };

/**
 * Telemetry that spreads this far is an incident for humans to run (sev1, which the gate
 * turns into ESCALATED_INCIDENT): this many services changed together ...
 */
export const ESCALATE_MIN_SERVICES = 3;
/** ... or this many availability zones (one zone failing is what multi-AZ absorbs; two is not) ... */
export const ESCALATE_MIN_ZONES = 2;
/** ... or every route failing with at least this share of all requests. */
export const ESCALATE_ERROR_SHARE = 0.25;

/** A 5xx rate this many times its baseline (or rising from zero) is sev2. */
const SEV2_ERROR_RATE_FACTOR = 10;
/** A queue this many times past its age threshold is sev2. */
const SEV2_QUEUE_AGE_FACTOR = 4;

/** A user-visible symptom in the telemetry: errors or latency rising, tasks down, spread. */
function telemetryShowsImpact(i: SignalIndex): boolean {
  return (
    i.of("error_rate_rise").some((t) => t.signal.to > t.signal.from) ||
    i
      .of("series_change")
      .some(
        (t) =>
          t.signal.direction === "rise" &&
          ["errors_5xx", "error_events", "latency_p50", "latency_p99", "unhealthy_hosts"].includes(
            t.signal.measure,
          ),
      ) ||
    i.of("task_health").some((t) => t.signal.healthy < t.signal.desired) ||
    i.of("impact_scope").some((t) => t.signal.services.length > 1 || t.signal.routes === "all")
  );
}

/** Policy's escalation bounds; each defaults to the constant above. */
export interface EscalationBounds {
  minServices?: number;
  minZones?: number;
  errorShare?: number;
}

export function assessSeverity(
  i: SignalIndex,
  leader: IncidentClass,
  bounds: EscalationBounds = {},
): { severity: Severity; reasons: string[] } {
  const minServices = bounds.minServices ?? ESCALATE_MIN_SERVICES;
  const minZones = bounds.minZones ?? ESCALATE_MIN_ZONES;
  const errorShare = bounds.errorShare ?? ESCALATE_ERROR_SHARE;
  const raises: { severity: Severity; reason: string }[] = [];
  for (const { signal: s } of i.of("impact_scope")) {
    // Per-zone series that show the symptom in one zone of several: the other zones carry
    // the traffic (what multi-AZ is for), so this spread across services is one zone's
    // (a zonal dependency), not an outage of the services. Judged per signal: another
    // source's spread without zones still escalates.
    const confined = s.zones.length === 1 && (s.zonesRead ?? 0) > 1 ? s : undefined;
    const share =
      s.errorShare === undefined ? "" : `, ${Math.round(s.errorShare * 100)}% of requests failing`;
    // The symptom in every zone read is service-wide: it says nothing about zones failing.
    const everyZone = s.zonesRead !== undefined && s.zones.length >= s.zonesRead;
    if (s.services.length >= minServices && confined === undefined) {
      raises.push({
        severity: "sev1",
        reason: `symptom on ${s.services.length} services (bound ${minServices}): ${s.services.join(", ")}`,
      });
    } else if (s.services.length > 1) {
      raises.push({
        severity: "sev2",
        reason: `symptom on ${s.services.length} services${confined ? `, confined to zone ${confined?.zones[0]} of ${confined?.zonesRead} read` : ""}`,
      });
    }
    if (s.zones.length >= minZones && !everyZone) {
      raises.push({
        severity: "sev1",
        reason: `symptom in ${s.zones.length} availability zones (bound ${minZones}): ${s.zones.join(", ")}`,
      });
    }
    if (s.routes === "all") {
      const wide = s.errorShare !== undefined && s.errorShare >= errorShare;
      raises.push({
        severity: wide ? "sev1" : "sev2",
        reason: `all routes failing${share}${wide ? ` (bound ${Math.round(errorShare * 100)}%)` : ""}`,
      });
    }
  }
  const corroborated = telemetryShowsImpact(i);
  for (const { signal: s } of i.of("user_impact")) {
    // Words in a ticket alone never escalate: "widespread" is sev1 only when telemetry
    // shows a user-visible symptom too.
    const wide = s.scope === "widespread";
    const severity = wide
      ? corroborated
        ? "sev1"
        : "sev2"
      : s.scope === "partial"
        ? "sev2"
        : "sev3";
    raises.push({
      severity,
      reason: `${s.affectedUsers} users affected (${s.scope}${wide && !corroborated ? ", not corroborated by telemetry" : ""})`,
    });
  }
  for (const { signal: s } of i.of("provider_incident")) {
    if (!s.overlapsUs || s.status === "resolved") continue;
    raises.push({
      severity: "sev2",
      reason: `${s.provider} incident (${s.status}) where our symptom is`,
    });
  }
  for (const { signal: s } of i.of("task_health")) {
    if (s.desired > 0 && s.healthy === 0) {
      raises.push({ severity: "sev1", reason: `${s.service} has no healthy tasks` });
    }
  }
  for (const { signal: s } of i.of("error_rate_rise")) {
    if (s.to <= s.from) continue;
    const steep = s.from === 0 || s.to / s.from >= SEV2_ERROR_RATE_FACTOR;
    raises.push({
      severity: steep ? "sev2" : "sev3",
      reason: `5xx on ${s.service} rose ${s.from}→${s.to}/min`,
    });
  }
  for (const { signal: s } of i.of("queue_saturation")) {
    if (s.ageSeconds <= s.threshold) continue;
    const deep = s.ageSeconds >= s.threshold * SEV2_QUEUE_AGE_FACTOR;
    raises.push({
      severity: deep ? "sev2" : "sev3",
      reason: `queue ${s.queue} at ${s.ageSeconds}s against a ${s.threshold}s threshold`,
    });
  }
  for (const { signal: s } of i.of("vendor_incident")) {
    if (s.status === "resolved") continue;
    const major = s.impact === "major" || s.impact === "critical";
    raises.push({
      severity: major ? "sev2" : "sev3",
      reason: `${s.vendor} incident (${s.status})`,
    });
  }
  const base: Severity = leader === "noise" ? "sev4" : "sev3";
  let severity: Severity = base;
  for (const raise of raises) if (RANK[raise.severity] < RANK[severity]) severity = raise.severity;
  const reasons = raises.filter((r) => r.severity === severity).map((r) => r.reason);
  if (reasons.length === 0) {
    reasons.push(
      leader === "noise" ? "noise with no impact signal" : "no impact signal raised severity",
    );
  }
  return { severity, reasons };
}
