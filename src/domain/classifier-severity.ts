import type { SignalIndex } from "./classifier-index.ts";
import type { IncidentClass, Severity } from "./classifier-schema.ts";

/**
 * Severity comes from impact signals, never from the class alone: a code defect can be
 * sev3 and capacity exhaustion sev1. Noise starts at sev4, everything else at sev3, and
 * each impact signal may raise it; the highest raise wins and every raise says why.
 */
const RANK: Record<Severity, number> = { sev1: 1, sev2: 2, sev3: 3, sev4: 4 };

/** A 5xx rate this many times its baseline (or rising from zero) is sev2. */
const SEV2_ERROR_RATE_FACTOR = 10;
/** A queue this many times past its age threshold is sev2. */
const SEV2_QUEUE_AGE_FACTOR = 4;

export function assessSeverity(
  i: SignalIndex,
  leader: IncidentClass,
): { severity: Severity; reasons: string[] } {
  const raises: { severity: Severity; reason: string }[] = [];
  for (const { signal: s } of i.of("user_impact")) {
    const severity = s.scope === "widespread" ? "sev1" : s.scope === "partial" ? "sev2" : "sev3";
    raises.push({ severity, reason: `${s.affectedUsers} users affected (${s.scope})` });
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
