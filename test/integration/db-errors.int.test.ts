import { sql } from "drizzle-orm";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { runs } from "../../src/db/schema.ts";
import { param, statement } from "../../src/db/statement.ts";
import { AppError, asAppError, ErrorCode, withoutStatement } from "../../src/domain/errors.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { type TestDb, useTestDb } from "../setup/db.ts";

/**
 * Errors as the real drivers throw them (drizzle's DrizzleQueryError around a postgres.js
 * error), produced against the real Postgres: classification walks the cause chain, and
 * nothing stored or logged carries the statement or its parameters (issue 17.4, 18.6).
 */
describe("database errors as drizzle and postgres.js throw them", () => {
  let t: TestDb;
  useTestDb((db) => {
    t = db;
  });

  async function thrownBy(work: () => Promise<unknown>): Promise<unknown> {
    try {
      await work();
    } catch (error) {
      return error;
    }
    throw new Error("expected the statement to fail");
  }

  it("a connection terminated by the server mid-session is retryable", async () => {
    const error = await thrownBy(() =>
      t.db.execute(sql`select pg_terminate_backend(pg_backend_pid()), ${"ticket-secret"}::text`),
    );
    // The real shape: the code sits on the cause, not on the error drizzle throws.
    expect((error as { code?: unknown }).code).toBeUndefined();
    const app = asAppError(error);
    expect(app.retryable).toBe(true);
    expect(app.code).toBe(ErrorCode.Internal);
    expect(app.message).not.toContain("ticket-secret");
    expect(app.message).not.toContain("pg_terminate_backend");
    // The pool recovers: the next statement gets a fresh connection.
    await t.db.execute(sql`select 1`);
  });

  it("a write on a connection whose backend died rejects instead of crashing the process", async () => {
    // postgres.js defers small writes with setImmediate; when the socket is already gone the
    // unpatched driver throws from the timer: an uncaught TypeError that ends the process
    // (porsager/postgres #1154, #1208). patches/postgres+*.patch settles the query instead.
    const client = postgres(t.url, { max: 1, onnotice: () => {} });
    const admin = postgres(t.url, { max: 1, onnotice: () => {} });
    try {
      const reserved = await client.reserve();
      const [row] = await reserved`select pg_backend_pid() as pid`;
      await admin`select pg_terminate_backend(${row?.pid})`;
      await new Promise((resolve) => setTimeout(resolve, 300));
      const error = await thrownBy(() => reserved`select ${"after the backend died"}::text`);
      expect((error as { code?: unknown }).code).toBe("CONNECTION_CLOSED");
      expect(asAppError(error).retryable).toBe(true);
      reserved.release();
    } finally {
      await client.end({ timeout: 1 });
      await admin.end({ timeout: 1 });
    }
  });

  it("a serialization failure and a deadlock are retryable; a constraint violation is not", async () => {
    const serialization = await thrownBy(() =>
      t.db.execute(
        sql`do $$ begin raise exception 'conflict' using errcode = 'serialization_failure'; end $$`,
      ),
    );
    expect(asAppError(serialization).retryable).toBe(true);
    const deadlock = await thrownBy(() =>
      t.db.execute(
        sql`do $$ begin raise exception 'victim' using errcode = 'deadlock_detected'; end $$`,
      ),
    );
    expect(asAppError(deadlock).retryable).toBe(true);
    const shutdown = await thrownBy(() =>
      t.db.execute(sql`do $$ begin raise exception 'bye' using errcode = 'admin_shutdown'; end $$`),
    );
    expect(asAppError(shutdown).retryable).toBe(true);
    const division = await thrownBy(() => t.db.execute(sql`select 1 / ${0}::int`));
    expect(asAppError(division).retryable).toBe(false);
  });

  it("a failed statement keeps its code, table and constraint, and drops the statement and its parameters", async () => {
    // A NUL in a ticket's text: Postgres refuses it (issue 18.6's 5 KB dump in runs.error).
    const ticket = `ENG-1 ${"description ".repeat(400)}\u0000 contact: alice@example.com`;
    const error = await thrownBy(() =>
      t.db.insert(runs).values({ id: "run-PARAM", ticket, phase: "QUEUED", context: {} }),
    );
    expect(String((error as Error).message)).toContain("PARAM"); // what drizzle throws
    const app = asAppError(error);
    expect(app.message).toMatch(/^database error: /);
    expect(app.message).toMatch(/sqlstate 22\w{3}/);
    expect(app.message).not.toContain("PARAM");
    expect(app.message).not.toContain("description");
    expect(app.message).not.toMatch(/insert into/i);
    expect(app.message.length).toBeLessThan(300);
    expect(app.retryable).toBe(false);

    // A unique violation names its constraint and table, never the duplicate value.
    const row = { id: "run-DUPLICATE-VALUE", ticket: "ENG-2", phase: "QUEUED", context: {} };
    await t.db.insert(runs).values(row);
    const dup = asAppError(await thrownBy(() => t.db.insert(runs).values(row)));
    expect(dup.message).toContain("sqlstate 23505");
    expect(dup.message).toContain("table runs");
    expect(dup.message).toContain("constraint runs_pkey");
    expect(dup.message).not.toContain("DUPLICATE-VALUE");
    expect(dup.retryable).toBe(false);
  });

  it("the log line of a failed statement carries neither the statement nor its parameters", async () => {
    const error = await thrownBy(() =>
      t.db.execute(sql`select ${"PARAMETER-VALUE"}::int as wrong`),
    );
    const lines: string[] = [];
    const log = createLogger("info", {}, { write: (line: string) => lines.push(line) });
    log.error({ err: error }, "raw driver error logged");
    log.error({ err: asAppError(error) }, "converted error logged");
    log.error({ err: new AppError(ErrorCode.Internal, "wrapped", { cause: error }) }, "wrapped");
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain("PARAMETER-VALUE");
      expect(line).not.toMatch(/select \$1/i);
      expect(line).toContain("22P02");
    }
    const stored = withoutStatement(error) as Error;
    expect(stored.message).not.toContain("PARAMETER-VALUE");
    expect(stored.stack).toMatch(/\n\s+at /);
  });

  it("a prepared runner statement throws an AppError without its parameters", async () => {
    const failing = statement(() => sql`select ${param("value")}::int as n`);
    const error = await thrownBy(() => failing(t.db, { value: "PARAMETER-VALUE" }));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toContain("22P02");
    expect((error as AppError).message).not.toContain("PARAMETER-VALUE");
    expect(JSON.stringify(withoutStatement(error))).not.toContain("PARAMETER-VALUE");
  });
});
