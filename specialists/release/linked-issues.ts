import type { TicketContext } from "../types.ts";

/**
 * The Sentry issue a ticket points at (same reading as the sentry specialist's): the ids
 * FETCH_LINEAR extracted, else Sentry issue links in its attachments and description.
 */
const ISSUE_URL = /https?:\/\/[^\s/]*sentry[^\s/]*\/(?:organizations\/[^/\s]+\/)?issues\/(\d+)/gi;

export function linkedSentryIssueIds(ticket: TicketContext): string[] {
  const ids = new Set(ticket.snapshot.linked.sentryIssueIds);
  if (ids.size === 0) {
    const texts = [...ticket.attachments.map((a) => a.url), ticket.snapshot.descriptionExcerpt];
    for (const text of texts) for (const m of text.matchAll(ISSUE_URL)) ids.add(m[1]!);
  }
  return [...ids];
}
