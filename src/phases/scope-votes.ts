import type { LinearTicket } from "../adapters/linear/client.ts";
import type { ResolutionVote } from "../domain/service-resolution.ts";
import type { CatalogService, ServiceCatalog } from "../policy/catalog.ts";

/**
 * The votes of the ticket's own fields for a service (src/phases/scope.ts weighs them):
 * its labels, Linear project and team, the repositories it links, a label's prefix, and
 * the services its text names. Pure.
 */
export const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
export const same = (a: string, b: string) => slug(a) === slug(b);

export function byName(catalog: ServiceCatalog, name: string): CatalogService | undefined {
  return Object.values(catalog.services).find((s) => same(s.name, name));
}

/** Sentry project → the catalog service declaring it, else the service of that name. */
export function fromSentry(catalog: ServiceCatalog, project: string): string {
  const declared = Object.values(catalog.services).find((s) =>
    s.sentryProjects.some((p) => same(p, project)),
  );
  return declared?.name ?? byName(catalog, project)?.name ?? project;
}

export function labelVotes(
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

export function projectVote(
  ticket: LinearTicket,
  catalog: ServiceCatalog,
): ResolutionVote | undefined {
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

export function teamVote(
  ticket: LinearTicket,
  catalog: ServiceCatalog,
): ResolutionVote | undefined {
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
export function repositoryVotes(ticket: LinearTicket, catalog: ServiceCatalog): ResolutionVote[] {
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
export function labelPrefixVote(
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
