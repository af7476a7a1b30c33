import { firstMatchingGlob, normalizeRepoPath } from "./glob.ts";
import { policySwitchApplies } from "./kill-switch-match.ts";
import { hasRole, type Principal } from "./roles.ts";
import {
  type Action,
  CODE_ACTIONS,
  type EffectivePolicy,
  isAction,
  type PolicyDecision,
  type Role,
} from "./types.ts";

/** What the worker (or a Slack handler) asks the gate before doing something. */
export interface GateRequest {
  /** An {@link Action}; any other string is denied (fail closed). */
  action: Action | (string & {});
  runId?: string | null;
  /** Must match the scope the policy was loaded for (when either names one). */
  team?: string | null;
  service?: string | null;
  /** Classification confidence, 0–100. Required for create_worktree and open_pr. */
  confidence?: number | null;
  /** Repository-relative paths the change touches. Required for open_pr. */
  paths?: readonly string[];
  /** Size of the diff. Required for open_pr. */
  prSize?: { lines: number; files: number };
  /** The human asking, when one is (omit for the worker's own steps); needs operator. */
  actor?: Principal;
}

export interface GateResult {
  decision: PolicyDecision;
  /**
   * The rules that decided, named as in the policy files: for deny, every rule that
   * failed; for ask_approval, `actions.<action>.requires_approval`; for allow, the
   * checks that applied and passed.
   */
  matchedRules: string[];
  /** One or two sentences a human reads in Slack or in the decision record. */
  explanation: string;
  policyHash: string;
  /** For ask_approval: how long the approval lives and who may give it. */
  approval?: { expiryMinutes: number; approvers: Role[] };
}

type Check = { rule: string; failed: boolean; note: string };

function killSwitchChecks(policy: EffectivePolicy, req: GateRequest, team: string | null) {
  const subject = { team, service: req.service ?? policy.scope.service, capability: req.action };
  return policy.kill_switches
    .filter((k) => policySwitchApplies(k, subject))
    .map(
      (k): Check => ({
        rule: `kill_switches.${k.scope}${k.value ? `:${k.value}` : ""}`,
        failed: true,
        note: `kill switch ${k.scope}${k.value ? ` ${k.value}` : ""} is engaged by policy (${k.reason})`,
      }),
    );
}

function scopeChecks(policy: EffectivePolicy, req: GateRequest): Check[] {
  const checks: Check[] = [];
  for (const key of ["team", "service"] as const) {
    const asked = req[key] ?? null;
    const loaded = policy.scope[key];
    // A policy loaded for another scope would skip that scope's restrictions.
    if (asked !== null && asked !== loaded) {
      checks.push({
        rule: `scope.${key}`,
        failed: true,
        note: `the policy was loaded for ${key} ${loaded ?? "(none)"}, the request is for ${asked}`,
      });
    }
  }
  return checks;
}

function confidenceCheck(policy: EffectivePolicy, req: GateRequest, action: Action) {
  const threshold = policy.confidence_threshold;
  const c = req.confidence;
  const given = typeof c === "number" && Number.isFinite(c);
  if (!given) {
    if (!CODE_ACTIONS.includes(action)) return undefined;
    return {
      rule: "confidence_threshold",
      failed: true,
      note: `no confidence given; ${action} needs at least ${threshold}`,
    };
  }
  return c < threshold
    ? { rule: "confidence_threshold", failed: true, note: `confidence ${c} is below ${threshold}` }
    : { rule: "confidence_threshold", failed: false, note: `confidence ${c} ≥ ${threshold}` };
}

function pathChecks(policy: EffectivePolicy, req: GateRequest, action: Action): Check[] {
  if (req.paths === undefined) {
    if (action !== "open_pr") return [];
    return [{ rule: "forbidden_paths", failed: true, note: "no changed paths given" }];
  }
  const failed: Check[] = [];
  for (const raw of req.paths) {
    const path = normalizeRepoPath(raw);
    if (path === null) {
      failed.push({
        rule: "forbidden_paths:outside_repository",
        failed: true,
        note: `${raw} is outside the repository`,
      });
      continue;
    }
    const glob = firstMatchingGlob(policy.forbidden_paths, path);
    if (glob !== undefined) {
      failed.push({
        rule: `forbidden_paths:${glob}`,
        failed: true,
        note: `${path} is forbidden (${glob})`,
      });
    }
  }
  if (failed.length > 0) return failed;
  return [
    {
      rule: "forbidden_paths",
      failed: false,
      note: `${req.paths.length} path(s) clear of forbidden paths`,
    },
  ];
}

function sizeChecks(policy: EffectivePolicy, req: GateRequest, action: Action): Check[] {
  const max = policy.max_pr_size;
  if (req.prSize === undefined) {
    if (action !== "open_pr") return [];
    return [{ rule: "max_pr_size", failed: true, note: "no PR size given" }];
  }
  const failed: Check[] = [];
  for (const key of ["lines", "files"] as const) {
    if (!(req.prSize[key] <= max[key])) {
      failed.push({
        rule: `max_pr_size.${key}`,
        failed: true,
        note: `${req.prSize[key]} ${key} exceeds ${max[key]}`,
      });
    }
  }
  if (failed.length > 0) return failed;
  return [
    {
      rule: "max_pr_size",
      failed: false,
      note: `${req.prSize.lines} lines / ${req.prSize.files} files within ${max.lines} / ${max.files}`,
    },
  ];
}

/**
 * The gate (pure): may `request.action` go ahead under `policy`? Denies on a policy
 * kill switch, a scope mismatch, an actor below operator, a confidence below the
 * threshold (or missing for a code action), a forbidden or out-of-repository path, or
 * a PR over the size limit; otherwise asks for approval when the action requires one,
 * else allows. Unknown actions are denied. Kill switches engaged in the database are
 * checked separately, by `activeKillSwitch` (kill-switches.ts).
 * Every evaluation must be recorded: call it through `evaluateAndRecord` (decisions.ts).
 */
export function evaluate(
  policy: EffectivePolicy & { hash: string },
  request: GateRequest,
): GateResult {
  const base = { policyHash: policy.hash };
  const who = request.actor ? ` (asked by ${request.actor.userId})` : "";
  if (!isAction(request.action)) {
    return {
      ...base,
      decision: "deny",
      matchedRules: [`actions.${request.action}`],
      explanation: `deny ${request.action}${who}: not an action the policy knows`,
    };
  }
  const action = request.action;
  const team = request.team ?? policy.scope.team;
  const checks: Check[] = [
    ...scopeChecks(policy, request),
    ...killSwitchChecks(policy, request, team),
  ];
  if (request.actor && !hasRole(policy, request.actor, "operator")) {
    checks.push({
      rule: "roles.operator",
      failed: true,
      note: `${request.actor.userId} does not hold the operator role`,
    });
  }
  const confidence = confidenceCheck(policy, request, action);
  if (confidence) checks.push(confidence);
  checks.push(...pathChecks(policy, request, action), ...sizeChecks(policy, request, action));

  const where = [team, request.service ?? policy.scope.service].filter(Boolean).join("/");
  const subject = `${action}${where ? ` for ${where}` : ""}${who}`;
  const failed = checks.filter((c) => c.failed);
  if (failed.length > 0) {
    return {
      ...base,
      decision: "deny",
      matchedRules: failed.map((c) => c.rule),
      explanation: `deny ${subject}: ${failed.map((c) => c.note).join("; ")}`,
    };
  }
  const rule = policy.actions[action];
  if (rule.requires_approval) {
    return {
      ...base,
      decision: "ask_approval",
      matchedRules: [`actions.${action}.requires_approval`],
      explanation: `ask approval for ${subject}: needs one approval by ${rule.approvers.join(" or ")} (not the requester), valid ${rule.approval_expiry_minutes} minutes`,
      approval: { expiryMinutes: rule.approval_expiry_minutes, approvers: [...rule.approvers] },
    };
  }
  const passed = checks.map((c) => c.rule);
  return {
    ...base,
    decision: "allow",
    matchedRules: passed.length > 0 ? passed : [`actions.${action}.requires_approval`],
    explanation: `allow ${subject}: ${
      passed.length > 0 ? checks.map((c) => c.note).join("; ") : "no approval required"
    }`,
  };
}
