import { type Query, type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { asAppError } from "../domain/errors.ts";
import type { Db, Tx } from "./client.ts";

/**
 * Statements on the runner's hot path (lease, heartbeat, commit), built once.
 *
 * Building SQL with drizzle costs about as much node CPU per step as sending it. A
 * statement here is written with drizzle's `sql` and a named placeholder for every
 * value (`param("id")`), turned into text once, and then only executed. Both drivers
 * run it (postgres.js as a named prepared statement, ADR 0009; PGlite). It returns the
 * raw rows: snake_case keys and driver values, and throws an AppError (asAppError).
 */
type Statement = (db: Db | Tx, values: Record<string, unknown>) => Promise<RawRow[]>;
type RawRow = Record<string, unknown>;

const dialect = new PgDialect();

export const param = (name: string) => sql.placeholder(name);

export function statement(build: () => SQL): Statement {
  let query: Query | undefined;
  return async (db, values) => {
    query ??= dialect.sqlToQuery(build());
    const prepared = db._.session.prepareQuery(query, undefined, undefined, false);
    try {
      return rowsOf(await prepared.execute(values));
    } catch (error) {
      // drizzle's error carries the statement and its parameters (a ticket's text, a
      // row); what leaves here is the AppError without them, retryable when the cause is
      // (a lost connection, a deadlock), so no caller stores or logs the statement.
      throw asAppError(error);
    }
  };
}

/** The rows of a raw result: postgres.js returns an array, PGlite `{ rows }`. */
function rowsOf(result: unknown): RawRow[] {
  return ((result as { rows?: RawRow[] }).rows ?? result) as RawRow[];
}
