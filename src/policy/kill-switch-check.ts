import type { Db } from "../db/client.ts";
import type { KillSwitchCheck } from "../runner/types.ts";
import { activeKillSwitch } from "./kill-switches.ts";
import { isCapability } from "./types.ts";

/**
 * The runner's kill-switch check, backed by the kill_switches table (one indexed query).
 * An effect whose capability has no switch of its own is still stopped by the global,
 * team and service switches.
 */
export function killSwitchCheck(db: Db): KillSwitchCheck {
  return async ({ team, service, capability }) => {
    const found = await activeKillSwitch(db, {
      team: team ?? null,
      service: service ?? null,
      capability: capability && isCapability(capability) ? capability : null,
    });
    return found ? { scope: found.scope, value: found.value, reason: found.reason } : null;
  };
}
