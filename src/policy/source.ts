import { loadPolicy, type PolicyScope } from "./load.ts";
import type { LoadedPolicy } from "./types.ts";

/** The effective policy for a team/service (unscoped: platform + org). */
export type PolicySource = (scope: PolicyScope) => Promise<LoadedPolicy>;

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
  return (scope) => {
    const key = `${scope.team ?? ""}/${scope.service ?? ""}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.policy;
    const policy = loadPolicy(dir, scope);
    policy.catch(() => cache.delete(key));
    cache.set(key, { at: now(), policy });
    return policy;
  };
}
