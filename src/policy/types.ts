/**
 * The vocabulary of policy (DESIGN.md, "Policy and governance"). Policy data keeps the
 * snake_case keys of the YAML files, so a rule is spelled the same in a file, in a load
 * error, in a decision's matched rules and in the printed effective policy.
 */

/**
 * Actions that need a fresh, action-specific, single-use human approval whatever the
 * policy says (DESIGN.md, invariant 4). No level, platform included, can turn them off.
 */
export const INVARIANT_APPROVAL_ACTIONS = [
  "production_write",
  "deploy_risk_change",
  "sentry_suppression",
  "linear_done",
  "linear_cancelled",
  "pr_merge",
  "kill_switch_change",
] as const;

/** Every action the gate evaluates: the invariant ones plus the code-change steps. */
export const ACTIONS = [...INVARIANT_APPROVAL_ACTIONS, "create_worktree", "open_pr"] as const;
export type Action = (typeof ACTIONS)[number];

/** Actions that change code: they need a confidence at or above the threshold (invariant 1). */
export const CODE_ACTIONS: readonly Action[] = ["create_worktree", "open_pr"];

/**
 * Roles in rising order. Inclusion: each role holds every role below it
 * (admin ⊇ approver ⊇ operator ⊇ viewer), so an admin may do whatever an approver may.
 */
export const ROLES = ["viewer", "operator", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Policy levels from the broadest to the narrowest; a lower level may only restrict. */
export const LEVELS = ["platform", "org", "team", "service"] as const;
export type Level = (typeof LEVELS)[number];

export const KILL_SWITCH_SCOPES = ["global", "team", "service", "capability"] as const;
export type KillSwitchScope = (typeof KILL_SWITCH_SCOPES)[number];

/**
 * What the policy gate answers for one action (stored in `policy_decisions`); not the
 * evidence gate's `GateDecision` (src/domain/classifier-gate.ts), which is another concept.
 */
export const POLICY_DECISIONS = ["allow", "deny", "ask_approval"] as const;
export type PolicyDecision = (typeof POLICY_DECISIONS)[number];

/**
 * What a capability kill switch can stop: the worker's external effects and the
 * code-changing phases. Names match the effect ledger's effect names where one exists.
 */
export const CAPABILITIES = [
  "slack_post",
  "slack_update",
  "linear_comment",
  "linear_update",
  "create_worktree",
  "run_coding_agent",
  "push_branch",
  "open_pr",
  "github_label",
] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface ActionRule {
  requires_approval: boolean;
  /** How long an approval for this action stays valid. */
  approval_expiry_minutes: number;
  /** Roles whose holders may approve, closed upwards (["approver", "admin"]). */
  approvers: Role[];
}

export interface RoleMembers {
  /** Slack user IDs (U…/W…). */
  users: string[];
  /** Slack user-group IDs (S…). */
  groups: string[];
}

export interface PolicyKillSwitch {
  scope: KillSwitchScope;
  /** Team, service or capability name; "" for global. */
  value: string;
  reason: string;
}

/** The policy that applies to one team/service: every level merged, every set sorted. */
export interface EffectivePolicy {
  version: 1;
  scope: { team: string | null; service: string | null };
  confidence_threshold: number;
  actions: Record<Action, ActionRule>;
  /** Globs (see glob.ts) that no prode change may touch. */
  forbidden_paths: string[];
  max_pr_size: { lines: number; files: number };
  /**
   * Minutes after a deploy within which a symptom's onset may be blamed on it; absent:
   * the built-in default (src/domain/run-onset.ts DEFAULT_DEPLOY_PROXIMITY_MINUTES).
   */
  deploy_proximity_minutes?: number;
  /** Specialist ids the router may run. */
  specialists: string[];
  kill_switches: PolicyKillSwitch[];
  roles: Record<Role, RoleMembers>;
  /** What prode may do after the evidence gate (DESIGN.md, "Delivery"). */
  delivery: DeliveryPolicy;
}

/**
 * How far prode goes after the gate, in rising order: the bundle and a handoff only; a
 * patch in the thread (no branch); a draft pull request. A lower level may only step down.
 */
export const AUTONOMY_LEVELS = ["analysis_only", "proposed_patch", "draft_pr"] as const;
export type Autonomy = (typeof AUTONOMY_LEVELS)[number];

/** A check a service runs on prode's change before any PR (`delivery.checks`). */
export interface DeliveryCheck {
  name: string;
  /** A command line, split into words without a shell (src/delivery/exec.ts). */
  command: string;
  timeout_seconds: number;
}

export interface DeliveryPolicy {
  autonomy: Autonomy;
  /** The confidence each level needs (never below the gate's floor); may only rise. */
  confidence_floors: { proposed_patch: number; draft_pr: number };
  /** Record every mutation as "would have …" and make none; may only turn on. */
  dry_run: boolean;
  /** Open prode PRs a team reviews at once; over it a run stops with a handoff. May only shrink. */
  max_open_prs_per_team: number;
  /** The coding agent's time limit; may only shorten. */
  agent_timeout_seconds: number;
  /** What a run's worktree may hold; may only shrink. */
  worktree: { max_files: number; max_bytes: number };
  /** The service's checks (a service file declares them; the service's own data). */
  checks: DeliveryCheck[];
  /** POST_MERGE_MONITOR's watch over the merge (src/phases/post-merge-monitor.ts). */
  monitor: MonitorPolicy;
}

/**
 * How POST_MERGE_MONITOR watches a merged fix, in seconds. The deploy holding the merge is
 * waited for until `window_seconds` after the merge; once deployed, the error must stay
 * away `min_observation_seconds` before "resolved" (the watch runs that long after a deploy
 * even when it lands late in the window); between checks the run sleeps on a delayed job
 * for `recheck_seconds`.
 */
export interface MonitorPolicy {
  /** May only shorten: a lower level never keeps a run reading production for longer. */
  window_seconds: number;
  /** May only lengthen: fewer reads of the providers. */
  recheck_seconds: number;
  /** May only lengthen: "resolved" never needs less quiet than the level above asks. */
  min_observation_seconds: number;
}

export function autonomyRank(level: Autonomy): number {
  return AUTONOMY_LEVELS.indexOf(level);
}

/** An effective policy with its identity: the sha256 of its canonical JSON, and its files. */
export type LoadedPolicy = EffectivePolicy & {
  /** sha256 (hex) of canonicalJson of the effective policy (without hash and sources). */
  hash: string;
  /** The files merged, broadest first. */
  sources: string[];
};

export function isAction(value: string): value is Action {
  return (ACTIONS as readonly string[]).includes(value);
}

export function isCapability(value: string): value is Capability {
  return (CAPABILITIES as readonly string[]).includes(value);
}

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}
