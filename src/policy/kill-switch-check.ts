import type { Db } from "../db/client.ts";
import type { KillSwitchCheck } from "../runner/types.ts";
import { type ActiveKillSwitch, activeKillSwitch } from "./kill-switches.ts";
import type { PolicyScope } from "./load.ts";
import { type Capability, isCapability, type PolicyKillSwitch } from "./types.ts";

/** A run's scope as `scopeOf` gives it: its team/service and any disputed candidates. */
type ScopeWithCandidates = PolicyScope & { candidates?: unknown };

/** The candidate scopes riding along with a run's scope (src/domain/run-context.ts). */
function candidatesOf(scope: ScopeWithCandidates): PolicyScope[] {
  if (!Array.isArray(scope.candidates)) return [];
  return scope.candidates.flatMap((c: unknown) => {
    if (typeof c !== "object" || c === null) return [];
    const { team, service } = c as Record<string, unknown>;
    return [
      {
        ...(typeof team === "string" ? { team } : {}),
        ...(typeof service === "string" ? { service } : {}),
      },
    ];
  });
}

/**
 * The kill switch that stops a run's scope or any of its disputed candidate scopes
 * (issue 18 item 3: a ticket that names another service stays under the switches of
 * every service its sources name), or null.
 */
export async function activeKillSwitchForRun(
  db: Db,
  scope: ScopeWithCandidates,
  capability: Capability | null,
  policy?: { kill_switches: readonly PolicyKillSwitch[] },
): Promise<ActiveKillSwitch | null> {
  for (const s of [scope, ...candidatesOf(scope)]) {
    const found = await activeKillSwitch(
      db,
      { team: s.team ?? null, service: s.service ?? null, capability },
      policy,
    );
    if (found) return found;
  }
  return null;
}

/**
 * The runner's kill-switch check, backed by the kill_switches table (one indexed query
 * per scope the run is under). An effect whose capability has no switch of its own is
 * still stopped by the global, team and service switches.
 */
export function killSwitchCheck(db: Db): KillSwitchCheck {
  return async (subject) => {
    const { capability } = subject;
    const found = await activeKillSwitchForRun(
      db,
      subject,
      capability && isCapability(capability) ? capability : null,
    );
    return found ? { scope: found.scope, value: found.value, reason: found.reason } : null;
  };
}
