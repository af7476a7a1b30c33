import postgres from "postgres";
import { AppError, ErrorCode, isAppError } from "../domain/errors.ts";
import { queryReplicaProbe, type ReplicaProbe } from "./replica-probe.ts";
import { checkSql } from "./sql-guard.ts";

/**
 * The only way prode reads the production database (DESIGN.md, Invariant 3). Layers:
 * 1. the connection's role should be SELECT-only — {@link GuardedReplica.probe} reports
 *    whether it is, for the tool inventory;
 * 2. every statement passes the SQL guard ({@link checkSql}) before it is sent;
 * 3. it runs in `BEGIN READ ONLY` with SET LOCAL statement_timeout, lock_timeout and
 *    idle_in_transaction_session_timeout, fetched through a portal that stops after
 *    rowCap + 1 rows, and the transaction is always rolled back.
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
  /** The statement had more rows than the cap; only the first `rowCap` are here. */
  truncated: boolean;
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
  return inReadOnlyTransaction(client, options, async (connection) => {
    const started = performance.now();
    // The portal is suspended after rowCap + 1 rows and then closed: the server never
    // produces the rest, and one extra row is enough to know there were more.
    const result = await connection
      .unsafe(check.normalized)
      .values()
      .cursor(rowCap + 1, () => client.CLOSE);
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const all = result as unknown as unknown[][];
    const rows = all.slice(0, rowCap);
    const columns = (result.columns ?? []).map((c) => ({ name: c.name, typeOid: c.type }));
    return { columns, rows, rowCount: rows.length, truncated: all.length > rowCap, durationMs };
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
