import type { LinearTicket } from "../adapters/linear/client.ts";
import { asAppError } from "../domain/errors.ts";
import {
  MISMATCH_IMPACT,
  type ResolutionVote,
  type ServiceResolution,
  UNRESOLVED_IMPACT,
} from "../domain/service-resolution.ts";
import { withCallBudget } from "../observability/call-budget.ts";
import { type CatalogService, type ServiceCatalog, serviceOwning } from "../policy/catalog.ts";
import { mostRestrictive } from "../policy/restrictive.ts";
import type { LoadedPolicy } from "../policy/types.ts";
import type { PipelineDeps } from "./deps.ts";
import { extractLinks } from "./ticket.ts";

/**
 * Resolves the service and team of a ticket from structured data (see
 * src/domain/service-resolution.ts for the order of trust). Pure: the caller reads the
 * linked Sentry issues' projects and the ticket, and the catalog; the policy comparison
 * for a mismatch is the caller's too ({@link mismatchScopes}).
 */

export interface ScopeInput {
  ticket: LinearTicket;
  /** Projects of the ticket's linked Sentry issues, in link order. */
  sentryProjects: { issueId: string; project: string }[];
  /** AWS references the ticket links (alarm names, log groups, queue URLs, ARNs). */
  awsRefs: string[];
  catalog: ServiceCatalog;
  /** Services discovered from the provider (the Sentry organization's project slugs). */
  discovered?: readonly string[];
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
const same = (a: string, b: string) => slug(a) === slug(b);

function byName(catalog: ServiceCatalog, name: string): CatalogService | undefined {
  return Object.values(catalog.services).find((s) => same(s.name, name));
}

/** Sentry project → the catalog service declaring it, else the service of that name. */
function fromSentry(catalog: ServiceCatalog, project: string): string {
  const declared = Object.values(catalog.services).find((s) =>
    s.sentryProjects.some((p) => same(p, project)),
  );
  return declared?.name ?? byName(catalog, project)?.name ?? project;
}

function labelVotes(
  ticket: LinearTicket,
  catalog: ServiceCatalog,
  discovered: readonly string[],
): ResolutionVote[] {
  const votes: ResolutionVote[] = [];
  for (const label of ticket.labels) {
    const prefixed = /^service[:/](.+)$/i.exec(label)?.[1];
    const service =
      (prefixed ? (byName(catalog, prefixed)?.name ?? slug(prefixed)) : undefined) ??
      Object.values(catalog.services).find(
        (s) => same(s.name, label) || s.linear.labels.some((l) => same(l, label)),
      )?.name ??
      discovered.find((d) => same(d, label));
    if (service) {
      votes.push({
        source: "linear_label",
        value: label,
        service,
        detail: `Linear label "${label}"`,
      });
    }
  }
  return votes;
}

function projectVote(ticket: LinearTicket, catalog: ServiceCatalog): ResolutionVote | undefined {
  const project = ticket.project;
  if (!project) return undefined;
  const names = [project.name, project.slug];
  const service =
    Object.values(catalog.services).find((s) =>
      s.linear.projects.some((p) => names.some((n) => same(n, p))),
    )?.name ?? byName(catalog, project.name)?.name;
  return service
    ? {
        source: "linear_project",
        value: project.name,
        service,
        detail: `Linear project "${project.name}"`,
      }
    : undefined;
}

function teamVote(ticket: LinearTicket, catalog: ServiceCatalog): ResolutionVote | undefined {
  const team = ticket.team;
  if (!team) return undefined;
  const names = [team.key, team.name];
  const declared = Object.values(catalog.services).find((s) =>
    s.linear.teams.some((t) => names.some((n) => same(n, t))),
  )?.team;
  const policyTeam = catalog.teams.find((t) => names.some((n) => same(n, t)));
  const resolved = declared ?? policyTeam;
  return resolved
    ? {
        source: "linear_team",
        value: team.key,
        team: resolved,
        detail: `Linear team ${team.key} (${team.name})`,
      }
    : undefined;
}

const GITHUB_REPO = /github\.com\/([\w.-]+\/[\w.-]+?)(?:\.git)?(?=[/#?\s)]|$)/gi;

/** GitHub repositories the ticket links (text and attachments) that the catalog assigns. */
function repositoryVotes(ticket: LinearTicket, catalog: ServiceCatalog): ResolutionVote[] {
  const text = [
    ticket.description,
    ...ticket.comments.map((c) => c.body),
    ...ticket.attachments.map((a) => a.url),
  ].join("\n");
  const repos = [...new Set([...text.matchAll(GITHUB_REPO)].map((m) => m[1]!.toLowerCase()))];
  return repos.flatMap((repo) => {
    const owner = Object.values(catalog.services).find((s) => s.repository?.toLowerCase() === repo);
    return owner
      ? [
          {
            source: "repository" as const,
            value: repo,
            service: owner.name,
            detail: `the ticket links ${repo}, the repository of ${owner.name}`,
          },
        ]
      : [];
  });
}

/**
 * A label that is the first part of exactly one discovered or catalogued service's name
 * (a label `<name>` → the one service `<name>-<suffix>`). Weaker than any other structured source: it is asked
 * only when none of them names a service, so it never disputes one.
 */
function labelPrefixVote(
  ticket: LinearTicket,
  names: readonly string[],
): ResolutionVote | undefined {
  for (const label of ticket.labels) {
    const l = slug(label);
    if (l.length < 3) continue;
    const matching = names.filter((n) => slug(n).startsWith(`${l}-`));
    if (matching.length === 1) {
      return {
        source: "linear_label",
        value: label,
        service: matching[0]!,
        detail: `Linear label "${label}" is the prefix of one known service, ${matching[0]}`,
      };
    }
  }
  return undefined;
}

/** Known services named as whole words in the title or description: a hint only. */
function textVotes(ticket: LinearTicket, names: readonly string[]): ResolutionVote[] {
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

/**
 * Every source's answer and the decision. `policyScope` is the decided scope; on a
 * mismatch the caller replaces it with the more restrictive candidate's.
 */
export function resolveService(input: ScopeInput): ServiceResolution {
  const { ticket, catalog } = input;
  const votes: ResolutionVote[] = [];
  for (const { issueId, project } of input.sentryProjects) {
    votes.push({
      source: "sentry_project",
      value: project,
      service: fromSentry(catalog, project),
      detail: `Sentry issue ${issueId} is in project ${project}`,
    });
  }
  const project = projectVote(ticket, catalog);
  if (project) votes.push(project);
  const discovered = input.discovered ?? [];
  const known = [...new Set([...Object.keys(catalog.services), ...discovered])];
  votes.push(...labelVotes(ticket, catalog, discovered));
  for (const ref of input.awsRefs) {
    const owner = serviceOwning(catalog, ref);
    if (owner) {
      votes.push({
        source: "aws_resource",
        value: ref,
        service: owner.name,
        detail: `${ref} belongs to ${owner.name} in the service catalog`,
      });
    }
  }
  votes.push(...repositoryVotes(ticket, catalog));
  const team = teamVote(ticket, catalog);
  if (team) votes.push(team);
  if (!votes.some((v) => v.service)) {
    const prefix = labelPrefixVote(ticket, known);
    if (prefix) votes.push(prefix);
  }
  const hints = textVotes(ticket, known);
  votes.push(...hints);

  const structured = votes.filter((v) => v.source !== "ticket_text" && v.service);
  const decided = structured[0];
  const service = decided?.service;
  const entry = service ? catalog.services[service] : undefined;
  const resolvedTeam = entry?.team ?? team?.team;

  // A free-text mention counts in a mismatch (it is what a human reading the ticket sees),
  // but never decides: a ticket resolved only by its text has no service.
  const named = [...new Set([...structured, ...hints].map((v) => v.service!))];
  const gaps: ServiceResolution["gaps"] = [];
  let mismatch: ServiceResolution["mismatch"];
  if (service && named.length > 1) {
    const votesFor = votes.filter((v) => v.service);
    mismatch = {
      services: named,
      votes: votesFor,
      detail: `sources disagree on the service: ${votesFor.map((v) => `${v.source} ${v.value} → ${v.service}`).join("; ")}`,
    };
    gaps.push({
      what: `service identity is disputed (${named.join(" vs ")}); evidence may describe another service`,
      confidenceImpact: MISMATCH_IMPACT,
    });
  }
  if (!service) {
    gaps.push({
      what:
        hints.length > 0
          ? `no structured source names the service (the ticket's text mentions ${hints.map((h) => h.service).join(", ")}, which alone does not decide)`
          : "no Sentry project, Linear project or label, or catalogued AWS resource names the service",
      confidenceImpact: UNRESOLVED_IMPACT,
    });
  }
  return {
    ...(service ? { service } : {}),
    ...(resolvedTeam ? { team: resolvedTeam } : {}),
    ...(decided ? { decidedBy: decided.source } : {}),
    declared: entry !== undefined,
    sources: votes,
    ...(mismatch ? { mismatch } : {}),
    policyScope: {
      ...(resolvedTeam ? { team: resolvedTeam } : {}),
      ...(service ? { service } : {}),
    },
    gaps,
  };
}

/** The scopes a mismatch puts in play: the decided one first, then each other service's. */
export function mismatchScopes(
  resolution: ServiceResolution,
  catalog: ServiceCatalog,
): { team?: string; service?: string }[] {
  if (!resolution.mismatch) return [resolution.policyScope];
  return resolution.mismatch.services.map((service) => {
    const team = catalog.services[service]?.team;
    return { service, ...(team ? { team } : {}) };
  });
}

/** How long FETCH_LINEAR waits for the linked Sentry issues' projects. */
const SENTRY_LOOKUP_MS = 8_000;
const MAX_LINKED_ISSUES = 3;

/**
 * FETCH_LINEAR's resolution with its reads: the projects of the linked Sentry issues
 * (Sentry is read-only here, as everywhere), then {@link resolveService}; on a mismatch
 * the policy of every disputed scope is loaded and the most restrictive one is kept.
 */
export async function resolveTicketScope(
  raw: LinearTicket,
  deps: Pick<PipelineDeps, "tools" | "catalog" | "policyFor">,
): Promise<{ resolution: ServiceResolution; entry?: CatalogService }> {
  const links = extractLinks(raw);
  const reader = deps.tools.sentry;
  const unread: string[] = [];
  const budget = { deadline: new Date(Date.now() + SENTRY_LOOKUP_MS) };
  const [sentryProjects, discovered] = await withCallBudget(budget, () =>
    Promise.all([
      reader
        ? Promise.all(
            links.sentryIssueIds.slice(0, MAX_LINKED_ISSUES).map(async (issueId) => {
              try {
                const issue = await reader.getIssue(issueId);
                return issue.project ? [{ issueId, project: issue.project }] : [];
              } catch (error) {
                unread.push(`${issueId} (${asAppError(error).code})`);
                return [];
              }
            }),
          ).then((found) => found.flat())
        : [],
      // Service discovery: the organization's projects name services without a policy file.
      reader?.listProjects ? reader.listProjects().catch(() => [] as string[]) : [],
    ]),
  );
  const resolution = resolveService({
    ticket: raw,
    sentryProjects,
    awsRefs: links.awsRefs,
    catalog: deps.catalog,
    discovered,
  });
  if (unread.length > 0) {
    resolution.gaps.push({
      what: `the project of linked Sentry issue(s) ${unread.join(", ")} could not be read for the service`,
      confidenceImpact: 0,
    });
  }
  if (resolution.mismatch) {
    const scopes = mismatchScopes(resolution, deps.catalog);
    try {
      const policies = await Promise.all(scopes.map((scope) => deps.policyFor(scope)));
      const strictest = mostRestrictive(policies as [LoadedPolicy, ...LoadedPolicy[]]);
      resolution.policyScope = scopes[policies.indexOf(strictest)] ?? resolution.policyScope;
    } catch {
      // A disputed scope whose policy does not load keeps the decided scope; the policy
      // load in ROUTE_SPECIALISTS reports the broken file.
    }
  }
  const entry = resolution.service ? deps.catalog.services[resolution.service] : undefined;
  return { resolution, ...(entry ? { entry } : {}) };
}
