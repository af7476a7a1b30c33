import type { LinearTicket } from "../adapters/linear/client.ts";
import type { ResolutionVote } from "../domain/service-resolution.ts";

/** Reads the scope could not make: see `ScopeInput.unread` (scope.ts). */
export interface UnreadSources {
  discovery?: string;
  alarms?: string;
  sentryIssues?: readonly string[];
}

/** Known services named as whole words in the title or description: a hint only. */
export function textVotes(ticket: LinearTicket, names: readonly string[]): ResolutionVote[] {
  const text = `${ticket.title}\n${ticket.description}`.toLowerCase();
  return names
    .filter((name) => {
      const escaped = name.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      return new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`).test(text);
    })
    .map((name) => ({
      source: "ticket_text",
      value: name,
      service: name,
      detail: `the ticket's text names ${name}`,
    }));
}

/** The reads `ScopeInput.unread` (scope.ts) names, in words, in the order of trust. */
export function unreadSources(unread: UnreadSources): string[] {
  return [
    ...(unread.sentryIssues?.length
      ? [`linked Sentry issue(s) ${unread.sentryIssues.join(", ")}`]
      : []),
    ...(unread.alarms ? [`the quoted alarm(s) ${unread.alarms}`] : []),
    ...(unread.discovery ? [`the Sentry organization's projects (${unread.discovery})`] : []),
  ];
}
