import { Octokit } from "@octokit/rest";
import { expect } from "vitest";
import type { Scenario } from "../../sim/scenario.ts";
import type { World } from "../../sim/server.ts";
import type { SpecialistTools } from "../../specialists/tools.ts";
import type {
  RoutingHints,
  Specialist,
  SpecialistInput,
  TicketContext,
} from "../../specialists/types.ts";
import { createGitHubReader } from "../../src/adapters/github/reader.ts";
import { createSentryReader } from "../../src/adapters/sentry/reader.ts";
import type { LinearSnapshot } from "../../src/domain/evidence-context.ts";
import {
  normalizeSpecialistOutput,
  type SpecialistOutput,
  SpecialistOutputSchema,
} from "../../src/domain/specialist-output.ts";

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

/**
 * A running world's ticket as the sentry and release specialist tests hand it over: the
 * Sentry issue ids from the attachments' metadata (not parsed from the description as
 * {@link scenarioTicket} does), no request ids, AWS refs only when given, status Triage,
 * no comments or attachments listed.
 */
export function attachmentTicket(w: World, opts: { awsRefs?: string[] } = {}): TicketContext {
  const t = w.scenario.ticket;
  const ids = t.attachments
    .map((a) => a.metadata.issueId)
    .filter((id): id is string => typeof id === "string");
  return {
    snapshot: {
      ticketKey: t.identifier,
      title: t.title,
      labels: t.labels,
      status: "Triage",
      descriptionExcerpt: (t.description ?? "").slice(0, 2000),
      linked: { sentryIssueIds: ids, awsRefs: opts.awsRefs ?? [], requestIds: [] },
      createdAt: t.createdAt,
      updatedAt: t.createdAt,
      fetchedAt: w.now().toISOString(),
    },
    service: w.scenario.service,
    comments: [],
    attachments: [],
  };
}

/**
 * The world's Sentry and GitHub (its first repository) through the real read-only
 * adapters; `use` leaves either out (GitHub must be left out of a world without it).
 */
export function simTools(
  w: World,
  use: { sentry?: boolean; github?: boolean } = {},
): SpecialistTools {
  const tools: SpecialistTools = {};
  if (use.sentry !== false) {
    tools.sentry = createSentryReader({
      baseUrl: w.urls.sentry,
      org: "acme-sim",
      token: "sntrys_sim_prode",
      timeoutMs: 3_000,
    });
  }
  if (use.github !== false) {
    const repo = w.scenario.github!.repos[0]!;
    tools.github = createGitHubReader({
      octokit: new Octokit({ baseUrl: w.urls.github, auth: "ghp_sim_prode" }),
      owner: repo.owner,
      repo: repo.name,
      timeoutMs: 3_000,
    });
  }
  return tools;
}

export interface WorldRunOptions {
  /** Default: {@link attachmentTicket}. */
  ticket?: TicketContext;
  /** Default: {@link simTools} with both. */
  tools?: SpecialistTools;
  signal?: AbortSignal;
  /** Default: the specialist's own timeout from now. */
  deadline?: Date;
}

/** The specialist's input in a running world: its question for the ticket, at the world's clock. */
export function worldSpecialistInput(
  w: World,
  specialist: Specialist,
  opts: WorldRunOptions = {},
): SpecialistInput {
  const ticket = opts.ticket ?? attachmentTicket(w);
  return specialistInput(w.scenario, opts.tools ?? simTools(w), {
    question: specialist.question(ticket),
    ticket,
    signal: opts.signal ?? new AbortController().signal,
    deadline: opts.deadline ?? new Date(Date.now() + specialist.timeoutMs),
    now: w.now(),
  });
}

/**
 * Runs the specialist in the world and normalizes its output, checking that it parses
 * and that every citation resolved (nothing was dropped on the way).
 */
export async function runSpecialistIn(
  w: World,
  specialist: Specialist,
  opts: WorldRunOptions = {},
): Promise<SpecialistOutput> {
  const output = normalizeSpecialistOutput(
    await specialist.run(worldSpecialistInput(w, specialist, opts)),
  );
  expect(SpecialistOutputSchema.safeParse(output).success).toBe(true);
  expect(output.gaps.filter((g) => g.what.includes("dropped"))).toEqual([]);
  return output;
}
