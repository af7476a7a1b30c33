import type { LoadedPolicy } from "./types.ts";

/**
 * The most restrictive of several effective policies, for a run whose service is
 * disputed (the ticket names one service, its Sentry issue another): the one that demands
 * the most confidence, then allows the smallest change, then forbids the most paths,
 * then engages the most kill switches. The first wins a tie.
 */
export function mostRestrictive(
  policies: readonly [LoadedPolicy, ...LoadedPolicy[]],
): LoadedPolicy {
  const key = (p: LoadedPolicy) => [
    p.confidence_threshold,
    -p.max_pr_size.lines,
    -p.max_pr_size.files,
    p.forbidden_paths.length,
    p.kill_switches.length,
    -p.specialists.length,
  ];
  let best = policies[0];
  for (const candidate of policies.slice(1)) {
    const a = key(candidate);
    const b = key(best);
    const i = a.findIndex((v, n) => v !== b[n]);
    if (i >= 0 && a[i]! > b[i]!) best = candidate;
  }
  return best;
}
