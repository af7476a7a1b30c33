import postgres from "postgres";
import { AppError, ErrorCode, isAppError } from "../domain/errors.ts";
import {
  DEFAULT_MAX_CELL_BYTES,
  DEFAULT_MAX_PLAN_COST,
  DEFAULT_MAX_PLAN_ROWS,
  DEFAULT_MAX_RESULT_BYTES,
  planCost,
  planMaxRows,
  ResultBudget,
} from "./replica-limits.ts";
import { queryReplicaProbe, type ReplicaProbe } from "./replica-probe.ts";
import { checkSql } from "./sql-guard.ts";

/**
 * The only way prode reads the production database (DESIGN.md, Invariant 3). Layers:
 * 1. the connection's role should be SELECT-only — {@link GuardedReplica.probe} reports
 *    whether it is, for the tool inventory;
 * 2. every statement passes the SQL guard ({@link checkSql}) before it is sent;
 * 3. it runs in `BEGIN READ ONLY` with SET LOCAL statement_timeout, lock_timeout and
 *    idle_in_transaction_session_timeout; `EXPLAIN (FORMAT JSON)` first, refused above
 *    `maxPlanCost` or with a plan node expecting more than `maxPlanRows` rows; fetched
 *    through a portal in small batches that stops after rowCap rows or `maxResultBytes`,
 *    each cell cut to `maxCellBytes` (replica-limits.ts); the transaction is always
 *    rolled back.
 *
 * The statement goes over the extended query protocol (postgres.js cursor), which the
 * server itself refuses to run with more than one command in it. The session also forces
 * standard_conforming_strings on: the guard's parser lexes `'\'` that way, and a server
 * that did not could see code where the guard saw a string literal.
 */

export interface ReadOnlyQueryOptions {
  /** SET LOCAL statement_timeout, in ms (> 0). */
  statementTimeoutMs: number;
  /** SET LOCAL lock_timeout, in ms (> 0): a read waiting behind a migration gives up. */
  lockTimeoutMs: number;
  /** SET LOCAL idle_in_transaction_session_timeout, in ms (> 0): a stalled client cannot
   * hold a snapshot (and replica conflict) open. */
  idleTimeoutMs: number;
  /** At most this many rows are returned; more sets `truncated`. */
  rowCap: number;
  /** The largest LIMIT the guard accepts; the guard's default when omitted. */
  maxLimit?: number;
  /** All returned cells together hold at most this many bytes; later rows are dropped
   * and the result is `truncated`. Default 256 KiB. */
  maxResultBytes?: number;
  /** One returned cell holds at most this many bytes; a longer one is cut and ends with
   * a marker naming its size. Default 8 KiB. */
  maxCellBytes?: number;
  /** A statement whose planned total cost (EXPLAIN) is above this is refused before it
   * runs. Default 1,000,000. */
  maxPlanCost?: number;
  /** A statement with a plan node expected to produce more rows than this (EXPLAIN) is
   * refused before it runs. Default 100,000,000. */
  maxPlanRows?: number;
}

interface ReadOnlyColumn {
  name: string;
  /** The Postgres type oid (23 = int4, 25 = text, 1184 = timestamptz, …). */
  typeOid: number;
}

interface ReadOnlyResult {
  columns: ReadOnlyColumn[];
  /** One array per row, aligned with `columns` (arrays, so duplicate names survive). */
  rows: unknown[][];
  rowCount: number;
  /** The statement had more rows than the row cap or the byte cap allowed; only the
   * first ones are here. */
  truncated: boolean;
  /** Which cap cut the rows, when `truncated`. */
  truncatedBy?: "rows" | "bytes";
  /** Cells cut to `maxCellBytes` (each ends with a "truncated by prode" marker). */
  cellsTruncated: number;
  /** Bytes of the returned cells. */
  bytes: number;
  /** The planner's total cost estimate, checked against `maxPlanCost`. */
  planCost: number;
  /** The most rows the planner expects of any plan node, checked against `maxPlanRows`. */
  planRows: number;
  durationMs: number;
}

/**
 * The guarded replica connection. It holds the connection privately: there is no method
 * that takes anything but a statement the guard must approve. Specialists never get it
 * whole: src/adapters/replica narrows it to their `ReplicaReader` port (query only).
 */
export interface GuardedReplica {
  query(statement: string): Promise<ReadOnlyResult>;
  /** Facts for the tool inventory: is this replica read-only, and how many ways. */
  probe(): Promise<ReplicaProbe>;
  close(): Promise<void>;
}

export interface GuardedReplicaOptions extends ReadOnlyQueryOptions {
  /** Pool size; a triage run needs few. Default 2. */
  maxConnections?: number;
  /** Seconds to wait for a connection. Default 10. */
  connectTimeoutS?: number;
}

export type { ReplicaProbe } from "./replica-probe.ts";

const MAX_ROW_CAP = 10_000;
/** Rows fetched per round trip: small, so the byte cap stops the portal early. */
const FETCH_BATCH = 20;

function positiveInt(name: string, value: number, max = 86_400_000): number {
  if (!Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw new AppError(ErrorCode.BadInput, `${name} must be an integer in 1..${max}`);
  }
  return value;
}

/** BEGIN READ ONLY plus the SET LOCALs, sent as one simple-protocol round trip. */
function readOnlyPrelude(options: ReadOnlyQueryOptions): string {
  const statement = positiveInt("statementTimeoutMs", options.statementTimeoutMs);
  const lock = positiveInt("lockTimeoutMs", options.lockTimeoutMs);
  const idle = positiveInt("idleTimeoutMs", options.idleTimeoutMs);
  return [
    "BEGIN READ ONLY",
    `SET LOCAL statement_timeout = ${statement}`,
    `SET LOCAL lock_timeout = ${lock}`,
    `SET LOCAL idle_in_transaction_session_timeout = ${idle}`,
    "SET LOCAL standard_conforming_strings = on",
    // pg_catalog first, so an identically-typed user function cannot shadow a built-in.
    "SELECT pg_catalog.set_config('search_path', 'pg_catalog, ' || pg_catalog.current_setting('search_path'), true)",
  ].join("; ");
}

/** Runs `work` on one reserved connection inside the read-only transaction; always rolls back. */
async function inReadOnlyTransaction<T>(
  client: postgres.Sql,
  options: ReadOnlyQueryOptions,
  work: (connection: postgres.ReservedSql) => Promise<T>,
): Promise<T> {
  const prelude = readOnlyPrelude(options);
  let connection: postgres.ReservedSql;
  try {
    connection = await client.reserve();
  } catch (error) {
    throw toAppError(error, options);
  }
  try {
    await connection.unsafe(prelude);
    return await work(connection);
  } catch (error) {
    throw toAppError(error, options);
  } finally {
    try {
      await connection.unsafe("ROLLBACK");
    } catch {
      // The session is gone (idle timeout, network); the server already rolled back.
    }
    connection.release();
  }
}

/** The result's column names and type oids (postgres.js hangs them on the row array). */
function columnsOf(result: unknown): ReadOnlyColumn[] {
  const described = (result as { columns?: postgres.ColumnList<string> } | undefined)?.columns;
  return (described ?? []).map((c) => ({ name: c.name, typeOid: c.type }));
}

/**
 * Checks `statement` with the SQL guard, then runs it read-only with the row cap.
 * A refused statement is never sent: it throws AppError(SqlRefused) with the reason.
 */
export async function runReadOnlyQuery(
  client: postgres.Sql,
  statement: string,
  options: ReadOnlyQueryOptions,
): Promise<ReadOnlyResult> {
  const rowCap = positiveInt("rowCap", options.rowCap, MAX_ROW_CAP);
  const check = await checkSql(
    statement,
    options.maxLimit === undefined ? {} : { maxLimit: options.maxLimit },
  );
  if (!check.allowed) {
    throw new AppError(ErrorCode.SqlRefused, `SQL refused: ${check.reason}`);
  }
  const maxPlanCost = options.maxPlanCost ?? DEFAULT_MAX_PLAN_COST;
  const maxPlanRows = options.maxPlanRows ?? DEFAULT_MAX_PLAN_ROWS;
  const budget = new ResultBudget({
    maxResultBytes: positiveInt(
      "maxResultBytes",
      options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
    ),
    maxCellBytes: positiveInt("maxCellBytes", options.maxCellBytes ?? DEFAULT_MAX_CELL_BYTES),
  });
  return inReadOnlyTransaction(client, options, async (connection) => {
    const started = performance.now();
    // EXPLAIN without ANALYZE plans the checked statement without running it; CPU burners
    // the guard cannot see in the text (huge joins) are refused here, before they run.
    // Inside the same READ ONLY transaction and statement_timeout as the statement itself.
    const [explained] = await connection.unsafe(`EXPLAIN (FORMAT JSON) ${check.normalized}`);
    const cost = planCost(explained);
    const planRows = planMaxRows(explained);
    if (cost === undefined || planRows === undefined) {
      throw new AppError(
        ErrorCode.SqlRefused,
        "SQL refused: the replica returned no plan estimate",
      );
    }
    if (cost > maxPlanCost) {
      throw new AppError(
        ErrorCode.SqlRefused,
        `SQL refused: the planner estimates a cost of ${Math.round(cost)}, above the ceiling of ${maxPlanCost}: narrow it (a WHERE on an indexed column, a smaller time window) or aggregate less`,
      );
    }
    if (planRows > maxPlanRows) {
      throw new AppError(
        ErrorCode.SqlRefused,
        `SQL refused: the planner expects a step of ${Math.round(planRows)} rows, above the ceiling of ${maxPlanRows}: join on a condition, narrow it (a WHERE on an indexed column) or aggregate less`,
      );
    }
    const rows: unknown[][] = [];
    let columns: ReadOnlyColumn[] = [];
    let truncatedBy: "rows" | "bytes" | undefined;
    // The portal is suspended after each batch and closed as soon as a cap is reached:
    // the server never produces the rest.
    const final = await connection
      .unsafe(check.normalized)
      .values()
      .cursor(Math.min(FETCH_BATCH, rowCap + 1), (batch) => {
        if (columns.length === 0) columns = columnsOf(batch);
        for (const row of batch as unknown as unknown[][]) {
          if (rows.length === rowCap) truncatedBy = "rows";
          const kept = truncatedBy ? undefined : budget.add(row);
          if (!kept) {
            truncatedBy ??= "bytes";
            return client.CLOSE;
          }
          rows.push(kept);
        }
        return undefined;
      });
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    if (columns.length === 0) {
      // No row arrived, so no batch carried the columns; the statement's own result does.
      columns = columnsOf(final);
    }
    return {
      columns,
      rows,
      rowCount: rows.length,
      truncated: truncatedBy !== undefined,
      ...(truncatedBy ? { truncatedBy } : {}),
      cellsTruncated: budget.cellsTruncated,
      bytes: budget.bytes,
      planCost: cost,
      planRows,
      durationMs,
    };
  });
}

const SQLSTATE = {
  queryCanceled: "57014",
  lockNotAvailable: "55P03",
  idleInTransactionTimeout: "25P03",
  readOnlyTransaction: "25006",
  insufficientPrivilege: "42501",
  undefinedTable: "42P01",
  undefinedColumn: "42703",
} as const;

function toAppError(error: unknown, options: ReadOnlyQueryOptions): AppError {
  if (isAppError(error)) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case SQLSTATE.queryCanceled:
      return new AppError(
        ErrorCode.Timeout,
        `replica query exceeded statement_timeout (${options.statementTimeoutMs} ms)`,
        { cause: error },
      );
    case SQLSTATE.lockNotAvailable:
      return new AppError(
        ErrorCode.Timeout,
        `replica query waited longer than lock_timeout (${options.lockTimeoutMs} ms) for a lock`,
        { cause: error, retryable: true },
      );
    case SQLSTATE.idleInTransactionTimeout:
      return new AppError(ErrorCode.Timeout, `replica session idle in transaction: ${message}`, {
        cause: error,
        retryable: true,
      });
    case SQLSTATE.readOnlyTransaction:
      // The guard let a write through and the READ ONLY transaction stopped it.
      return new AppError(ErrorCode.SqlRefused, `replica refused a write: ${message}`, {
        cause: error,
      });
    case SQLSTATE.insufficientPrivilege:
      return new AppError(ErrorCode.UpstreamRejected, `replica denied access: ${message}`, {
        cause: error,
      });
    // The database's "404": the replica has no table or column by that name.
    case SQLSTATE.undefinedTable:
    case SQLSTATE.undefinedColumn:
      return new AppError(ErrorCode.NotFound, `replica query failed: ${message}`, {
        cause: error,
      });
  }
  const isPostgresError = error instanceof Error && error.name === "PostgresError";
  if (isPostgresError) {
    // Division by zero, a bad cast…: the statement's fault, not the replica's.
    return new AppError(ErrorCode.BadInput, `replica query failed: ${message}`, { cause: error });
  }
  return new AppError(ErrorCode.UpstreamUnavailable, `replica unavailable: ${message}`, {
    cause: error,
    retryable: true,
  });
}

/**
 * Opens a pooled reader for the replica at `url`. Sessions start read-only with the same
 * timeouts as session defaults (belt and braces: each transaction sets them again), and
 * statements are never prepared by name (arbitrary text must not fill a statement cache).
 */
export function createGuardedReplica(url: string, options: GuardedReplicaOptions): GuardedReplica {
  readOnlyPrelude(options); // validate the timeouts now, not on the first query
  positiveInt("rowCap", options.rowCap, MAX_ROW_CAP);
  if (options.maxResultBytes !== undefined) positiveInt("maxResultBytes", options.maxResultBytes);
  if (options.maxCellBytes !== undefined) positiveInt("maxCellBytes", options.maxCellBytes);
  if (options.maxPlanCost !== undefined && !(options.maxPlanCost > 0)) {
    throw new AppError(ErrorCode.BadInput, "maxPlanCost must be a positive number");
  }
  if (options.maxPlanRows !== undefined && !(options.maxPlanRows > 0)) {
    throw new AppError(ErrorCode.BadInput, "maxPlanRows must be a positive number");
  }
  const client = postgres(url, {
    max: options.maxConnections ?? 2,
    prepare: false,
    idle_timeout: 60,
    connect_timeout: options.connectTimeoutS ?? 10,
    onnotice: () => {},
    connection: {
      application_name: "prode-replica-reader",
      default_transaction_read_only: true,
      standard_conforming_strings: "on",
      statement_timeout: options.statementTimeoutMs,
      idle_in_transaction_session_timeout: options.idleTimeoutMs,
    },
  });
  return {
    query: (statement) => runReadOnlyQuery(client, statement, options),
    probe: () => inReadOnlyTransaction(client, options, queryReplicaProbe),
    close: () => client.end({ timeout: 5 }),
  };
}
