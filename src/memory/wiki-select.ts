import type { RoutingHints } from "../../specialists/types.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import type { OperationalMemory } from "../domain/evidence-context.ts";
import type { SpecialistId } from "../domain/specialist-output.ts";
import type { Wiki, WikiPage } from "./types.ts";

/**
 * Which pages of the wiki apply to a ticket, and what they hand the router: recipes and
 * negative controls per specialist, and old conclusions as hypotheses to re-test. Pure:
 * the clock is an argument. The result is routing only (invariant 2): the memory record
 * goes into the bundle for humans, the hints go to specialists, and neither reaches the
 * classifier, whose input has no field for them.
 */

/** What a ticket says that a page can match on. Only page-side strings are echoed back. */
export interface WikiTicketSignals {
  labels?: readonly string[];
  services?: readonly string[];
  sentryTags?: readonly { key: string; value: string }[];
  /** Title, description and comments, already redacted. */
  text?: string;
  /**
   * The service the run resolved (FETCH_LINEAR). A page restricted to other services is
   * skipped even when its keywords match: memory routes, it never targets another service.
   */
  resolvedService?: string;
  /**
   * Resources the service catalog assigns to services other than the resolved one (log
   * groups, queues, load balancers…). A recipe or control naming one is withheld.
   */
  foreignResources?: readonly string[];
}

interface WikiSelectOptions {
  /** At most this many matching pages are read, best match first. Default 5. */
  maxPages?: number;
}

export interface WikiSelection {
  memory: OperationalMemory;
  hints: RoutingHints;
}

const DAY_MS = 86_400_000;
/** A reviewed_at later than now by more than this is suspicious (a page dodging review). */
const FUTURE_SLACK_MS = DAY_MS;

const WEIGHT = { service: 4, keyword: 2, sentryTag: 2, label: 1 } as const;

interface Match {
  page: WikiPage;
  score: number;
  reasons: string[];
}

const lower = (s: string) => s.toLowerCase();

function matchPage(page: WikiPage, ticket: WikiTicketSignals): Match | undefined {
  const services = new Set((ticket.services ?? []).map(lower));
  const labels = new Set((ticket.labels ?? []).map(lower));
  const tags = (ticket.sentryTags ?? []).map((t) => ({ key: lower(t.key), value: lower(t.value) }));
  const text = lower((ticket.text ?? "").replace(/\s+/g, " "));
  let score = 0;
  const reasons: string[] = [];
  for (const service of page.services) {
    if (services.has(lower(service))) {
      score += WEIGHT.service;
      reasons.push(`service ${service}`);
    }
  }
  for (const keyword of page.signals.keywords) {
    if (text.includes(lower(keyword.replace(/\s+/g, " ")))) {
      score += WEIGHT.keyword;
      reasons.push(`keyword "${keyword}"`);
    }
  }
  for (const tag of page.signals.sentryTags) {
    const key = lower(tag.key);
    const value = tag.value === undefined ? undefined : lower(tag.value);
    if (tags.some((t) => t.key === key && (value === undefined || t.value === value))) {
      score += WEIGHT.sentryTag;
      reasons.push(`sentry tag ${tag.value === undefined ? tag.key : `${tag.key}=${tag.value}`}`);
    }
  }
  for (const label of page.signals.labels) {
    if (labels.has(lower(label))) {
      score += WEIGHT.label;
      reasons.push(`label ${label}`);
    }
  }
  return score > 0 ? { page, score, reasons } : undefined;
}

function asTimestamp(date: string): string {
  return `${date}T00:00:00Z`;
}

/** Why a page is stale at `now`, or undefined while its review is current. */
function staleness(page: WikiPage, now: Date): string | undefined {
  const reviewed = Date.parse(asTimestamp(page.reviewedAt));
  if (reviewed - now.getTime() > FUTURE_SLACK_MS) {
    return `reviewed_at ${page.reviewedAt} is in the future: treated as unreviewed`;
  }
  const due = reviewed + page.reviewEveryDays * DAY_MS;
  if (now.getTime() <= due) return undefined;
  const dueDate = new Date(due).toISOString().slice(0, 10);
  return `review overdue since ${dueDate} (reviewed ${page.reviewedAt}, every ${page.reviewEveryDays} days): read, but re-check what it says`;
}

/**
 * Selects the pages that apply to a ticket. Matching pages are read (or read and marked
 * stale when past review); a matching draft or retired page is skipped with the reason;
 * pages that could not be loaded (malformed, absent) and bad index lines are always
 * listed, because nobody can tell whether they would have applied. Pages that do not
 * match are not listed.
 */
export function selectWikiPages(
  wiki: Wiki,
  ticket: WikiTicketSignals,
  now: Date,
  options: WikiSelectOptions = {},
): WikiSelection {
  const maxPages = options.maxPages ?? 5;
  const memory: OperationalMemory = {
    pages: [],
    recipesUsed: [],
    negativeControlsUsed: [],
    hypothesesToRetest: [],
  };
  const hints: RoutingHints = { pages: [], recipes: [], negativeControls: [] };

  const matches: Match[] = [];
  for (const entry of wiki.entries) {
    if (entry.kind === "absent") {
      memory.pages.push({
        id: entry.entry.id,
        path: entry.path,
        status: "absent",
        reason: `registered in index.md (line ${entry.entry.line}) but the file does not exist`,
      });
    } else if (entry.kind === "malformed") {
      memory.pages.push({
        id: entry.entry.id,
        path: entry.path,
        status: "skipped",
        reason: `malformed: ${entry.reason}`,
      });
    } else {
      const match = matchPage(entry.page, ticket);
      if (match) matches.push(match);
    }
  }
  for (const problem of wiki.problems) {
    memory.pages.push({ id: "index", path: wiki.indexPath, status: "skipped", reason: problem });
  }

  const resolved = ticket.resolvedService?.toLowerCase();
  const ownServices = (page: WikiPage) =>
    resolved === undefined ||
    page.services.length === 0 ||
    page.services.some((s) => s.toLowerCase() === resolved);
  for (const { page, reasons } of matches.filter((m) => !ownServices(m.page))) {
    memory.pages.push({
      id: page.id,
      path: page.path,
      reviewedAt: asTimestamp(page.reviewedAt),
      status: "skipped",
      reason: `describes ${page.services.join(", ")}, not the resolved service ${ticket.resolvedService}: memory never targets another service (matched ${reasons.join(", ")})`,
    });
  }
  const own = matches.filter((m) => ownServices(m.page));
  own.sort((a, b) => b.score - a.score || a.page.id.localeCompare(b.page.id));
  let taken = 0;
  for (const { page, reasons } of own) {
    const matched = `matched ${reasons.join(", ")}`;
    const base = { id: page.id, path: page.path, reviewedAt: asTimestamp(page.reviewedAt) };
    if (page.status !== "active") {
      const why =
        page.status === "draft"
          ? "status draft: not reviewed for routing yet"
          : "status retired: no longer trusted for routing";
      memory.pages.push({ ...base, status: "skipped", reason: `${why} (${matched})` });
      continue;
    }
    if (taken >= maxPages) {
      memory.pages.push({
        ...base,
        status: "skipped",
        reason: `ranked below the ${maxPages} best-matching pages (${matched})`,
      });
      continue;
    }
    taken += 1;
    const stale = staleness(page, now);
    memory.pages.push({
      ...base,
      status: stale === undefined ? "read" : "stale",
      reason: stale === undefined ? matched : `${stale}; ${matched}`,
    });
    hints.pages.push(page.id);
    const foreign = ticket.foreignResources ?? [];
    for (const [list, entries] of [
      [hints.recipes, page.recipes],
      [hints.negativeControls, page.negativeControls],
    ] as const) {
      for (const q of entries) {
        const body = withoutExamples(q.body);
        const named = foreign.find((r) => namesToken(body, r));
        if (named !== undefined) {
          memory.pages.at(-1)!.reason +=
            `; withheld "${q.name}": it targets ${named}, another service's resource`;
          continue;
        }
        list.push({ pageId: page.id, specialist: q.specialist, name: q.name, body });
      }
    }
    for (const hypothesis of page.pastConclusions) {
      memory.hypothesesToRetest.push({ pageId: page.id, hypothesis });
    }
  }
  return { memory, hints };
}

/**
 * A query block with its parameters' example values blanked: an example documents the
 * shape of a value (a log group, a load balancer) and must never become a query target.
 */
export function withoutExamples(body: string): string {
  return body.replace(
    /(\bexample:\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^,}\n]+)/g,
    (_m, key: string) => `${key}"(example)"`,
  );
}

/** Whether `text` names `token` whole (not as part of a longer name). */
function namesToken(text: string, token: string): boolean {
  const escaped = token.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w.-])${escaped}($|[^\\w.-])`).test(text.toLowerCase());
}

interface WikiUse {
  kind: "recipe" | "negative_control";
  pageId: string;
  name: string;
  usedBy: SpecialistId;
}

/**
 * Records that a specialist used a recipe or negative control. Only hints handed out for
 * this ticket can be recorded (a skipped page's recipe cannot be "used"); recording the
 * same use twice changes nothing. Returns a new memory; the argument is not modified.
 */
export function recordWikiUse(
  memory: OperationalMemory,
  hints: RoutingHints,
  use: WikiUse,
): OperationalMemory {
  const list = use.kind === "recipe" ? hints.recipes : hints.negativeControls;
  if (!list.some((h) => h.pageId === use.pageId && h.name === use.name)) {
    throw new AppError(
      ErrorCode.BadInput,
      `no ${use.kind.replace("_", " ")} "${use.name}" from page "${use.pageId}" was handed out for this ticket`,
    );
  }
  if (use.kind === "recipe") {
    const entry = { pageId: use.pageId, recipe: use.name, usedBy: use.usedBy };
    const seen = memory.recipesUsed.some(
      (r) => r.pageId === entry.pageId && r.recipe === entry.recipe && r.usedBy === entry.usedBy,
    );
    return seen ? memory : { ...memory, recipesUsed: [...memory.recipesUsed, entry] };
  }
  const entry = { pageId: use.pageId, control: use.name, usedBy: use.usedBy };
  const seen = memory.negativeControlsUsed.some(
    (c) => c.pageId === entry.pageId && c.control === entry.control && c.usedBy === entry.usedBy,
  );
  return seen
    ? memory
    : { ...memory, negativeControlsUsed: [...memory.negativeControlsUsed, entry] };
}

/**
 * What ROUTE_SPECIALISTS records once the route is known: every recipe and negative
 * control whose specialist was routed is handed to it, and so counts as used by it.
 */
export function recordHintsForRoute(
  memory: OperationalMemory,
  hints: RoutingHints,
  routed: readonly SpecialistId[],
): OperationalMemory {
  const on = new Set(routed);
  let out = memory;
  for (const r of hints.recipes) {
    if (on.has(r.specialist)) {
      out = recordWikiUse(out, hints, {
        kind: "recipe",
        pageId: r.pageId,
        name: r.name,
        usedBy: r.specialist,
      });
    }
  }
  for (const c of hints.negativeControls) {
    if (on.has(c.specialist)) {
      out = recordWikiUse(out, hints, {
        kind: "negative_control",
        pageId: c.pageId,
        name: c.name,
        usedBy: c.specialist,
      });
    }
  }
  return out;
}

/** The hints one specialist receives: its own recipes and controls, nothing else. */
export function hintsFor(hints: RoutingHints, specialist: SpecialistId): RoutingHints {
  return {
    pages: hints.pages,
    recipes: hints.recipes.filter((r) => r.specialist === specialist),
    negativeControls: hints.negativeControls.filter((c) => c.specialist === specialist),
  };
}
