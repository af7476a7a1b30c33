import { hintTextsFor, ticketText } from "../shared/ticket-text.ts";
import type { RoutingHints, TicketContext } from "../types.ts";

/**
 * The db specialist's declared aggregate checks, keyed by symptom. Each returns counts
 * and timestamps only — never a row, never an identifying column — and names its query,
 * so a finding cites `db_query:<id>` and a human can re-run exactly that statement.
 *
 * A check names one service's tables, ids and words, so it is data, not code: each
 * service declares its own under `data_checks:` in policy/services/<service>.yaml (the
 * service catalog, src/policy/catalog.ts), and the composition root hands them to
 * `createDbSpecialist`. There is no built-in set. Identifiers are checked when the
 * catalog is read and again when the set is built; the only value ever spliced into SQL
 * from a ticket is an entity id matching a strict pattern, quoted as a literal.
 */

/** A cached counter on `table` that should equal a count of rows in `source`. */
export interface DerivedCounterCheck {
  kind: "derived_counter";
  id: string;
  /** The catalog service that declared it: it runs only on that service's runs. */
  service: string;
  table: string;
  key: string;
  counter: string;
  source: {
    table: string;
    key: string;
    where?: string;
    /** The source column whose change the counter must follow (e.g. removed_at): dates the drift. */
    changedColumn?: string;
  };
  /** What users see of the counter, for `count_mismatch` ("billed seats"). */
  subject: string;
  /** Ids in the ticket naming one row of `table` (the reporter's own case). */
  entity?: RegExp;
  symptoms: RegExp[];
}

/** Rows in the state a failing path mishandles: `column IS NULL`, recently created. */
export interface NullPreconditionCheck {
  kind: "null_precondition";
  id: string;
  service: string;
  table: string;
  column: string;
  createdColumn: string;
  lookbackHours: number;
  symptoms: RegExp[];
}

/**
 * A hand-written aggregate statement. Its result must be one row of numbers and
 * timestamps; anything else is withheld (a copied value is never reported).
 */
export interface AggregateCheck {
  kind: "aggregate";
  id: string;
  service: string;
  sql: string;
  /** What the numbers are, for the finding ("unsent outbox e-mails"). */
  describes: string;
  symptoms: RegExp[];
}

export type DbCheck = DerivedCounterCheck | NullPreconditionCheck | AggregateCheck;

/** A table or column name: lower-case, unquoted, at most 63 characters (Postgres's limit). */
export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
export const CHECK_ID = /^[a-z][a-z0-9-]{0,62}$/;
/** A static predicate on the source table: identifiers, `is [not] null`, `=`, literals. */
export const PREDICATE = /^[a-z0-9_ ='<>!.-]+$/i;
const ENTITY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Throws on a check whose identifiers could smuggle SQL; run when a set is built. */
export function validateChecks(checks: DbCheck[]): DbCheck[] {
  const ids = new Set<string>();
  for (const check of checks) {
    // Unique within a service: only one service's checks run in a run.
    const key = `${check.service}/${check.id}`;
    if (!CHECK_ID.test(check.id) || ids.has(key)) {
      throw new Error(`db check id '${check.id}' is not a unique kebab-case name`);
    }
    if (!check.service) throw new Error(`db check ${check.id} names no service`);
    ids.add(key);
    const names =
      check.kind === "derived_counter"
        ? [
            check.table,
            check.key,
            check.counter,
            check.source.table,
            check.source.key,
            ...(check.source.changedColumn ? [check.source.changedColumn] : []),
          ]
        : check.kind === "null_precondition"
          ? [check.table, check.column, check.createdColumn]
          : [];
    for (const name of names) {
      if (!IDENTIFIER.test(name)) throw new Error(`db check ${check.id}: bad identifier '${name}'`);
    }
    if (
      check.kind === "derived_counter" &&
      check.source.where &&
      !PREDICATE.test(check.source.where)
    ) {
      throw new Error(`db check ${check.id}: source predicate is not a simple predicate`);
    }
  }
  return checks;
}

export function staleCountSql(c: DerivedCounterCheck): string {
  const where = c.source.where ? ` where ${c.source.where}` : "";
  return [
    `select count(*) filter (where t.${c.counter} <> coalesce(s.n, 0)) as stale_count,`,
    "count(*) as total_count",
    `from ${c.table} t left join (select ${c.source.key} as k, count(*) as n from ${c.source.table}${where} group by ${c.source.key}) s`,
    `on s.k = t.${c.key}`,
  ].join(" ");
}

/** The recount of one row's counter from its source of truth (a correlated subquery). */
function recountOf(c: DerivedCounterCheck, alias: string): string {
  const where = c.source.where ? ` and (${c.source.where})` : "";
  return `(select count(*) from ${c.source.table} x where x.${c.source.key} = ${alias}.${c.key}${where})`;
}

/**
 * When the oldest drift began: the earliest change (e.g. a removal) on the source rows
 * of entities whose counter is stale. A pure aggregate, so the guard needs no LIMIT.
 */
export function staleSinceSql(c: DerivedCounterCheck): string | undefined {
  const changed = c.source.changedColumn;
  if (!changed) return undefined;
  return [
    `select min(m.${changed}) as oldest_stale_at`,
    `from ${c.source.table} m join ${c.table} t on t.${c.key} = m.${c.source.key}`,
    `where m.${changed} is not null and t.${c.counter} <> ${recountOf(c, "t")}`,
  ].join(" ");
}

/**
 * The backfill prode would propose for stale counters: recount each stale row from its
 * source of truth. Never run by prode — it becomes a production_write approval.
 */
export function correctionSql(c: DerivedCounterCheck): string {
  return [
    `update ${c.table} t set ${c.counter} = ${recountOf(c, "t")}`,
    `where t.${c.counter} <> ${recountOf(c, "t")};`,
  ].join("\n");
}

export function entityCountSql(c: DerivedCounterCheck, entityId: string): string {
  if (!ENTITY_ID.test(entityId)) throw new Error(`entity id '${entityId}' is not a plain id`);
  const where = c.source.where ? ` and (${c.source.where})` : "";
  return [
    `select t.${c.counter} as displayed,`,
    `(select count(*) from ${c.source.table} where ${c.source.key} = '${entityId}'${where}) as computed`,
    `from ${c.table} t where t.${c.key} = '${entityId}' limit 1`,
  ].join(" ");
}

export function nullPreconditionSql(c: NullPreconditionCheck, now: Date): string {
  const since = new Date(now.getTime() - c.lookbackHours * 3_600_000).toISOString();
  const recent = `${c.createdColumn} >= '${since}'::timestamptz`;
  return [
    `select count(*) filter (where ${c.column} is null and ${recent}) as recent_null,`,
    `count(*) filter (where ${recent}) as recent_total,`,
    `min(${c.createdColumn}) filter (where ${c.column} is null and ${recent}) as first_at,`,
    `max(${c.createdColumn}) filter (where ${c.column} is null and ${recent}) as last_at,`,
    `count(*) filter (where ${c.column} is null) as null_total`,
    `from ${c.table}`,
  ].join(" ");
}

/** Entity ids the ticket names for a check (at most three). */
export function ticketEntities(check: DerivedCounterCheck, ticket: TicketContext): string[] {
  if (!check.entity) return [];
  const pattern = new RegExp(
    check.entity.source,
    check.entity.flags.includes("g") ? check.entity.flags : `${check.entity.flags}g`,
  );
  const found = [...ticketText(ticket).matchAll(pattern)].map((m) => m[0]);
  return [...new Set(found)].filter((id) => ENTITY_ID.test(id)).slice(0, 3);
}

export interface SelectedCheck {
  check: DbCheck;
  /** Why it runs: the symptom it matched, or the wiki recipe that named it. */
  why: string;
  /** What selected it: the ticket's own words, or only a wiki page (routing). */
  by: "symptom" | "wiki";
}

/**
 * The checks this ticket calls for: those whose symptoms the ticket shows, plus those a
 * db recipe or negative control names by id (routing only; the query re-observes).
 */
export function selectChecks(
  checks: DbCheck[],
  ticket: TicketContext,
  hints: RoutingHints,
): SelectedCheck[] {
  const text = ticketText(ticket);
  const hinted = hintTextsFor(hints, "db");
  const selected: SelectedCheck[] = [];
  for (const check of checks) {
    const symptom = check.symptoms.find((s) => s.test(text));
    const hint = hinted.find((h) => h.text.includes(check.id));
    if (symptom) {
      selected.push({ check, why: `the ticket matches ${symptom.source}`, by: "symptom" });
    } else if (hint) {
      selected.push({ check, why: `wiki ${hint.pageId} names ${check.id}`, by: "wiki" });
    }
  }
  return selected;
}

/** Confidence a declared check costs when it matches but may not run (service unresolved). */
export const UNRESOLVED_CHECK_IMPACT = 10;

export interface ChecksForRun {
  /** The checks that run. */
  selected: SelectedCheck[];
  /** Checks that match the ticket but do not run: the service is unresolved and ambiguous. */
  skipped: SelectedCheck[];
  /** The service whose checks run on the ticket's symptoms alone (service unresolved). */
  bySymptomOnly?: string;
}

/**
 * The declared checks a ticket calls for. With a resolved service, only that service's
 * checks run. With none, the matching checks run only when the match is unambiguous:
 * they all belong to one service and the ticket's own words (not a wiki page alone)
 * matched at least one; otherwise none runs and each is named in a gap.
 */
export function checksFor(
  checks: DbCheck[],
  ticket: TicketContext,
  hints: RoutingHints,
): ChecksForRun {
  const service = ticket.service;
  if (service) {
    const own = checks.filter((c) => c.service === service);
    return { selected: selectChecks(own, ticket, hints), skipped: [] };
  }
  const matched = selectChecks(checks, ticket, hints);
  const services = new Set(matched.map((s) => s.check.service));
  const [only] = services;
  if (only !== undefined && services.size === 1 && matched.some((s) => s.by === "symptom")) {
    return { selected: matched, skipped: [], bySymptomOnly: only };
  }
  return { selected: [], skipped: matched };
}

export const named = (checks: SelectedCheck[]) =>
  checks.map((s) => `${s.check.id} (${s.check.service})`).join(", ");
