import { createHash } from "node:crypto";
import { canonicalJson } from "../audit/canonical-json.ts";
import { CONFIDENCE_FLOOR } from "../domain/classifier-gate.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { DEFAULT_DEPLOY_PROXIMITY_MINUTES } from "../domain/run-onset.ts";
import type { PolicyFile, PolicyFileKillSwitch } from "./file-schema.ts";
import { compareKillSwitches } from "./kill-switch-match.ts";
import {
  ACTIONS,
  type Action,
  type ActionRule,
  autonomyRank,
  type EffectivePolicy,
  INVARIANT_APPROVAL_ACTIONS,
  LEVELS,
  type Level,
  type LoadedPolicy,
  ROLES,
  type Role,
  type RoleMembers,
  roleRank,
} from "./types.ts";

/**
 * Merging policy levels (pure). platform.yaml is laid over the built-in defaults; every
 * lower level may only restrict what the levels above it set. A file that tries to
 * loosen is refused with every offending rule, each naming the level it conflicts with.
 *
 * Per rule:
 * - confidence_threshold may only rise; approval_expiry_minutes may only shorten;
 *   max_pr_size may only shrink; requires_approval may only turn on;
 *   deploy_proximity_minutes may only shorten.
 * - approvers may only narrow (the lowest role named may only rise).
 * - specialists may only shrink: a lower file lists the subset it keeps.
 * - forbidden_paths and kill_switches only grow: a lower file's entries are added.
 * - delivery: autonomy may only step down, confidence floors only rise, dry_run only turn
 *   on, the review-load cap, agent time limit and worktree caps only shrink; checks are
 *   the service's own (a service file declares them); the monitor's window only
 *   shortens, its re-check interval and quiet period after the deploy only lengthen.
 * - roles are identity: platform and org grant them (their members are added); a team
 *   or service file may only narrow them: its entry replaces the role's members and may
 *   name only members it inherited.
 */

export interface PolicyLayer {
  level: Level;
  /** The file's path as the user would recognise it, e.g. "policy/teams/payments.yaml". */
  source: string;
  /** The team (team level) or service (service level) the file is for. */
  name?: string;
  file: PolicyFile;
}

const DEFAULT_APPROVAL_EXPIRY_MINUTES = 30;
const DEFAULT_APPROVERS: Role[] = ["approver", "admin"];

/** What platform.yaml starts from: invariant 4 on, the confidence floor, the default expiry. */
function builtInDefaults(): EffectivePolicy {
  const actions = Object.fromEntries(
    ACTIONS.map((a): [Action, ActionRule] => [
      a,
      {
        requires_approval: (INVARIANT_APPROVAL_ACTIONS as readonly string[]).includes(a),
        approval_expiry_minutes: DEFAULT_APPROVAL_EXPIRY_MINUTES,
        approvers: [...DEFAULT_APPROVERS],
      },
    ]),
  ) as Record<Action, ActionRule>;
  return {
    version: 1,
    scope: { team: null, service: null },
    confidence_threshold: CONFIDENCE_FLOOR,
    actions,
    forbidden_paths: [],
    max_pr_size: { lines: 400, files: 20 },
    specialists: [
      "aws",
      "code-path",
      "db",
      "release",
      "reproduction",
      "review",
      "sentry",
      "support",
      "vendor",
    ],
    kill_switches: [],
    // Nothing past the bundle until platform.yaml says so.
    delivery: {
      autonomy: "analysis_only",
      confidence_floors: { proposed_patch: CONFIDENCE_FLOOR, draft_pr: 80 },
      dry_run: false,
      max_open_prs_per_team: 3,
      agent_timeout_seconds: 900,
      worktree: { max_files: 5_000, max_bytes: 50_000_000 },
      checks: [],
      // Two hours for the deploy, a look every ten minutes, half an hour quiet after it.
      monitor: { window_seconds: 7_200, recheck_seconds: 600, min_observation_seconds: 1_800 },
    },
    roles: Object.fromEntries(
      ROLES.map((r): [Role, RoleMembers] => [r, { users: [], groups: [] }]),
    ) as Record<Role, RoleMembers>,
  };
}

/** Closes a list of approver roles upwards: [approver] → [approver, admin]. */
function closeApprovers(roles: readonly Role[]): Role[] {
  const lowest = Math.min(...roles.map(roleRank));
  return ROLES.filter((r) => roleRank(r) >= lowest);
}

function format(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

class Merge {
  readonly policy: EffectivePolicy;
  /** Which level set each rule's current value, for naming the conflict. */
  readonly setBy = new Map<string, Level>();
  private violations: string[] = [];
  private invalid: string[] = [];
  private layer!: PolicyLayer;

  constructor() {
    this.policy = builtInDefaults();
  }

  apply(layer: PolicyLayer): void {
    this.layer = layer;
    this.violations = [];
    this.invalid = [];
    const f = layer.file;
    if (f.confidence_threshold !== undefined) {
      this.mayOnlyRise(
        "confidence_threshold",
        this.policy.confidence_threshold,
        f.confidence_threshold,
      );
      this.policy.confidence_threshold = this.isPlatform()
        ? f.confidence_threshold
        : Math.max(this.policy.confidence_threshold, f.confidence_threshold);
    }
    for (const [action, rule] of Object.entries(f.actions ?? {}) as [Action, ActionRule][]) {
      this.applyAction(action, rule);
    }
    for (const key of ["lines", "files"] as const) {
      const value = f.max_pr_size?.[key];
      if (value === undefined) continue;
      this.mayOnlyFall(`max_pr_size.${key}`, this.policy.max_pr_size[key], value);
      this.policy.max_pr_size[key] = this.isPlatform()
        ? value
        : Math.min(this.policy.max_pr_size[key], value);
    }
    if (f.deploy_proximity_minutes !== undefined) {
      const current = this.policy.deploy_proximity_minutes ?? DEFAULT_DEPLOY_PROXIMITY_MINUTES;
      this.mayOnlyFall("deploy_proximity_minutes", current, f.deploy_proximity_minutes);
      this.policy.deploy_proximity_minutes = this.isPlatform()
        ? f.deploy_proximity_minutes
        : Math.min(current, f.deploy_proximity_minutes);
    }
    if (f.specialists) this.applySpecialists(f.specialists);
    this.policy.forbidden_paths = sorted([
      ...this.policy.forbidden_paths,
      ...(f.forbidden_paths ?? []),
    ]);
    for (const ks of f.kill_switches ?? []) this.applyKillSwitch(ks);
    if (f.delivery) this.applyDelivery(f.delivery);
    for (const [role, members] of Object.entries(f.roles ?? {}) as [
      Role,
      { users?: string[]; groups?: string[] },
    ][]) {
      this.applyRole(role, members);
    }
    if (this.invalid.length > 0) {
      throw new AppError(ErrorCode.PolicyInvalid, `${layer.source}: ${this.invalid.join("; ")}`);
    }
    if (this.violations.length > 0) {
      throw new AppError(
        ErrorCode.PolicyLoosening,
        this.violations.map((v) => `${layer.source}: ${v}`).join("; "),
      );
    }
  }

  private isPlatform(): boolean {
    return this.layer.level === "platform";
  }

  private record(rule: string): void {
    this.setBy.set(rule, this.layer.level);
  }

  private loosening(rule: string, value: unknown, current: unknown, detail = ""): void {
    const level = this.setBy.get(rule) ?? "platform";
    this.violations.push(
      `${rule} ${format(value)} is looser than ${level}'s ${format(current)}${detail}`,
    );
  }

  /** The platform sets freely; a lower level may only raise `rule`. */
  private mayOnlyRise(rule: string, current: number, value: number): void {
    if (!this.isPlatform() && value < current) this.loosening(rule, value, current);
    else if (value !== current || this.isPlatform()) this.record(rule);
  }

  /** The platform sets freely; a lower level may only lower `rule`. */
  private mayOnlyFall(rule: string, current: number, value: number): void {
    if (!this.isPlatform() && value > current) this.loosening(rule, value, current);
    else if (value !== current || this.isPlatform()) this.record(rule);
  }

  private applyAction(action: Action, rule: Partial<ActionRule>): void {
    const current = this.policy.actions[action];
    const prefix = `actions.${action}`;
    if (rule.requires_approval !== undefined) {
      const invariant = (INVARIANT_APPROVAL_ACTIONS as readonly string[]).includes(action);
      if (this.isPlatform()) {
        if (invariant && !rule.requires_approval) {
          this.invalid.push(
            `${prefix}.requires_approval: must be true (DESIGN.md invariant 4: ${action} needs a human approval)`,
          );
        } else {
          current.requires_approval = rule.requires_approval;
          this.record(`${prefix}.requires_approval`);
        }
      } else if (current.requires_approval && !rule.requires_approval) {
        this.loosening(`${prefix}.requires_approval`, false, true);
      } else if (rule.requires_approval && !current.requires_approval) {
        current.requires_approval = true;
        this.record(`${prefix}.requires_approval`);
      }
    }
    if (rule.approval_expiry_minutes !== undefined) {
      const r = `${prefix}.approval_expiry_minutes`;
      this.mayOnlyFall(r, current.approval_expiry_minutes, rule.approval_expiry_minutes);
      current.approval_expiry_minutes = this.isPlatform()
        ? rule.approval_expiry_minutes
        : Math.min(current.approval_expiry_minutes, rule.approval_expiry_minutes);
    }
    if (rule.approvers !== undefined) {
      const r = `${prefix}.approvers`;
      const next = closeApprovers(rule.approvers);
      const widens = next.some((role) => !current.approvers.includes(role));
      if (!this.isPlatform() && widens) {
        this.loosening(r, next, current.approvers);
      } else {
        current.approvers = next;
        this.record(r);
      }
    }
  }

  private applyDelivery(file: NonNullable<PolicyFile["delivery"]>): void {
    const current = this.policy.delivery;
    if (file.autonomy !== undefined) {
      const rule = "delivery.autonomy";
      if (!this.isPlatform() && autonomyRank(file.autonomy) > autonomyRank(current.autonomy)) {
        this.loosening(rule, file.autonomy, current.autonomy);
      } else {
        current.autonomy = file.autonomy;
        this.record(rule);
      }
    }
    for (const level of ["proposed_patch", "draft_pr"] as const) {
      const value = file.confidence_floors?.[level];
      if (value === undefined) continue;
      this.mayOnlyRise(
        `delivery.confidence_floors.${level}`,
        current.confidence_floors[level],
        value,
      );
      current.confidence_floors[level] = this.isPlatform()
        ? value
        : Math.max(current.confidence_floors[level], value);
    }
    if (file.dry_run !== undefined) {
      if (!this.isPlatform() && current.dry_run && !file.dry_run) {
        this.loosening("delivery.dry_run", false, true);
      } else {
        current.dry_run = this.isPlatform() ? file.dry_run : current.dry_run || file.dry_run;
        this.record("delivery.dry_run");
      }
    }
    const shrink = (rule: string, now: number, value: number | undefined): number => {
      if (value === undefined) return now;
      this.mayOnlyFall(rule, now, value);
      return this.isPlatform() ? value : Math.min(now, value);
    };
    current.max_open_prs_per_team = shrink(
      "delivery.max_open_prs_per_team",
      current.max_open_prs_per_team,
      file.max_open_prs_per_team,
    );
    current.agent_timeout_seconds = shrink(
      "delivery.agent_timeout_seconds",
      current.agent_timeout_seconds,
      file.agent_timeout_seconds,
    );
    current.worktree = {
      max_files: shrink(
        "delivery.worktree.max_files",
        current.worktree.max_files,
        file.worktree?.max_files,
      ),
      max_bytes: shrink(
        "delivery.worktree.max_bytes",
        current.worktree.max_bytes,
        file.worktree?.max_bytes,
      ),
    };
    if (file.checks) {
      current.checks = file.checks.map((c) => ({ ...c }));
      this.record("delivery.checks");
    }
    if (file.monitor) this.applyMonitor(file.monitor);
  }

  /** The monitor's window may only shorten; its re-check interval and quiet period only lengthen. */
  private applyMonitor(file: NonNullable<NonNullable<PolicyFile["delivery"]>["monitor"]>): void {
    const current = this.policy.delivery.monitor;
    const platform = this.isPlatform();
    if (file.window_seconds !== undefined) {
      this.mayOnlyFall(
        "delivery.monitor.window_seconds",
        current.window_seconds,
        file.window_seconds,
      );
      current.window_seconds = platform
        ? file.window_seconds
        : Math.min(current.window_seconds, file.window_seconds);
    }
    for (const key of ["recheck_seconds", "min_observation_seconds"] as const) {
      const value = file[key];
      if (value === undefined) continue;
      this.mayOnlyRise(`delivery.monitor.${key}`, current[key], value);
      current[key] = platform ? value : Math.max(current[key], value);
    }
  }

  private applySpecialists(list: string[]): void {
    const next = sorted(list);
    const added = next.filter((s) => !this.policy.specialists.includes(s));
    if (!this.isPlatform() && added.length > 0) {
      this.loosening(
        "specialists",
        next,
        this.policy.specialists,
        ` (enables ${added.join(", ")})`,
      );
      return;
    }
    this.policy.specialists = next;
    this.record("specialists");
  }

  private applyKillSwitch(ks: PolicyFileKillSwitch): void {
    const value = ks.scope === "global" ? "" : ks.value;
    const { level, name } = this.layer;
    // A team or service file speaks for its own runs only: it may pause itself or a
    // capability for itself, never the whole platform or another team.
    const allowed =
      level === "platform" ||
      level === "org" ||
      (level === "team" &&
        (ks.scope === "capability" || ks.scope === "service" || value === name)) ||
      (level === "service" &&
        (ks.scope === "capability" || (ks.scope === "service" && value === name)));
    if (!allowed) {
      this.invalid.push(
        `kill_switches: a ${level} file may engage only its own ${level} or a capability, not ${ks.scope}${value ? ` ${value}` : ""}`,
      );
      return;
    }
    const exists = this.policy.kill_switches.some((k) => k.scope === ks.scope && k.value === value);
    if (!exists) this.policy.kill_switches.push({ scope: ks.scope, value, reason: ks.reason });
    this.policy.kill_switches.sort(compareKillSwitches);
  }

  private applyRole(role: Role, members: { users?: string[]; groups?: string[] }): void {
    const current = this.policy.roles[role];
    const users = members.users ?? [];
    const groups = members.groups ?? [];
    const rule = `roles.${role}`;
    if (this.layer.level === "platform" || this.layer.level === "org") {
      current.users = sorted([...current.users, ...users]);
      current.groups = sorted([...current.groups, ...groups]);
      this.record(rule);
      return;
    }
    const added = [
      ...users.filter((u) => !current.users.includes(u)),
      ...groups.filter((g) => !current.groups.includes(g)),
    ];
    if (added.length > 0) {
      this.loosening(
        rule,
        sorted([...users, ...groups]),
        sorted([...current.users, ...current.groups]),
        ` (grants ${added.join(", ")}; grant roles in platform.yaml or org.yaml)`,
      );
      return;
    }
    current.users = sorted(users);
    current.groups = sorted(groups);
    this.record(rule);
  }
}

/**
 * Merges the layers (broadest first; the first must be platform) into the effective
 * policy for `scope`. Throws AppError PolicyLoosening or PolicyInvalid naming the file
 * and the rule.
 */
export function resolvePolicy(
  layers: readonly PolicyLayer[],
  scope: EffectivePolicy["scope"] = { team: null, service: null },
): EffectivePolicy {
  const first = layers[0];
  if (first?.level !== "platform") {
    throw new AppError(
      ErrorCode.PolicyInvalid,
      `${first?.source ?? "policy"}: a policy chain starts with platform.yaml`,
    );
  }
  const merge = new Merge();
  let previous = -1;
  for (const layer of layers) {
    const rank = LEVELS.indexOf(layer.level);
    if (rank <= previous) {
      throw new AppError(
        ErrorCode.PolicyInvalid,
        `${layer.source}: a ${layer.level} file cannot follow a ${LEVELS[previous]} file; the chain is platform → org → team → service, one file each`,
      );
    }
    previous = rank;
    merge.apply(layer);
  }
  return { ...merge.policy, scope: { ...scope } };
}

/** The effective policy alone: what the hash covers (never its hash or file paths). */
function effectiveOnly(policy: EffectivePolicy): EffectivePolicy {
  const p = policy;
  return {
    version: p.version,
    scope: p.scope,
    confidence_threshold: p.confidence_threshold,
    actions: p.actions,
    forbidden_paths: p.forbidden_paths,
    max_pr_size: p.max_pr_size,
    // Only when set, so policies that do not use it keep their hash.
    ...(p.deploy_proximity_minutes === undefined
      ? {}
      : { deploy_proximity_minutes: p.deploy_proximity_minutes }),
    specialists: p.specialists,
    kill_switches: p.kill_switches,
    roles: p.roles,
    delivery: p.delivery,
  };
}

/**
 * sha256 (hex) over the canonical JSON of the effective policy: key order, comments and
 * list order in the files do not change it (sets are sorted); any rule change does.
 */
function hashPolicy(policy: EffectivePolicy): string {
  return createHash("sha256")
    .update(canonicalJson(effectiveOnly(policy)))
    .digest("hex");
}

/** Merges and hashes: the effective policy with its identity. */
export function resolveLoadedPolicy(
  layers: readonly PolicyLayer[],
  scope?: EffectivePolicy["scope"],
): LoadedPolicy {
  const policy = resolvePolicy(layers, scope);
  return { ...policy, hash: hashPolicy(policy), sources: layers.map((l) => l.source) };
}
