import { parse } from "yaml";
import { z } from "zod";
import { AppError, asAppError, ErrorCode } from "../domain/errors.ts";
import { leadingLines, listItems, proseOf, splitFrontmatter, splitSections } from "./markdown.ts";
import { parseWikiQuery } from "./recipes.ts";
import type { WikiPage, WikiSentryTag } from "./types.ts";

/**
 * One wiki page: YAML frontmatter and four sections (DESIGN.md, "Memory"; the format is
 * in wiki/README.md). A page that does not follow the format is refused whole, with the
 * reason: routing on half a page could drop the very negative control that stops a
 * premature conclusion.
 */

const DEFAULT_REVIEW_EVERY_DAYS = 90;

/** Labels every triage ticket carries (intake triggers): they say nothing about a failure. */
const INTAKE_LABELS: readonly string[] = ["prode", "sentry-issue"];

const KEBAB = /^[a-z0-9][a-z0-9-]*$/;

const SentryTagSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]+(=.+)?$/, "a Sentry tag is `key` or `key=value`")
  .transform((s): WikiSentryTag => {
    const eq = s.indexOf("=");
    return eq < 0 ? { key: s } : { key: s.slice(0, eq), value: s.slice(eq + 1) };
  });

const FrontmatterSchema = z
  .strictObject({
    id: z.string().regex(KEBAB, "kebab-case"),
    title: z.string().min(1),
    services: z.array(z.string().min(1)).default([]),
    signals: z
      .strictObject({
        labels: z
          .array(z.string().min(1))
          .default([])
          .refine((labels) => !labels.some((l) => INTAKE_LABELS.includes(l.toLowerCase())), {
            message: `intake labels (${INTAKE_LABELS.join(", ")}) are on every ticket: they cannot select a page`,
          }),
        sentry_tags: z.array(SentryTagSchema).default([]),
        keywords: z
          .array(z.string().trim().min(3, "a keyword has at least 3 characters"))
          .default([]),
      })
      .prefault({}),
    owner: z.string().regex(KEBAB, "a team handle (kebab-case), not a person"),
    // YAML's core schema keeps an unquoted date a string; accept a Date all the same.
    reviewed_at: z.union([z.iso.date(), z.date().transform((d) => d.toISOString().slice(0, 10))]),
    review_every_days: z.number().int().positive().default(DEFAULT_REVIEW_EVERY_DAYS),
    status: z.enum(["active", "draft", "retired"]),
  })
  .refine(
    (f) =>
      f.services.length +
        f.signals.labels.length +
        f.signals.sentry_tags.length +
        f.signals.keywords.length >
      0,
    { message: "declares no services or signals: it could never be selected" },
  );

const SECTIONS = {
  failureModes: "failure modes",
  recipes: "query recipes",
  negativeControls: "negative controls",
  pastConclusions: "past conclusions",
} as const;
const REQUIRED: readonly (keyof typeof SECTIONS)[] = [
  "failureModes",
  "recipes",
  "negativeControls",
];

function refuse(message: string): never {
  throw new AppError(ErrorCode.BadInput, message);
}

function parseFrontmatter(yaml: string) {
  let raw: unknown;
  try {
    raw = parse(yaml);
  } catch (error) {
    const first = error instanceof Error ? error.message.split("\n")[0] : String(error);
    refuse(`frontmatter is not valid YAML: ${first}`);
  }
  const parsed = FrontmatterSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    refuse(`frontmatter ${at}${issue.message}`);
  }
  return parsed.data;
}

function uniqueNames(kind: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) refuse(`${kind} "${name}" appears twice`);
    seen.add(name);
  }
}

/** Failure modes and past conclusions: list items, or the prose when there is no list. */
function itemsOf(lines: readonly string[]): string[] {
  const items = listItems(lines);
  if (items.length > 0) return items;
  const prose = proseOf(lines);
  return prose === "" ? [] : [prose];
}

function parsePageOrThrow(text: string, path: string): WikiPage {
  const split = splitFrontmatter(text);
  if (!split) refuse("no YAML frontmatter (the file must open with a `---` block)");
  const fm = parseFrontmatter(split.yaml);
  const sections = new Map<string, string[]>();
  for (const section of splitSections(split.body.split(/\r?\n/), 2)) {
    const key = section.heading.toLowerCase();
    if (sections.has(key)) refuse(`section "## ${section.heading}" appears twice`);
    sections.set(key, section.lines);
  }
  for (const key of REQUIRED) {
    if (!sections.has(SECTIONS[key])) refuse(`missing section "## ${SECTIONS[key]}"`);
  }
  const section = (key: keyof typeof SECTIONS) => sections.get(SECTIONS[key]) ?? [];

  const recipes = splitSections(section("recipes"), 3).map((s) => parseWikiQuery(s, "recipe"));
  const controls = splitSections(section("negativeControls"), 3).map((s) =>
    parseWikiQuery(s, "control"),
  );
  uniqueNames(
    "recipe",
    recipes.map((r) => r.name),
  );
  uniqueNames(
    "negative control",
    controls.map((c) => c.name),
  );
  // A fenced block outside any `### name` would be silently ignored: refuse it instead.
  for (const key of ["recipes", "negativeControls"] as const) {
    if (/^\s*(```|~~~)/m.test(leadingLines(section(key), 3).join("\n"))) {
      refuse(`"## ${SECTIONS[key]}" has a fenced block outside a "### name" subsection`);
    }
  }

  return {
    id: fm.id,
    title: fm.title,
    path,
    services: fm.services,
    signals: {
      labels: fm.signals.labels,
      sentryTags: fm.signals.sentry_tags,
      keywords: fm.signals.keywords,
    },
    owner: fm.owner,
    reviewedAt: fm.reviewed_at,
    reviewEveryDays: fm.review_every_days,
    status: fm.status,
    failureModes: itemsOf(section("failureModes")),
    recipes,
    negativeControls: controls,
    // Only list items: a sentence like "None yet." must not become a hypothesis.
    pastConclusions: listItems(section("pastConclusions")),
  };
}

type ParsedPage = { ok: true; page: WikiPage } | { ok: false; reason: string };

/** Parses one page; a page that does not follow the format comes back with the reason. */
export function parseWikiPage(text: string, path: string): ParsedPage {
  try {
    return { ok: true, page: parsePageOrThrow(text, path) };
  } catch (error) {
    const e = asAppError(error);
    if (e.code !== ErrorCode.BadInput) throw e;
    return { ok: false, reason: e.message };
  }
}
