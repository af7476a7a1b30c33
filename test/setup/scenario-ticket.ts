import type { RoutingHints, SpecialistInput, TicketContext } from "../../specialists/types.ts";
import type { LinearSnapshot } from "../../src/domain/evidence-context.ts";
import type { Scenario } from "../../src/sim/scenario.ts";

/**
 * A scenario's ticket as FETCH_LINEAR hands it to specialists: the Linear snapshot (with
 * the Sentry issues, AWS refs and request ids the description links), the comments and
 * attachments, and the scenario's service. Used by the specialist integration tests.
 */

const REQUEST_ID = /\breq_[A-Za-z0-9]{10,}\b/g;
const SENTRY_ISSUE = /sentry\.io\/issues\/(\d+)/g;

export function scenarioTicket(scenario: Scenario): TicketContext {
  const t = scenario.ticket;
  const texts = [t.description, ...t.comments.map((c) => c.body)].join("\n");
  const alarm = /CloudWatch Alarm "([^"]+)"/.exec(t.description)?.[1];
  const snapshot: LinearSnapshot = {
    ticketKey: t.identifier,
    title: t.title,
    labels: t.labels,
    status: t.state,
    priority: t.priority,
    descriptionExcerpt: t.description.slice(0, 2000),
    linked: {
      sentryIssueIds: [...new Set([...texts.matchAll(SENTRY_ISSUE)].map((m) => m[1]!))],
      awsRefs: alarm ? [alarm] : [],
      requestIds: [...new Set([...texts.matchAll(REQUEST_ID)].map((m) => m[0]))],
    },
    createdAt: new Date(t.createdAt).toISOString(),
    updatedAt: new Date(t.updatedAt ?? t.createdAt).toISOString(),
    fetchedAt: new Date(scenario.now).toISOString(),
  };
  return {
    snapshot,
    service: scenario.service,
    comments: t.comments.map((c) => ({
      author: c.user ?? "unknown",
      body: c.body,
      createdAt: new Date(c.createdAt).toISOString(),
    })),
    attachments: t.attachments.map((a) => ({
      title: a.subtitle ? `${a.title} (${a.subtitle})` : a.title,
      url: a.url,
    })),
  };
}

export const NO_HINTS: RoutingHints = { pages: [], recipes: [], negativeControls: [] };

/** A specialist input at the scenario's clock with a generous deadline. */
export function specialistInput(
  scenario: Scenario,
  tools: SpecialistInput["tools"],
  overrides: Partial<SpecialistInput> = {},
): SpecialistInput {
  return {
    question: `What does the evidence show for ${scenario.ticket.identifier}?`,
    ticket: scenarioTicket(scenario),
    hints: NO_HINTS,
    tools,
    signal: new AbortController().signal,
    deadline: new Date(Date.now() + 20_000),
    now: new Date(scenario.now),
    ...overrides,
  };
}
