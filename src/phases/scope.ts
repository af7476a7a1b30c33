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
import {
  type AlarmDimension,
  alarmVotes,
  alarmWordVote,
  readTicketAlarms,
  spelledAlarmVote,
} from "./scope-alarms.ts";
import { type CallerView, callerCandidates, readCallerViews } from "./scope-callers.ts";
import { textVotes, type UnreadSources, unreadSources } from "./scope-hints.ts";
import {
  fromSentry,
  labelPrefixVote,
  labelVotes,
  projectVote,
  repositoryVotes,
  teamVote,
} from "./scope-votes.ts";
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
  /**
   * Dimensions of the alarms the ticket quotes, as the AWS API returned them, of the
   * alarms that are about the ticket (scope-alarms.ts `isAlarmAboutTicket`).
   */
  alarmDimensions?: readonly AlarmDimension[];
  /** Dimensions of the alarms it only spells out: a weak vote (`spelledAlarmVote`). */
  spelledDimensions?: readonly AlarmDimension[];
  /**
   * Reads that failed, each with its reason: the Sentry organization's projects
   * (`discovery`), the quoted alarms (`alarms`), linked Sentry issues (`sentryIssues`).
   * Each is a gap; see {@link resolveService} for the votes a failed read holds back.
   */
  unread?: UnreadSources;
  /** Linked issues read as a caller's view of another service (scope-callers.ts). */
  callerViews?: readonly CallerView[];
}

/**
 * Every source's answer and the decision. `policyScope` is the decided scope; on a
 * mismatch the caller replaces it with the more restrictive candidate's.
 *
 * Votes that rest on a name being the only match among the known services (an alarm
 * dimension naming a service, a label's prefix, an alarm's distinctive words) need every
 * known service: when discovery failed they are not counted, since fewer competitors
 * make a unique match cheap. The weakest votes (a label's prefix, an alarm's words) are
 * asked only when no other source names a service, which is only known when every
 * source was read: when discovery, the quoted alarms or a linked Sentry issue could not
 * be read, they are not asked and the service stays unresolved, with the reason.
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
  const unread = input.unread ?? {};
  const alarms = input.alarmDimensions ?? [];
  votes.push(...alarmVotes(alarms, catalog, unread.discovery === undefined ? known : undefined));
  votes.push(...repositoryVotes(ticket, catalog));
  const team = teamVote(ticket, catalog);
  if (team) votes.push(team);
  // A linked issue that is its caller's view of a service the ticket is filed under votes
  // for neither (scope-callers.ts); the sentry votes come first, in link order.
  const filed = new Set(
    votes.filter((v) => v.source !== "sentry_project" && v.service).map((v) => v.service),
  );
  const views = (input.callerViews ?? []).filter((c) => filed.has(c.callee));
  input.sentryProjects.forEach(({ issueId }, i) => {
    const view = views.find((c) => c.issueId === issueId);
    const vote = votes[i]!;
    if (view)
      votes[i] = {
        source: vote.source,
        value: vote.value,
        detail: `${vote.detail}, ${view.detail}`,
      };
  });
  const missing = unreadSources(unread);
  const gaps: ServiceResolution["gaps"] = missing.map((what) => ({
    what: `${what} could not be read for the service`,
    confidenceImpact: 0,
  }));
  let weakDecision: ServiceResolution["weakDecision"];
  if (!votes.some((v) => v.service)) {
    if (missing.length > 0) {
      gaps.push({
        what: `no source read names the service, and the weakest votes (a label's prefix, an alarm's words) were not asked: ${missing.join("; ")} could not be read and may have named another`,
        confidenceImpact: 0,
      });
    } else {
      const prefix = labelPrefixVote(ticket, known);
      const words = prefix
        ? undefined
        : (alarmWordVote(alarms, known) ??
          spelledAlarmVote(input.spelledDimensions ?? [], catalog, known));
      const weak = prefix ?? words;
      if (weak) {
        votes.push(weak);
        weakDecision = { kind: prefix ? "label_prefix" : "alarm_words", detail: weak.detail };
      }
    }
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
    ...(weakDecision ? { weakDecision } : {}),
    declared: entry !== undefined,
    sources: votes,
    ...(mismatch ? { mismatch } : {}),
    ...(views.length > 0 ? { callerViews: [...views] } : {}),
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

/** The Sentry organization's projects, or why they could not be listed. */
interface Discovery {
  projects: string[];
  unread?: string;
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
): Promise<{ resolution: ServiceResolution; entry?: CatalogService; spelledAlarms: string[] }> {
  const links = extractLinks(raw);
  const text = `${raw.title}\n${raw.description}`;
  const reader = deps.tools.sentry;
  const unread: string[] = [];
  const budget = { deadline: new Date(Date.now() + SENTRY_LOOKUP_MS) };
  const created = Date.parse(raw.createdAt);
  const createdAt = new Date(Number.isFinite(created) ? created : Date.now());
  const [sentryProjects, discovery, alarms] = await withCallBudget(budget, () =>
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
      reader?.listProjects
        ? reader.listProjects().then(
            (projects): Discovery => ({ projects }),
            (error): Discovery => ({ projects: [], unread: asAppError(error).code }),
          )
        : ({ projects: [] } as Discovery),
      // The alarms the ticket quotes or spells out, read back: their dimensions are structured.
      readTicketAlarms(deps.tools.cloudwatch, links.awsRefs, text, createdAt),
    ]),
  );
  const input: ScopeInput = {
    ticket: raw,
    sentryProjects,
    awsRefs: [...links.awsRefs, ...alarms.spelled],
    catalog: deps.catalog,
    discovered: discovery.projects,
    ...(alarms.spelled.length
      ? { spelledDimensions: alarms.dimensions }
      : { alarmDimensions: alarms.dimensions }),
    unread: {
      ...(discovery.unread ? { discovery: discovery.unread } : {}),
      ...(alarms.unread ? { alarms: alarms.unread } : {}),
      ...(unread.length > 0 ? { sentryIssues: unread } : {}),
    },
  };
  let resolution = resolveService(input);
  const candidates = callerCandidates(resolution, sentryProjects, (p) =>
    fromSentry(deps.catalog, p),
  );
  const callerViews = await withCallBudget(budget, () => readCallerViews(reader, candidates));
  if (callerViews.length > 0) resolution = resolveService({ ...input, callerViews });
  resolution.gaps.push(...alarms.gaps);
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
  return { resolution, ...(entry ? { entry } : {}), spelledAlarms: alarms.spelled };
}
