import { createHash } from "node:crypto";
import { compareKillSwitches } from "./kill-switch-match.ts";
import { ACTIONS, autonomyRank, type LoadedPolicy, ROLES, roleRank } from "./types.ts";

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

const intersect = (a: readonly string[], b: readonly string[]) => a.filter((x) => b.includes(x));
const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])].sort();

/**
 * The strictest of each rule across several effective policies (a run whose scope is
 * disputed, issue 18 item 3): the highest confidence threshold, approval required where
 * any requires it, the shortest expiry, only the approver roles every policy accepts
 * (the highest role when they share none), the smallest change, every forbidden path
 * and kill switch, the shortest deploy proximity, and role members only where every
 * policy grants them, the lowest autonomy and the strictest delivery limits (another candidate's own team or service switch becomes a switch on
 * the whole run, its reason naming it). The first policy (the chosen scope) keeps its scope and
 * specialists: which evidence is gathered is not a permission. The hash covers the
 * merge and names every policy merged, so a decision record shows it was merged.
 */
export function strictestPolicy(
  policies: readonly [LoadedPolicy, ...LoadedPolicy[]],
): LoadedPolicy {
  const [first, ...rest] = policies;
  if (rest.length === 0) return first;
  const merged: LoadedPolicy = structuredClone(first);
  for (const p of rest) {
    merged.confidence_threshold = Math.max(merged.confidence_threshold, p.confidence_threshold);
    for (const action of ACTIONS) {
      const a = merged.actions[action];
      const b = p.actions[action];
      const shared = a.approvers.filter((r) => b.approvers.includes(r));
      const highest = [...a.approvers, ...b.approvers].sort((x, y) => roleRank(y) - roleRank(x));
      merged.actions[action] = {
        requires_approval: a.requires_approval || b.requires_approval,
        approval_expiry_minutes: Math.min(a.approval_expiry_minutes, b.approval_expiry_minutes),
        approvers: shared.length > 0 ? shared : highest.slice(0, 1),
      };
    }
    merged.forbidden_paths = union(merged.forbidden_paths, p.forbidden_paths);
    merged.max_pr_size = {
      lines: Math.min(merged.max_pr_size.lines, p.max_pr_size.lines),
      files: Math.min(merged.max_pr_size.files, p.max_pr_size.files),
    };
    const proximity = [merged.deploy_proximity_minutes, p.deploy_proximity_minutes].filter(
      (m): m is number => m !== undefined,
    );
    if (proximity.length > 0) merged.deploy_proximity_minutes = Math.min(...proximity);
    const switches = [...merged.kill_switches];
    for (const declared of p.kill_switches) {
      // A candidate's own team or service switch holds this run whatever scope was
      // chosen: carried as a run-wide switch that names where it came from.
      const own =
        (declared.scope === "team" && declared.value === p.scope.team) ||
        (declared.scope === "service" && declared.value === p.scope.service);
      const k = own
        ? {
            scope: "global" as const,
            value: "",
            reason: `${declared.scope} ${declared.value} (a disputed scope of this run): ${declared.reason}`,
          }
        : declared;
      if (!switches.some((s) => s.scope === k.scope && s.value === k.value)) switches.push(k);
    }
    merged.kill_switches = switches.sort(compareKillSwitches);
    const d = merged.delivery;
    const e = p.delivery;
    merged.delivery = {
      autonomy: autonomyRank(e.autonomy) < autonomyRank(d.autonomy) ? e.autonomy : d.autonomy,
      confidence_floors: {
        proposed_patch: Math.max(
          d.confidence_floors.proposed_patch,
          e.confidence_floors.proposed_patch,
        ),
        draft_pr: Math.max(d.confidence_floors.draft_pr, e.confidence_floors.draft_pr),
      },
      dry_run: d.dry_run || e.dry_run,
      max_open_prs_per_team: Math.min(d.max_open_prs_per_team, e.max_open_prs_per_team),
      agent_timeout_seconds: Math.min(d.agent_timeout_seconds, e.agent_timeout_seconds),
      worktree: {
        max_files: Math.min(d.worktree.max_files, e.worktree.max_files),
        max_bytes: Math.min(d.worktree.max_bytes, e.worktree.max_bytes),
      },
      // The checks are the chosen service's: another candidate's would test other code.
      checks: d.checks,
      // The monitor's restrictions, as the levels merge them (resolve.ts applyMonitor).
      monitor: {
        window_seconds: Math.min(d.monitor.window_seconds, e.monitor.window_seconds),
        recheck_seconds: Math.max(d.monitor.recheck_seconds, e.monitor.recheck_seconds),
        min_observation_seconds: Math.max(
          d.monitor.min_observation_seconds,
          e.monitor.min_observation_seconds,
        ),
      },
    };
    for (const role of ROLES) {
      merged.roles[role] = {
        users: intersect(merged.roles[role].users, p.roles[role].users),
        groups: intersect(merged.roles[role].groups, p.roles[role].groups),
      };
    }
  }
  merged.hash = createHash("sha256")
    .update(policies.map((p) => p.hash).join("+"))
    .digest("hex");
  merged.sources = [...new Set(policies.flatMap((p) => p.sources))];
  return merged;
}
