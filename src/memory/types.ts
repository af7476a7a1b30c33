import type { SpecialistId } from "../domain/specialist-output.ts";

/**
 * The PRODE Wiki as READ_PRODE_WIKI loads it (DESIGN.md, "Memory"). A page is routing
 * memory only: it may change which specialists run and which queries and negative
 * controls they use, and it never enters classification (invariant 2). Nothing in this
 * folder is imported by the classifier, and the classifier's input has no field for it.
 */

type WikiPageStatus = "active" | "draft" | "retired";

/** A typed placeholder `{{name}}` in a recipe or control; see recipes.ts for rendering. */
export interface WikiQueryParam {
  type: "timestamp" | "integer" | "text";
  description: string;
  /** A realistic value, used by the docs and by the test that runs the SQL guard. */
  example: string;
}

/**
 * One named query of a page: a `### name` heading under "Query recipes" or "Negative
 * controls", a sentence of purpose, and one fenced YAML block (the body).
 */
export interface WikiQuery {
  /** kebab-case, unique within its page and section. */
  name: string;
  specialist: SpecialistId;
  /** The prose under the heading: why an on-call engineer would run it. */
  purpose: string;
  params: Record<string, WikiQueryParam>;
  /** Only db queries carry SQL; it still passes the SQL guard before it runs. */
  sql?: string;
  /** The fenced YAML block verbatim: what {@link RoutingHints} hand to the specialist. */
  body: string;
}

export type WikiRecipe = WikiQuery;

/** A check that must come back negative before a conclusion is drawn. */
export interface WikiNegativeControl extends WikiQuery {
  /** What "negative" means for this check, in the words of the page. */
  negativeWhen: string;
}

/** A tag the page is about: `key` alone, or `key=value`. */
export interface WikiSentryTag {
  key: string;
  value?: string;
}

export interface WikiPage {
  id: string;
  title: string;
  /** The file as registered in index.md, prefixed with the wiki's display path. */
  path: string;
  services: string[];
  signals: { labels: string[]; sentryTags: WikiSentryTag[]; keywords: string[] };
  /** A team handle, never a person. */
  owner: string;
  /** YYYY-MM-DD (UTC). */
  reviewedAt: string;
  reviewEveryDays: number;
  status: WikiPageStatus;
  failureModes: string[];
  recipes: WikiRecipe[];
  negativeControls: WikiNegativeControl[];
  /** Old conclusions. They come back as hypotheses to re-test, never as answers. */
  pastConclusions: string[];
}

/** One `- [id](path): description` line under `## Pages` in index.md. */
export interface WikiIndexEntry {
  id: string;
  /** Relative to the wiki directory, as written in index.md. */
  file: string;
  description: string;
  /** 1-based line in index.md. */
  line: number;
}

/** A registered page after loading: parsed, refused with a reason, or missing. */
export type WikiEntry =
  | { kind: "page"; entry: WikiIndexEntry; page: WikiPage }
  | { kind: "malformed"; entry: WikiIndexEntry; path: string; reason: string }
  | { kind: "absent"; entry: WikiIndexEntry; path: string };

export interface Wiki {
  /** index.md as shown in memory and handoffs, e.g. "wiki/index.md". */
  indexPath: string;
  /** Registered pages, in index order. */
  entries: WikiEntry[];
  /** Problems with the registry itself (index.md missing, a bad entry line). */
  problems: string[];
}
