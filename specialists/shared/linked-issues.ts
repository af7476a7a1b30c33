import type { TicketContext } from "../types.ts";

/**
 * The Sentry issues a ticket points at: the ids FETCH_LINEAR extracted, else the issue
 * links in its attachments and description (Sentry's issue URLs end in
 * `/issues/<numeric id>/`, with or without `/organizations/<slug>`).
 */
const ISSUE_URL = /https?:\/\/[^\s/]*sentry[^\s/]*\/(?:organizations\/[^/\s]+\/)?issues\/(\d+)/gi;

/** At most this many issues are read per run: a ticket is about one symptom. */
export const MAX_LINKED_ISSUES = 3;

/** The Linear label that marks a ticket as being about a Sentry issue. */
const SENTRY_LABEL = "sentry-issue";

/**
 * The linked Sentry issue ids, in ticket order, at most {@link MAX_LINKED_ISSUES}. An
 * issue FETCH_LINEAR read as a caller's view of the ticket's service (its project's
 * service failing to call this one: `resolution.callerViews`) is not the service's own
 * error: it is left out, so the service's own issues are searched and read instead.
 */
export function linkedSentryIssueIds(ticket: TicketContext): string[] {
  const ids = new Set(ticket.snapshot.linked.sentryIssueIds);
  if (ids.size === 0) {
    const texts = [...ticket.attachments.map((a) => a.url), ticket.snapshot.descriptionExcerpt];
    for (const text of texts) for (const m of text.matchAll(ISSUE_URL)) ids.add(m[1]!);
  }
  return [...ids].filter((id) => !isCallerView(ticket, id)).slice(0, MAX_LINKED_ISSUES);
}

/** Whether FETCH_LINEAR read the linked issue as a caller's view of the ticket's service. */
export function isCallerView(ticket: TicketContext, issueId: string): boolean {
  return (ticket.resolution?.callerViews ?? []).some((v) => v.issueId === issueId);
}

/** Whether the ticket carries {@link SENTRY_LABEL}, in any case. */
export function hasSentryLabel(ticket: TicketContext): boolean {
  return ticket.snapshot.labels.some((l) => l.toLowerCase() === SENTRY_LABEL);
}
