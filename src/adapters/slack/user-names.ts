import type { WebClient } from "@slack/web-api";

/**
 * Display names of Slack users, for "approved by …" lines (never mentions: an update at
 * 3 a.m. pings nobody). Cached for the process's life; a lookup that fails shows the id.
 */
export interface UserNames {
  nameOf(userId: string): Promise<string>;
  /** Remembers a name Slack already sent (an interaction payload carries the clicker's). */
  remember(userId: string, name: string): void;
  known(): ReadonlyMap<string, string>;
}

export function createUserNames(client: WebClient): UserNames {
  const names = new Map<string, string>();
  return {
    async nameOf(userId) {
      const hit = names.get(userId);
      if (hit) return hit;
      try {
        const r = await client.users.info({ user: userId });
        const p = r.user?.profile;
        const name = p?.display_name || p?.real_name || r.user?.real_name || r.user?.name || userId;
        names.set(userId, name);
        return name;
      } catch {
        return userId;
      }
    },
    remember(userId, name) {
      if (name) names.set(userId, name);
    },
    known: () => names,
  };
}
