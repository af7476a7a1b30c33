import type { Assessed } from "./emit.ts";
import { KINDS } from "./measures.ts";
import { MAX_PER_KIND, type Resource } from "./resources.ts";

/**
 * The account scan: what an on-call engineer does when a ticket names no service and no
 * resource ("<feature> is broken", "the public API answers 503") — open the
 * account's metrics and look for what is red. It is asked only when nothing else (the
 * router's service, the catalog, the ticket's identifiers, an alarm of ours) gave one
 * resource to read.
 *
 * Which resources: every resource discovery listed (ListMetrics, already read), ranked by
 * how many words of the resource's name the ticket's words share (a hint for the order
 * only: the ticket's prose never makes a resource ours), at most {@link MAX_PER_KIND} of
 * each kind. Which ones concern us: the group of resources — those sharing the first word
 * of their name (`<word>-jobs` and `<word>-worker`), a load balancer that of the target
 * groups it forwards to ({@link groupOf}) — whose series moved; never a
 * resource whose telemetry is quiet. When several groups moved, none is adopted: the
 * ticket's prose would be what picks among them (DESIGN: the service comes from structured
 * data, never from free text), so the groups are named in a gap and the run reads no
 * service's resources as the ticket's.
 */

/** Measures whose movement marks a resource as the symptom's, not load alone. */
const LOAD_ONLY = new Set(["requests"]);
/** Words in resource names that say where, not what. */
const ENVIRONMENT_WORDS = new Set([
  "prod",
  "production",
  "prd",
  "live",
  "staging",
  "stage",
  "dev",
  "app",
  "tg",
  "targetgroup",
]);
/** Ticket words too common to rank a resource by. */
const STOP_WORDS = new Set([
  "the",
  "and",
  "for",
  "are",
  "was",
  "were",
  "not",
  "but",
  "with",
  "from",
  "since",
  "this",
  "that",
  "they",
  "them",
  "our",
  "some",
  "all",
  "any",
  "every",
  "get",
  "gets",
  "got",
  "has",
  "have",
  "had",
  "been",
  "into",
  "out",
  "now",
  "say",
  "says",
  "show",
  "shows",
  "new",
  "utc",
  "api",
  "service",
  "server",
  "error",
  "errors",
]);

/** A word without a plural "s" (`<word>s` → `<word>`; short words kept whole). */
const stem = (word: string) =>
  word.length > 3 && word.endsWith("s") && !word.endsWith("ss") ? word.slice(0, -1) : word;

/** The words of a text, lower-cased and stemmed, without numbers and stop words. */
export function wordsOf(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length >= 3 && !/^\d+$/.test(w) && !STOP_WORDS.has(w))
      .map(stem),
  );
}

/** A resource's own name: the ECS service, the load balancer's name, else its identity. */
export function nameOf(r: Resource): string {
  if (r.dims.ServiceName) return r.dims.ServiceName;
  if (r.dims.LoadBalancer) return r.dims.LoadBalancer.split("/")[1] ?? r.dims.LoadBalancer;
  return Object.values(r.dims)[0] ?? r.id;
}

/** The words of a name that say what it is (not environment, ids or numbers). */
function wordsOfName(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 2 && !ENVIRONMENT_WORDS.has(w) && !/^[0-9a-f]*\d[0-9a-f]*$/.test(w))
    .map(stem);
}

/** The words of a resource's name that say what it is. */
const nameWords = (r: Resource) => wordsOfName(nameOf(r));

/** A target group's own name: `targetgroup/<name>/<id>` → `<name>`. */
const targetGroupName = (tg: string) => tg.split("/")[1] ?? tg;

/**
 * The group a resource belongs to: the first word of its name that says what it is; for a
 * load balancer whose target groups all belong to one group, that group. A load balancer
 * is often shared and named after the edge (`<edge>-<env>`), while a target
 * group routes to one service's tasks and is named after it: the relation ListMetrics
 * shows, not the load balancer's name, says whose requests it serves. One fronting
 * target groups of several groups keeps its own name's group: its movement is no one
 * service's, so it cannot join any.
 */
export function groupOf(r: Resource): string {
  const own = nameWords(r)[0] ?? nameOf(r).toLowerCase();
  const behind = new Set(
    (r.targetGroups ?? []).map((tg) => wordsOfName(targetGroupName(tg))[0] ?? tg.toLowerCase()),
  );
  return behind.size === 1 ? [...behind][0]! : own;
}

/** How many words of the resource's name (a load balancer's: and its target groups') the ticket uses. */
export function affinity(r: Resource, ticketWords: ReadonlySet<string>): number {
  const names = new Set([
    ...nameWords(r),
    ...(r.targetGroups ?? []).flatMap((tg) => wordsOfName(targetGroupName(tg))),
  ]);
  return [...names].filter((w) => ticketWords.has(w)).length;
}

/** The account's resources to read, best ranked first, at most {@link MAX_PER_KIND} per kind. */
export function scanCandidates(account: Resource[], ticketText: string): Resource[] {
  const words = wordsOf(ticketText);
  const out: Resource[] = [];
  for (const kind of KINDS) {
    const ofKind = account
      .filter((r) => r.kind === kind.kind)
      .map((r) => ({ r, score: affinity(r, words) }))
      .sort((a, b) => b.score - a.score || a.r.id.localeCompare(b.r.id));
    out.push(
      ...ofKind.slice(0, MAX_PER_KIND).map(({ r }) => ({ ...r, origin: "scanned" as const })),
    );
  }
  return out;
}

/**
 * The service a group of resources is: its ECS service or function, else its load
 * balancer's name (its one target group's, when it has one) less the environment.
 */
export function serviceOfGroup(resources: Resource[]): string {
  const named =
    resources.find((r) => r.dims.ServiceName)?.dims.ServiceName ??
    resources.find((r) => r.dims.FunctionName)?.dims.FunctionName;
  if (named) return named;
  const lb = resources.find((r) => r.dims.LoadBalancer);
  if (lb) {
    const only = lb.targetGroups?.length === 1 ? lb.targetGroups[0] : undefined;
    const name = only ? targetGroupName(only) : nameOf(lb);
    return name.replace(/(?:[-_](?:prod|production|prd|live|tg))+$/i, "") || name;
  }
  return nameOf(resources[0]!);
}

export interface Adoption {
  service: string;
  group: string;
  resources: Resource[];
}

/** Several groups moved: the scan cannot tell which one is the ticket's. */
export interface Ambiguous {
  ambiguous: string[];
}

/**
 * The one group of scanned resources whose series moved (a rise or drop in anything but
 * load, dated by its change point); {@link Ambiguous} with the groups, earliest onset
 * first, when more than one moved; undefined when every scanned series is flat. The
 * ticket's words play no part: they would pick the service from free text.
 */
export function adoptMoved(
  scanned: Resource[],
  assessed: Assessed[],
): Adoption | Ambiguous | undefined {
  const moved = new Map<string, number>();
  for (const a of assessed) {
    if (a.read.resource.origin !== "scanned") continue;
    if (a.change.direction === "flat" || !a.change.onset) continue;
    if (LOAD_ONLY.has(a.read.spec.measure)) continue;
    const group = groupOf(a.read.resource);
    const onset = Date.parse(a.change.onset);
    moved.set(group, Math.min(onset, moved.get(group) ?? onset));
  }
  const ranked = [...moved.entries()].sort(([, a], [, b]) => a - b).map(([g]) => g);
  if (ranked.length > 1) return { ambiguous: ranked };
  const group = ranked[0];
  if (group === undefined) return undefined;
  const resources = scanned.filter((r) => groupOf(r) === group);
  return { service: serviceOfGroup(resources), group, resources };
}
