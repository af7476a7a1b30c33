import { KILL_SWITCH_SCOPES, type KillSwitchScope, type PolicyKillSwitch } from "./types.ts";

/** Whom a kill switch is checked for: the run's team and service, and what it is about to do. */
interface KillSwitchSubject {
  team?: string | null | undefined;
  service?: string | null | undefined;
  /** The capability or action about to run. */
  capability?: string | null | undefined;
}

/** Whether a switch declared in policy stops `subject`. */
export function policySwitchApplies(k: PolicyKillSwitch, subject: KillSwitchSubject): boolean {
  return (
    k.scope === "global" ||
    (k.scope === "team" && k.value === subject.team) ||
    (k.scope === "service" && k.value === subject.service) ||
    (k.scope === "capability" && k.value === subject.capability)
  );
}

/** Broadest first: global, team, service, capability. */
export function killSwitchRank(scope: KillSwitchScope): number {
  return KILL_SWITCH_SCOPES.indexOf(scope);
}

/** Broadest scope first, then by value: the order of an effective policy's switches. */
export function compareKillSwitches(
  a: Pick<PolicyKillSwitch, "scope" | "value">,
  b: Pick<PolicyKillSwitch, "scope" | "value">,
): number {
  const byScope = killSwitchRank(a.scope) - killSwitchRank(b.scope);
  return byScope !== 0 ? byScope : a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}
