import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import { callSlack } from "./client.ts";

/**
 * Which of some Slack user groups a user belongs to. Slack has no "groups of a user"
 * method, so each group's members are listed (`usergroups.users.list`) and cached
 * briefly: a click should not cost one call per policy group, and a membership change
 * is seen within `ttlMs`. A group that cannot be listed counts as not containing the
 * user (fail closed: no role from a group we cannot read).
 */
export interface UserGroupResolver {
  groupsOf(userId: string, candidates: readonly string[]): Promise<string[]>;
  /** Forgets cached memberships (tests, or after a policy reload). */
  clear(): void;
}

export function createUserGroupResolver(
  client: WebClient,
  options: { ttlMs?: number; log?: Logger; now?: () => number } = {},
): UserGroupResolver {
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; members: Promise<Set<string>> }>();

  const members = (groupId: string): Promise<Set<string>> => {
    const hit = cache.get(groupId);
    if (hit && now() - hit.at < ttlMs) return hit.members;
    const loading = callSlack("usergroups.users.list", () =>
      client.usergroups.users.list({ usergroup: groupId }),
    ).then(
      (r) => new Set(r.users ?? []),
      (error: unknown) => {
        // Not cached: the next click asks again.
        cache.delete(groupId);
        options.log?.warn({ err: error, groupId }, "could not list user group; treated as empty");
        return new Set<string>();
      },
    );
    cache.set(groupId, { at: now(), members: loading });
    return loading;
  };

  return {
    async groupsOf(userId, candidates) {
      const unique = [...new Set(candidates)];
      const sets = await Promise.all(unique.map(members));
      return unique.filter((_, i) => sets[i]?.has(userId));
    },
    clear: () => cache.clear(),
  };
}
