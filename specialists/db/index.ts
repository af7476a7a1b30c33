import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { CHECK_RULES, type Check, EvidenceCollector } from "../shared/collector.ts";
import { deadlineSignal, runClock } from "../shared/deadline.ts";
import type { ReplicaQueryResult, ReplicaReader } from "../tools.ts";
import type { Specialist, TicketContext } from "../types.ts";
import {
  type AggregateCheck,
  checksFor,
  correctionSql,
  type DbCheck,
  type DerivedCounterCheck,
  entityCountSql,
  type NullPreconditionCheck,
  named,
  nullPreconditionSql,
  staleCountSql,
  staleSinceSql,
  ticketEntities,
  UNRESOLVED_CHECK_IMPACT,
  validateChecks,
} from "./checks.ts";
import { runGenericChecks } from "./generic.ts";
import { ticketNamedValues } from "./named-values.ts";
import { checkReferenceEdits } from "./reference-edit.ts";
import { discoverTables, ticketRecordIds } from "./schema.ts";
import { asCount, asTimestamp } from "./values.ts";

/**
 * The db specialist: aggregate SELECTs on the read replica, through the guarded
 * ReplicaReader only. It proves or refutes stale derived rows (`stale_derived_rows` /
 * `derived_rows_consistent`), compares the reporter's own visible count with the
 * recomputed one (`count_mismatch`), and counts rows in the state a failing path
 * mishandles (`data_precondition`). When no declared check matches and the ticket quotes
 * record ids, the schema-generic checks (generic.ts) look for duplicate rows, stuck
 * states, missing related rows and counters out of step with the rows they count around
 * those records (a silent data bug: no exception, no 5xx, only the replica shows it). When
 * the ticket names values in words (a region, a plan), reference-edit.ts dates a recent
 * edit of the small-table row they name and what the rows referring to it did since.
 * Findings carry numbers, the query id, state names and at
 * most five record ids, never row contents. A statement the guard refuses, or that
 * fails, is a gap, not a crash.
 *
 * The declared checks come from the service catalog (`data_checks:` in
 * policy/services/<service>.yaml, handed over by src/compose); there are none built in.
 * A declared check runs only on a run whose resolved service declared it. When the
 * service is unresolved, the matching checks run only if the match is unambiguous (all of
 * one service, at least one matched by the ticket's own words), with a gap saying so;
 * otherwise none runs (their tables may be another service's) and a gap names each. The
 * schema-generic checks still run on quoted record ids.
 */

export interface DbSpecialistOptions {
  /** The services' declared checks (the catalog's `data_checks`); none by default. */
  checks?: DbCheck[];
  timeoutMs?: number;
}

/** Confidence a failed check costs: the stale-row proof is what data defects rest on. */
const IMPACT: Record<DbCheck["kind"], number> = {
  derived_counter: 25,
  null_precondition: 10,
  aggregate: 10,
};

/**
 * Confidence the reference-edit read costs when it fails: a ticket naming values in words
 * is rarely about reference data, so a failed read is a small unknown, not a missing proof.
 */
const REFERENCE_EDIT_IMPACT = 5;

type Cell = unknown;

export { asCount, asTimestamp } from "./values.ts";

/** One row of the result by column name. */
function firstRow(result: ReplicaQueryResult): Record<string, Cell> | undefined {
  const row = result.rows[0];
  if (!row) return undefined;
  return Object.fromEntries(result.columns.map((name, i) => [name, row[i]]));
}

function requireCount(row: Record<string, Cell> | undefined, column: string, id: string): number {
  const value = asCount(row?.[column]);
  if (value === undefined) {
    throw new AppError(ErrorCode.UpstreamRejected, `query ${id} returned no count in ${column}`);
  }
  return value;
}

interface RunContext {
  replica: ReplicaReader;
  ev: EvidenceCollector;
  now: Date;
  clock: () => Date;
}

const ref = (name: string) => `db_query:${name}`;

async function runStaleCount(ctx: RunContext, check: DerivedCounterCheck): Promise<void> {
  const result = await ctx.replica.query(staleCountSql(check));
  const source = ctx.ev.source({ kind: "db_query", ref: ref(check.id), fetchedAt: ctx.clock() });
  const row = firstRow(result);
  const stale = requireCount(row, "stale_count", check.id);
  const total = requireCount(row, "total_count", check.id);
  const recomputed = `count(${check.source.table}${check.source.where ? ` where ${check.source.where}` : ""})`;
  ctx.ev.finding({
    fact: `${stale} of ${total} ${check.table} rows have a ${check.counter} that disagrees with ${recomputed}`,
    source,
  });
  if (stale > 0) {
    const since = await staleSince(ctx, check);
    ctx.ev.signal({
      source,
      kind: "stale_derived_rows",
      table: check.table,
      staleCount: stale,
      totalCount: total,
      ...(since ? { oldestStaleAt: since } : {}),
      proposedCorrection: { statement: correctionSql(check), affectsRows: stale },
    });
  } else {
    ctx.ev.signal({ source, kind: "derived_rows_consistent", table: check.table });
  }
}

/** When the oldest drift began, or undefined (no changed column, or the read failed: a gap). */
async function staleSince(
  ctx: RunContext,
  check: DerivedCounterCheck,
): Promise<string | undefined> {
  const statement = staleSinceSql(check);
  if (!statement) return undefined;
  try {
    const row = firstRow(await ctx.replica.query(statement));
    const at = asTimestamp(row?.oldest_stale_at);
    if (!at) return undefined;
    const source = ctx.ev.source({
      kind: "db_query",
      ref: ref(`${check.id}-since`),
      fetchedAt: ctx.clock(),
    });
    ctx.ev.finding({ fact: `the oldest stale ${check.table} row drifted at ${at}`, source });
    return at;
  } catch {
    ctx.ev.gap({
      what: `when ${check.table}.${check.counter} began to drift is unknown (query failed)`,
      confidenceImpact: 5,
    });
    return undefined;
  }
}

/** The reporter's own case: the counter they see against the recomputed count. */
async function runEntityCount(
  ctx: RunContext,
  check: DerivedCounterCheck,
  entity: string,
): Promise<void> {
  const result = await ctx.replica.query(entityCountSql(check, entity));
  const source = ctx.ev.source({
    kind: "db_query",
    ref: ref(`${check.id}/ticket-entity`),
    fetchedAt: ctx.clock(),
  });
  const values = firstRow(result);
  if (!values) {
    ctx.ev.finding({ fact: `${entity} (named in the ticket) is not in ${check.table}`, source });
    return;
  }
  const displayed = requireCount(values, "displayed", check.id);
  const computed = requireCount(values, "computed", check.id);
  ctx.ev.finding({
    fact: `${entity} (named in the ticket): ${check.counter} is ${displayed}, the recomputed count is ${computed}`,
    source,
  });
  if (displayed !== computed) {
    ctx.ev.signal({
      source,
      kind: "count_mismatch",
      subject: `${check.subject} of ${entity}`,
      displayed,
      computed,
    });
  }
}

async function runNullPrecondition(ctx: RunContext, check: NullPreconditionCheck): Promise<void> {
  const result = await ctx.replica.query(nullPreconditionSql(check, ctx.now));
  const source = ctx.ev.source({ kind: "db_query", ref: ref(check.id), fetchedAt: ctx.clock() });
  const row = firstRow(result);
  const recentNull = requireCount(row, "recent_null", check.id);
  const recentTotal = requireCount(row, "recent_total", check.id);
  const nullTotal = requireCount(row, "null_total", check.id);
  const first = asTimestamp(row?.first_at);
  const last = asTimestamp(row?.last_at);
  const window = `created in the last ${check.lookbackHours} h`;
  ctx.ev.finding({
    fact:
      `${recentNull} of ${recentTotal} ${check.table} ${window} have ${check.column} IS NULL` +
      (first ? `, the first at ${first}${last ? ` and the latest at ${last}` : ""}` : "") +
      `; ${nullTotal} in all`,
    source,
  });
  ctx.ev.signal({
    source,
    kind: "data_precondition",
    table: check.table,
    condition: `${check.column} IS NULL (${window})`,
    rowCount: recentNull,
  });
}

async function runAggregate(ctx: RunContext, check: AggregateCheck): Promise<void> {
  const result = await ctx.replica.query(check.sql);
  const source = ctx.ev.source({ kind: "db_query", ref: ref(check.id), fetchedAt: ctx.clock() });
  const row = firstRow(result);
  if (!row || result.rowCount !== 1) {
    ctx.ev.gap({
      what: `query ${check.id} did not return one aggregate row: not reported`,
      confidenceImpact: 5,
    });
    return;
  }
  const parts: string[] = [];
  for (const [column, value] of Object.entries(row)) {
    const count = asCount(value);
    const at = count === undefined ? asTimestamp(value) : undefined;
    if (value === null) parts.push(`${column} none`);
    else if (count !== undefined) parts.push(`${column} ${count}`);
    else if (at !== undefined) parts.push(`${column} ${at}`);
    else {
      // A text value could be row content: withhold the whole result.
      ctx.ev.gap({
        what: `query ${check.id} returned a non-aggregate value in ${column}: withheld`,
        confidenceImpact: 5,
      });
      return;
    }
  }
  ctx.ev.finding({ fact: `${check.describes}: ${parts.join(", ")}`, source });
}

function stepsOf(ctx: RunContext, check: DbCheck, ticket: TicketContext): Check[] {
  const what = `db query ${check.id}`;
  const impact = IMPACT[check.kind];
  switch (check.kind) {
    case "derived_counter":
      return [
        { what, confidenceImpact: impact, run: () => runStaleCount(ctx, check) },
        ...ticketEntities(check, ticket).map((entity) => ({
          what: `db query ${check.id}/ticket-entity for ${entity}`,
          confidenceImpact: 5,
          run: () => runEntityCount(ctx, check, entity),
        })),
      ];
    case "null_precondition":
      return [{ what, confidenceImpact: impact, run: () => runNullPrecondition(ctx, check) }];
    case "aggregate":
      return [{ what, confidenceImpact: impact, run: () => runAggregate(ctx, check) }];
    default: {
      const never: never = check;
      throw new Error(`unknown db check ${JSON.stringify(never)}`);
    }
  }
}

export function createDbSpecialist(options: DbSpecialistOptions = {}): Specialist {
  const checks = validateChecks(options.checks ?? []);
  const timeoutMs = options.timeoutMs ?? 30_000;

  return {
    id: "db",
    phase: "evidence",
    needs: ["replica"],
    timeoutMs,

    appliesTo(ticket, tools, hints) {
      const { selected, skipped, bySymptomOnly } = checksFor(checks, ticket, hints);
      const replica = tools.some((t) => t.connector === "db" && t.status === "available");
      if (selected.length === 0 && skipped.length > 0 && replica) {
        // Run to record the gap (and the generic checks on quoted ids), never required.
        return {
          applies: true,
          required: false,
          reason: `declared data checks ${named(skipped)} match the ticket, but the run's service is unresolved and they are not one service's: not run`,
        };
      }
      if (selected.length === 0) {
        // The schema-generic checks: only for a ticket that quotes record ids, and only
        // where a replica is connected (a world without one is not missing evidence).
        const ids = ticketRecordIds(ticket);
        if (ids.length > 0 && replica) {
          return {
            applies: true,
            required: false,
            reason: `the ticket quotes record ids (${ids.length}): duplicate, stuck-state, missing-row and counter checks on the replica`,
          };
        }
        const names = ticketNamedValues(ticket);
        if (names.length > 0 && replica) {
          return {
            applies: true,
            required: false,
            reason: `the ticket names values in words (${names.length}): recent edits of the small-table rows they name, and what the rows referring to them did since`,
          };
        }
        return {
          applies: false,
          required: false,
          reason: "no declared data check of the run's service matches the ticket's symptoms",
        };
      }
      // Only the replica proves stale derived rows: the data-defect class requires it.
      const required = selected.some((s) => s.check.kind === "derived_counter");
      return {
        applies: true,
        required,
        reason:
          selected.map((s) => `${s.check.id}: ${s.why}`).join("; ") +
          (bySymptomOnly ? ` (service unresolved: only ${bySymptomOnly}'s checks match)` : ""),
      };
    },

    question(ticket) {
      return `What do aggregate checks on the read replica show for ${ticket.snapshot.ticketKey} (stale derived rows, counts, data preconditions)?`;
    },

    async run(input) {
      const clock = runClock(input.now);
      const signal = deadlineSignal(input);
      const ev = new EvidenceCollector({
        specialistId: "db",
        question: input.question,
        at: input.now,
        deadlineMs: timeoutMs,
        rules: CHECK_RULES,
      });
      const replica = input.tools.replica;
      if (!replica) return ev.skipped("no replica reader: the db connector is absent");
      const { selected, skipped, bySymptomOnly } = checksFor(checks, input.ticket, input.hints);
      const ids = ticketRecordIds(input.ticket);
      const names = selected.length === 0 ? ticketNamedValues(input.ticket) : [];
      if (selected.length === 0 && skipped.length === 0 && ids.length === 0 && names.length === 0) {
        return ev.skipped(
          "no declared data check of the run's service matches the ticket's symptoms",
        );
      }
      if (skipped.length > 0) {
        ev.gap({
          what: `declared data checks ${named(skipped)} match the ticket but were not run: the run's service is unresolved and the checks are not one service's`,
          confidenceImpact: UNRESOLVED_CHECK_IMPACT,
        });
      }
      if (bySymptomOnly) {
        ev.readService(bySymptomOnly);
        // The unresolved service is already charged by the service resolution (scope.ts):
        // recorded so the handoff says whose checks ran and why, not charged twice.
        ev.gap({
          what: `the run's service is unresolved: declared data checks ${named(selected)} ran because only ${bySymptomOnly}'s checks match the ticket's symptoms`,
          confidenceImpact: 0,
        });
      }
      const ctx: RunContext = { replica, ev, now: input.now, clock };
      // One at a time: the replica serves production reads, and the pool is small.
      const steps = selected.flatMap(({ check }) => stepsOf(ctx, check, input.ticket));
      if (selected.length === 0 && ids.length > 0) {
        steps.push({
          what: "db generic data-state checks (duplicates, stuck states, missing rows, counters) on the ticket's records",
          confidenceImpact: 10,
          run: () => runGenericChecks(ctx, ids),
        });
      }
      if (names.length > 0) {
        steps.push({
          what: "db reference-edit read (recent edits of the small-table rows the ticket names, and the rows referring to them)",
          confidenceImpact: REFERENCE_EDIT_IMPACT,
          run: async () => checkReferenceEdits(ctx, (await discoverTables(replica)).tables, names),
        });
      }
      for (const step of steps) {
        if (signal.aborted) break;
        await ev.check(step, signal);
      }
      const stale = ev.signals.some((s) => s.kind === "stale_derived_rows");
      return ev.finish(
        signal,
        stale ? "the write path that stopped updating the derived rows (release diff)" : undefined,
      );
    },
  };
}

/** With no declared checks (schema-generic checks only): src/compose passes the catalog's. */
const db: Specialist = createDbSpecialist();
export default db;
