import { type Action, type EffectivePolicy, ROLES, type Role, roleRank } from "./types.ts";

/** Who is asking, as Slack tells us: the user and the user groups they belong to. */
export interface Principal {
  userId: string;
  groupIds?: readonly string[];
}

/**
 * The roles a Slack user holds under `policy`, lowest first. A user holds a role when
 * the policy maps their user ID or one of their user groups to it; roles include every
 * role below them (admin ⊇ approver ⊇ operator ⊇ viewer), so an admin is returned as
 * ["viewer", "operator", "approver", "admin"]. Nobody mapped → [].
 */
export function rolesOf(policy: Pick<EffectivePolicy, "roles">, who: Principal): Role[] {
  const groups = new Set(who.groupIds ?? []);
  let highest = -1;
  for (const role of ROLES) {
    const members = policy.roles[role];
    if (members.users.includes(who.userId) || members.groups.some((g) => groups.has(g))) {
      highest = Math.max(highest, roleRank(role));
    }
  }
  return ROLES.filter((r) => roleRank(r) <= highest);
}

/** Whether `who` holds `role` (directly or through a higher role). */
export function hasRole(
  policy: Pick<EffectivePolicy, "roles">,
  who: Principal,
  role: Role,
): boolean {
  return rolesOf(policy, who).includes(role);
}

/**
 * Whether `who` may approve `action`: they hold one of the action's approver roles.
 * This is the role check only: that the approver is not the requester, and that the
 * approval is fresh, unchanged and unused, is the approval's own check.
 */
export function canApprove(
  policy: Pick<EffectivePolicy, "roles" | "actions">,
  action: Action,
  who: Principal,
): boolean {
  const rule = policy.actions[action];
  if (!rule) return false;
  const held = rolesOf(policy, who);
  return rule.approvers.some((r) => held.includes(r));
}
