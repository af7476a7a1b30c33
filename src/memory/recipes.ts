import { parse } from "yaml";
import { z } from "zod";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { SpecialistIdSchema } from "../domain/specialist-output.ts";
import { fencedBlocks, proseOf, type Section } from "./markdown.ts";
import type { WikiNegativeControl, WikiQuery, WikiQueryParam } from "./types.ts";

/**
 * Query recipes and negative controls: a `### name` subsection with a sentence of
 * purpose and one fenced YAML block. The block names the specialist that runs it and
 * exactly what to query (SQL for db, CloudWatch metrics or Logs Insights for aws, free
 * keys for sentry, github and status). `{{name}}` placeholders are declared under
 * `params` with a type and an example; {@link renderRecipeSql} fills them as typed SQL
 * literals, so a value taken from evidence can never change the statement's shape, and
 * the rendered statement still goes through the SQL guard before it runs.
 */

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const PLACEHOLDER = /\{\{\s*([a-z][a-z0-9_]*)\s*\}\}/g;

const exampleValue = z.union([z.string().min(1), z.number()]).transform(String);

const ParamSchema = z.strictObject({
  type: z.enum(["timestamp", "integer", "text"]),
  description: z.string().min(1),
  example: exampleValue,
});

const STATS = ["Sum", "Average", "Maximum", "Minimum", "SampleCount", "p95", "p99"] as const;

const MetricSchema = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  dimensions: z.record(z.string().min(1), z.string().min(1)).default({}),
  stat: z.enum(STATS),
  period_seconds: z.number().int().positive(),
  window_minutes: z.number().int().positive(),
  /** Compare with the same window this many hours earlier (e.g. 24 or 168). */
  baseline_offset_hours: z.number().int().positive().optional(),
});

const LogsInsightsSchema = z.strictObject({
  log_groups: z.array(z.string().min(1)).min(1),
  query: z.string().min(1),
  window_minutes: z.number().int().positive(),
});

const freeSpec = z.record(z.string().min(1), z.unknown());

const QueryBlockSchema = z
  .strictObject({
    specialist: SpecialistIdSchema,
    params: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), ParamSchema).default({}),
    negative_when: z.string().min(1).optional(),
    sql: z.string().min(1).optional(),
    metrics: z.array(MetricSchema).min(1).optional(),
    logs_insights: LogsInsightsSchema.optional(),
    sentry: freeSpec.optional(),
    github: freeSpec.optional(),
    status: z.strictObject({ vendor: z.string().min(1) }).optional(),
  })
  .superRefine((b, ctx) => {
    const specs = [b.sql, b.metrics, b.logs_insights, b.sentry, b.github, b.status];
    if (specs.every((s) => s === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "states nothing to query (sql, metrics, logs_insights, sentry, github or status)",
      });
    }
    if (b.sql !== undefined && b.specialist !== "db") {
      ctx.addIssue({ code: "custom", path: ["sql"], message: "only the db specialist runs SQL" });
    }
    if ((b.metrics ?? b.logs_insights) !== undefined && b.specialist !== "aws") {
      ctx.addIssue({
        code: "custom",
        path: ["specialist"],
        message: "CloudWatch metrics and Logs Insights are run by the aws specialist",
      });
    }
  });

type ParsedBlock =
  | { kind: "block"; block: WikiQuerySpec }
  | { kind: "not_yaml"; error: unknown }
  | { kind: "not_a_query"; error: z.ZodError };

/** One fenced query block: YAML first, then the block's schema; says which step failed. */
function parseBlock(body: string): ParsedBlock {
  let raw: unknown;
  try {
    raw = parse(body);
  } catch (error) {
    return { kind: "not_yaml", error };
  }
  const parsed = QueryBlockSchema.safeParse(raw);
  return parsed.success
    ? { kind: "block", block: parsed.data }
    : { kind: "not_a_query", error: parsed.error };
}

function refuse(message: string): never {
  throw new AppError(ErrorCode.BadInput, message);
}

/** The placeholders a text uses, in order of first use. */
function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * Parses one `### name` subsection of "Query recipes" or "Negative controls". Throws
 * `bad_input` with the reason; the page loader turns it into a skipped page.
 */
export function parseWikiQuery(section: Section, kind: "recipe"): WikiQuery;
export function parseWikiQuery(section: Section, kind: "control"): WikiNegativeControl;
export function parseWikiQuery(
  section: Section,
  kind: "recipe" | "control",
): WikiQuery | WikiNegativeControl {
  const name = section.heading;
  const what = `${kind} "${name}"`;
  if (!NAME.test(name)) refuse(`${what}: the name must be kebab-case`);
  const blocks = fencedBlocks(section.lines);
  if (blocks.length !== 1)
    refuse(`${what}: needs exactly one fenced YAML block, found ${blocks.length}`);
  const body = blocks[0]!.content;
  if (body.endsWith("\n<unclosed>")) refuse(`${what}: its fenced block is not closed`);
  const parsed = parseBlock(body);
  if (parsed.kind === "not_yaml") {
    const { error } = parsed;
    const first = error instanceof Error ? error.message.split("\n")[0] : String(error);
    refuse(`${what}: the block is not valid YAML: ${first}`);
  }
  if (parsed.kind === "not_a_query") {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    refuse(`${what}${at}: ${issue.message}`);
  }
  const block = parsed.block;
  for (const used of placeholdersOf(body)) {
    if (!(used in block.params)) refuse(`${what}: {{${used}}} is not declared under params`);
  }
  if (kind === "control" && block.negative_when === undefined) {
    refuse(`${what}: a negative control states negative_when`);
  }
  if (kind === "recipe" && block.negative_when !== undefined) {
    refuse(`${what}: negative_when belongs to negative controls`);
  }
  const query: WikiQuery = {
    name,
    specialist: block.specialist,
    purpose: proseOf(section.lines),
    params: block.params as Record<string, WikiQueryParam>,
    ...(block.sql === undefined ? {} : { sql: block.sql.trim() }),
    body,
  };
  return kind === "control" ? { ...query, negativeWhen: block.negative_when! } : query;
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const INTEGER = /^-?\d{1,15}$/;
/** Identifiers, versions, queue and service names; no quote, backslash or semicolon. */
const SAFE_TEXT = /^[A-Za-z0-9 _.:@/+-]{1,200}$/;

type Mode = "sql" | "text";

function literal(name: string, param: WikiQueryParam, value: string, mode: Mode): string {
  switch (param.type) {
    case "timestamp":
      if (!ISO_TIMESTAMP.test(value) || Number.isNaN(Date.parse(value))) {
        refuse(`{{${name}}} must be an ISO-8601 timestamp`);
      }
      return mode === "sql" ? `'${value}'::timestamptz` : value;
    case "integer":
      if (!INTEGER.test(value)) refuse(`{{${name}}} must be an integer`);
      return value;
    case "text":
      if (!SAFE_TEXT.test(value)) {
        refuse(`{{${name}}} may hold letters, digits, spaces and _ . : @ / + - only`);
      }
      return mode === "sql" ? `'${value}'` : value;
    default: {
      const never: never = param.type;
      return never;
    }
  }
}

/** Fills `{{name}}` placeholders of `template`; every one needs a valid value. */
export function fillParams(
  template: string,
  params: Record<string, WikiQueryParam>,
  values: Readonly<Record<string, string | number>>,
  mode: Mode = "text",
): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const param = params[name];
    if (param === undefined) refuse(`{{${name}}} is not declared under params`);
    const value = values[name];
    if (value === undefined) refuse(`no value for {{${name}}} (${param.description})`);
    return literal(name, param, String(value), mode);
  });
}

/**
 * The recipe's SQL with its placeholders filled as typed literals (a timestamp becomes
 * `'…'::timestamptz`). The result is a candidate: the db specialist still runs it through
 * the SQL guard and a READ ONLY transaction (invariant 3).
 */
export function renderRecipeSql(
  query: Pick<WikiQuery, "name" | "sql" | "params">,
  values: Readonly<Record<string, string | number>>,
): string {
  if (query.sql === undefined) refuse(`recipe "${query.name}" has no SQL`);
  return fillParams(query.sql, query.params, values, "sql");
}

/** Each param's example value: what the docs and the SQL guard test render with. */
export function exampleValues(query: Pick<WikiQuery, "params">): Record<string, string> {
  return Object.fromEntries(Object.entries(query.params).map(([k, p]) => [k, p.example]));
}

/** Parses a hint body (the fenced YAML a specialist received) back into its spec. */
export function parseQueryBody(body: string): WikiQuerySpec {
  const parsed = parseBlock(body);
  if (parsed.kind === "block") return parsed.block;
  if (parsed.kind === "not_yaml") {
    throw new AppError(ErrorCode.BadInput, "hint body is not valid YAML", { cause: parsed.error });
  }
  throw new AppError(ErrorCode.BadInput, `hint body: ${z.prettifyError(parsed.error)}`, {
    cause: parsed.error,
  });
}
type WikiQuerySpec = z.output<typeof QueryBlockSchema>;
