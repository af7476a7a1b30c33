import { loadPolicy, type PolicyScope } from "./load.ts";
import { strictestPolicy } from "./restrictive.ts";
import type { LoadedPolicy } from "./types.ts";

/**
 * A scope to load policy for: a team/service, and, for a run whose scope is disputed,
 * the other scopes its sources name (`candidates`, from src/domain/run-context.ts
 * `scopeOf`). With candidates, the policy is the strictest of every rule across all of
 * them ({@link strictestPolicy}): naming another service never loosens anything.
 */
export type PolicyRequest = PolicyScope & { candidates?: readonly PolicyScope[] | undefined };

/** The effective policy for a team/service (unscoped: platform + org). */
export type PolicySource = (scope: PolicyRequest) => Promise<LoadedPolicy>;

const keyOf = (scope: PolicyScope) => `${scope.team ?? ""}/${scope.service ?? ""}`;

/**
 * Policy files read at most every `ttlMs` per scope: a click or a command must not
 * parse YAML each time, and a policy change is still seen within seconds. A load that
 * fails is not cached, so a fixed file is picked up at once.
 */
export function cachedPolicySource(
  dir: string,
  options: { ttlMs?: number; now?: () => number } = {},
): PolicySource {
  const ttlMs = options.ttlMs ?? 30_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; policy: Promise<LoadedPolicy> }>();
  const one = (scope: PolicyScope) => {
    const key = keyOf(scope);
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.policy;
    const policy = loadPolicy(dir, { team: scope.team, service: scope.service });
    policy.catch(() => cache.delete(key));
    cache.set(key, { at: now(), policy });
    return policy;
  };
  return async (scope) => {
    const main = one(scope);
    const others = (scope.candidates ?? []).filter((c) => keyOf(c) !== keyOf(scope));
    if (others.length === 0) return main;
    const loaded = await Promise.all([main, ...others.map(one)]);
    return strictestPolicy(loaded as [LoadedPolicy, ...LoadedPolicy[]]);
  };
}
