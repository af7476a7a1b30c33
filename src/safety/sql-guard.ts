import { loadModule, parseSync } from "libpg-query";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { MAX_SERIES_ROWS } from "./sql-guard-allowlists.ts";
import { MAX_SCALAR_SUBQUERIES, MAX_VALUE_SUBQUERIES } from "./sql-guard-folding.ts";
import { checkSensitiveColumns } from "./sql-guard-sensitive.ts";
import { isPureAggregate } from "./sql-guard-shape.ts";
import { statementVerb } from "./sql-guard-statements.ts";
import { type JsonObject, SqlRefusal, walkSelect } from "./sql-guard-walk.ts";

export { isPureAggregate } from "./sql-guard-shape.ts";

/**
 * The SQL guard for the production read replica (DESIGN.md, Invariant 3): the second of
 * three layers (SELECT-only role → this guard → READ ONLY transaction with timeouts).
 *
 * A statement is parsed by the real Postgres parser (libpg-query) and allowed only if it
 * is ONE plain SELECT:
 * - no SELECT INTO, no FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE at any level, no
 *   INSERT/UPDATE/DELETE/MERGE inside WITH;
 * - no `*` anywhere (`SELECT *`, `t.*`, `(t).*`, `count(t.*)`), no `TABLE x`, and no
 *   whole-row reference (`SELECT u FROM users u`, `to_jsonb(u)`): name the columns. A
 *   bare column that shares its name with a table or alias in the statement is refused
 *   too (the parse tree cannot tell the two apart); qualify it (`t.status`);
 * - only allowlisted functions, operators, cast types and syntax nodes
 *   (sql-guard-allowlists.ts), unqualified or qualified with exactly `pg_catalog`;
 * - system catalogs only from an allowlist (sql-guard-catalogs.ts), without their
 *   sensitive columns (`pg_stat_activity.query`); pg_authid, pg_roles, pg_proc,
 *   pg_stat_statements, pg_settings … refused;
 * - nothing that folds rows into one cell or one row past the row cap
 *   (sql-guard-folding.ts), and no CPU burner the text shows: regexps with nested
 *   quantifiers or non-literal patterns (sql-guard-regex*.ts), series whose rows
 *   cannot be counted (sql-guard-series.ts), growing replace() calls, series whose
 *   product is above the series cap, cartesian products of tables and more than 8
 *   relations in one FROM (sql-guard-products.ts);
 * - no credential, secret or personal-data column (by name) read out as a value: in a
 *   result column or inside min/max/string functions; counted or compared is fine
 *   (sql-guard-sensitive.ts);
 * - a LIMIT that is an integer literal ≤ `maxLimit` (an OFFSET, if any, an integer
 *   literal too; FETCH … WITH TIES refused) — unless the result is a *pure aggregate*,
 *   which returns at most one row: a non-set-operation SELECT with no GROUP BY, no
 *   VALUES, at least one target, no window function and no set-returning function in
 *   its targets, no column referenced outside an aggregate, and either no FROM (all
 *   targets constant: `SELECT now()`) or an aggregate in the targets or HAVING
 *   (`SELECT count(*) FROM users`). A GROUP BY query needs a LIMIT.
 *
 * Decisions the issue left open:
 * - pg_sleep is refused outright: triage never needs to wait, and a sleeping query holds
 *   one of the replica reader's few connections.
 * - current_setting is refused: custom settings (`app.jwt_secret`) can hold secrets.
 * - generate_series: at most 100,000 rows, counted from numeric literal bounds, or from
 *   time bounds that differ by literal intervals with a literal interval step.
 * - casts: only to built-in scalar types, plus regclass/regtype (read-only name lookups,
 *   needed for `tableoid::regclass`); other reg* types and user-defined types refused.
 * - system columns (ctid, xmin, …) are allowed: read-only metadata.
 * - WITH RECURSIVE is refused (issue 18): a recursive CTE concatenated every id into one
 *   row under LIMIT 1, and one without a bound recursed until the statement timeout.
 * - SHOW, EXPLAIN (even without ANALYZE), ARRAY(subquery), array_agg/string_agg/json_agg
 *   (they fold rows into one cell, bypassing the row cap), XML and SQL/JSON functions,
 *   parameters ($1), column definition lists, cross-database names: refused.
 *
 * What the parse tree cannot show — a user-defined overload of an allowlisted name or
 * operator symbol — is reported by the replica reader's probe (replica.ts); what it
 * cannot bound — a join whose condition does not narrow it, a giant stored value — is
 * stopped by the reader's EXPLAIN cost and row ceilings and byte caps (replica-limits.ts).
 */

type SqlCheck = { allowed: true; normalized: string } | { allowed: false; reason: string };

interface SqlGuardOptions {
  /** The largest LIMIT a statement may ask for. Default {@link DEFAULT_MAX_LIMIT}. */
  maxLimit?: number;
}

const DEFAULT_MAX_LIMIT = 1000;
/** Longer statements are refused before parsing: no triage query needs 100 kB. */
const MAX_SQL_LENGTH = 100_000;

const TOO_DEEP = "statement is too deeply nested";

let loaded: Promise<void> | undefined;
let ready = false;

/** Loads the parser's WASM module once; {@link checkSql} calls it for you. */
export function loadSqlGuard(): Promise<void> {
  loaded ??= loadModule().then(() => {
    ready = true;
  });
  return loaded;
}

/** Checks one statement; see the module comment for exactly what is allowed. */
export async function checkSql(sql: string, options: SqlGuardOptions = {}): Promise<SqlCheck> {
  if (!ready) await loadSqlGuard();
  return checkSqlSync(sql, options);
}

/** {@link checkSql} without the await, for hot loops; call {@link loadSqlGuard} first. */
export function checkSqlSync(sql: string, options: SqlGuardOptions = {}): SqlCheck {
  if (!ready) throw new AppError(ErrorCode.Internal, "call loadSqlGuard() before checkSqlSync()");
  if (sql.length > MAX_SQL_LENGTH) {
    return { allowed: false, reason: `statement is too long (over ${MAX_SQL_LENGTH} characters)` };
  }
  if (sql.trim() === "") return { allowed: false, reason: "empty statement" };
  let tree: { stmts?: Array<{ stmt?: JsonObject; stmt_location?: number; stmt_len?: number }> };
  try {
    tree = parseSync(sql) as typeof tree;
  } catch (error) {
    // The parser's JSON can be too deep for JSON.parse's recursion.
    if (error instanceof RangeError) return { allowed: false, reason: TOO_DEEP };
    return { allowed: false, reason: error instanceof Error ? error.message : String(error) };
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length === 0) return { allowed: false, reason: "empty statement" };
  if (stmts.length > 1) {
    return {
      allowed: false,
      reason: `multiple statements are not allowed (found ${stmts.length})`,
    };
  }
  const [raw] = stmts;
  const stmt = raw?.stmt ?? {};
  const type = Object.keys(stmt)[0] ?? "unknown";
  const body = (stmt[type] ?? {}) as JsonObject;
  if (type !== "SelectStmt") {
    return {
      allowed: false,
      reason: `${statementVerb(type, body)} is not allowed: only a single SELECT statement`,
    };
  }
  try {
    const facts = walkSelect(body);
    for (const column of facts.bareColumnRefs) {
      if (facts.relationNames.has(column)) {
        return {
          allowed: false,
          reason: `whole-row reference ${column} is not allowed: name the columns (qualify a column that shares a table's name)`,
        };
      }
    }
    for (const column of facts.columnNames) {
      const forbidden = facts.forbiddenColumns.get(column);
      if (forbidden) return { allowed: false, reason: forbidden };
    }
    if (facts.scalarSubqueries > MAX_SCALAR_SUBQUERIES) {
      return {
        allowed: false,
        reason: `more than ${MAX_SCALAR_SUBQUERIES} scalar subqueries are not allowed: side by side they fold many rows into one`,
      };
    }
    if (facts.valueSubqueries > MAX_VALUE_SUBQUERIES) {
      return {
        allowed: false,
        reason: `more than ${MAX_VALUE_SUBQUERIES} scalar subqueries that return a row's value are not allowed: each picks one row, together they fold rows past the row cap`,
      };
    }
    if (facts.seriesRows > MAX_SERIES_ROWS) {
      return {
        allowed: false,
        reason: `generate_series calls that multiply to ${facts.seriesRows} rows are not allowed (at most ${MAX_SERIES_ROWS} in one statement)`,
      };
    }
    const limitProblem = checkLimit(body, options.maxLimit ?? DEFAULT_MAX_LIMIT);
    if (limitProblem) return { allowed: false, reason: limitProblem };
    checkSensitiveColumns(body);
  } catch (error) {
    if (error instanceof SqlRefusal) return { allowed: false, reason: error.reason };
    // A parse tree deep enough to overflow the walk is not a triage query.
    if (error instanceof RangeError) return { allowed: false, reason: TOO_DEEP };
    throw error;
  }
  return { allowed: true, normalized: statementText(sql, raw?.stmt_location, raw?.stmt_len) };
}

/**
 * The statement's own text (no trailing semicolon), cut with the parser's byte offsets:
 * the replica executes exactly what was checked.
 */
function statementText(sql: string, location = 0, length = 0): string {
  const bytes = Buffer.from(sql, "utf8");
  const end = length > 0 ? location + length : bytes.length;
  return bytes.toString("utf8", location, end).trim();
}

type LimitValue = { kind: "none" } | { kind: "integer"; value: bigint } | { kind: "other" };

function readLimit(node: unknown): LimitValue {
  if (node === undefined || node === null) return { kind: "none" };
  const c = (node as { A_Const?: JsonObject }).A_Const;
  if (!c) return { kind: "other" };
  if (c.isnull) return { kind: "none" }; // LIMIT ALL, LIMIT NULL
  const ival = c.ival as { ival?: number } | undefined;
  if (ival) return { kind: "integer", value: BigInt(ival.ival ?? 0) };
  const fval = (c.fval as { fval?: string } | undefined)?.fval;
  if (fval !== undefined && /^-?\d+$/.test(fval)) return { kind: "integer", value: BigInt(fval) };
  return { kind: "other" };
}

function checkLimit(select: JsonObject, maxLimit: number): string | undefined {
  if (select.limitOption === "LIMIT_OPTION_WITH_TIES") {
    return "FETCH ... WITH TIES is not allowed: it can return more rows than the limit";
  }
  const offset = readLimit(select.limitOffset);
  if (offset.kind === "other") return "OFFSET must be an integer literal";
  if (offset.kind === "integer" && offset.value < 0n) return "OFFSET must not be negative";
  const limit = readLimit(select.limitCount);
  if (limit.kind === "other") return "LIMIT must be an integer literal";
  if (limit.kind === "none") {
    return isPureAggregate(select)
      ? undefined
      : `a LIMIT of at most ${maxLimit} is required (only a pure aggregate may omit it)`;
  }
  if (limit.value < 0n) return "LIMIT must not be negative";
  if (limit.value > BigInt(maxLimit)) return `LIMIT ${limit.value} exceeds the cap of ${maxLimit}`;
  return undefined;
}
