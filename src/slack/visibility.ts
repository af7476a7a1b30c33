import { policyGroups } from "../approvals/decide.ts";
import { hasRole } from "../policy/roles.ts";
import type { PolicySource } from "../policy/source.ts";
import { runScope } from "../runner/engine.ts";
import type { RunVisibility } from "./run-queries.ts";

/**
 * Whether a Slack user may see a run (`/prode status`, App Home): they hold the viewer
 * role under the run's own policy, its team and service scope as policy and kill switches
 * use it. One policy and group lookup per scope.
 */
export function runVisibility(
  deps: {
    policyFor: PolicySource;
    groupsOf(userId: string, candidates: readonly string[]): Promise<readonly string[]>;
  },
  userId: string,
): RunVisibility {
  const byScope = new Map<string, Promise<boolean>>();
  return (run) => {
    const scope = runScope(run);
    const key = `${scope.team ?? ""}\u0000${scope.service ?? ""}`;
    let allowed = byScope.get(key);
    if (!allowed) {
      allowed = (async () => {
        const policy = await deps.policyFor(scope);
        const groupIds = await deps.groupsOf(userId, policyGroups(policy));
        return hasRole(policy, { userId, groupIds }, "viewer");
      })();
      byScope.set(key, allowed);
    }
    return allowed;
  };
}
