import type { WebClient } from "@slack/web-api";
import type { UserIdentity } from "../approvals/decide-checks.ts";

/**
 * A clicker's e-mail and names from Slack's users.info (needs `users:read.email`), so the
 * two-person rule can tell a Slack approver from a Linear requester. Undefined when
 * Slack does not answer: the rule then refuses rather than guesses.
 */
export function createUserIdentities(
  client: WebClient,
): (userId: string) => Promise<UserIdentity | undefined> {
  return async (userId) => {
    try {
      const r = await client.users.info({ user: userId });
      const p = r.user?.profile;
      const names = [p?.real_name, p?.display_name, r.user?.real_name, r.user?.name].filter(
        (n): n is string => typeof n === "string" && n.trim() !== "",
      );
      return { ...(p?.email ? { email: p.email } : {}), names };
    } catch {
      return undefined;
    }
  };
}
