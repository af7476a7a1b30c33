import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import {
  createGuardedReplica,
  type GuardedReplica,
  type ReadOnlyQueryOptions,
  runReadOnlyQuery,
} from "../../src/safety/replica.ts";
import { ALLOWED_CASES, CASES_SCHEMA } from "../../src/safety/sql-guard.cases.ts";
import { checkSql } from "../../src/safety/sql-guard.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";

const OPTIONS: ReadOnlyQueryOptions = {
  statementTimeoutMs: 5_000,
  lockTimeoutMs: 1_000,
  idleTimeoutMs: 10_000,
  rowCap: 200,
};

function urlAs(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  return u.toString();
}

async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

describe("read-replica reader", () => {
  let t: TestDb;
  let admin: postgres.Sql;
  let readOnlyRole: string;
  const readers: GuardedReplica[] = [];

  function reader(options: Partial<ReadOnlyQueryOptions> = {}, user = readOnlyRole) {
    const r = createGuardedReplica(urlAs(t.url, user), { ...OPTIONS, ...options });
    readers.push(r);
    return r;
  }

  beforeEach(async () => {
    t = await createTestDb();
    admin = postgres(t.url, { max: 2, onnotice: () => {} });
    await admin.unsafe(CASES_SCHEMA);
    // The first layer: a login role that can only SELECT, as production would have.
    readOnlyRole = `prode_ro_${randomBytes(4).toString("hex")}`;
    await admin.unsafe(`
      create role ${readOnlyRole} login;
      grant connect on database "${t.name}" to ${readOnlyRole};
      grant usage on schema public to ${readOnlyRole};
      grant select on all tables in schema public to ${readOnlyRole};`);
  });

  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.close()));
    await admin.end();
    await t.drop();
    const cluster = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      await cluster.unsafe(`drop role if exists ${readOnlyRole}`);
    } finally {
      await cluster.end();
    }
  });

  it("runs every statement the guard allows in a real READ ONLY transaction", async () => {
    const r = reader();
    const failures: string[] = [];
    for (const { sql } of ALLOWED_CASES) {
      expect(await checkSql(sql)).toMatchObject({ allowed: true });
      try {
        const result = await r.query(sql);
        expect(result.rowCount).toBe(result.rows.length);
        expect(result.rowCount).toBeLessThanOrEqual(OPTIONS.rowCap);
        if (result.rows.length > 0) expect(result.rows[0]).toHaveLength(result.columns.length);
      } catch (error) {
        failures.push(`${sql}\n  → ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("returns columns with type oids and rows as arrays, so duplicate names survive", async () => {
    const result = await reader().query(
      "select id, name, id as id from users where id <= 2 order by id limit 5",
    );
    expect(result.columns).toEqual([
      { name: "id", typeOid: 20 },
      { name: "name", typeOid: 25 },
      { name: "id", typeOid: 20 },
    ]);
    expect(result.rows).toEqual([
      ["1", "Alice", "1"],
      ["2", "Bob", "2"],
    ]);
    expect(result).toMatchObject({ rowCount: 2, truncated: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("stops at the row cap and reports the result as truncated", async () => {
    const client = postgres(urlAs(t.url, readOnlyRole), { max: 1, prepare: false });
    try {
      const options = { ...OPTIONS, rowCap: 2 };
      const capped = await runReadOnlyQuery(
        client,
        "select x from generate_series(1, 1000) as g(x) order by x limit 1000",
        options,
      );
      expect(capped).toMatchObject({ rowCount: 2, truncated: true, rows: [[1], [2]] });
      const exact = await runReadOnlyQuery(
        client,
        "select id from users order by id limit 2",
        options,
      );
      expect(exact).toMatchObject({ rowCount: 2, truncated: false });
    } finally {
      await client.end();
    }
  });

  it("reports a query past statement_timeout as a Timeout, and the reader keeps working", async () => {
    await admin.unsafe(`insert into onboarding_steps (id, user_id, step)
      select 100 + g, 1, 'bulk' from generate_series(1, 20000) g;
      analyze onboarding_steps`);
    // The plan ceilings would refuse this join before it runs; lift them to reach the timeout.
    const r = reader({ statementTimeoutMs: 50, maxPlanCost: 1e12, maxPlanRows: 1e12 });
    const started = Date.now();
    const error = await expectAppError(
      r.query("select count(*) from onboarding_steps a join onboarding_steps b on a.id < b.id"),
      ErrorCode.Timeout,
    );
    expect(error.message).toContain("statement_timeout (50 ms)");
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await r.query("select count(*) from users")).rows).toEqual([["3"]]);
  });

  it("reports the plan's cost and row estimates, and refuses above the configured ceiling", async () => {
    // An expensive statement the guard allows is refused in replica-ceilings.int.test.ts.
    const r = reader();
    const cheap = await r.query("select count(*) from users");
    expect(cheap.planCost).toBeGreaterThan(0);
    expect(cheap.planCost).toBeLessThan(1_000);
    // The ceiling is the reader's option.
    await expectAppError(
      reader({ maxPlanCost: 0.001 }).query("select count(*) from users"),
      ErrorCode.SqlRefused,
    );
  });

  it("cuts a cell above maxCellBytes to the cap with a marker naming its size", async () => {
    await admin.unsafe(`insert into users (id, email, name, status, created_at)
      values (100, 'big@example.com', repeat('é', 20000), 'active', now())`);
    const result = await reader({ maxCellBytes: 1_024 }).query(
      "select id, name, status from users where id >= 100 order by id limit 5",
    );
    expect(result.rowCount).toBe(1);
    const [id, name, status] = result.rows[0] as [string, string, string];
    expect(id).toBe("100");
    expect(status).toBe("active");
    expect(name).toMatch(/^é+…\[truncated by prode: 40000 bytes, cell cap 1024\]$/);
    expect(Buffer.byteLength(name.slice(0, name.indexOf("…")))).toBeLessThanOrEqual(1_024);
    expect(result).toMatchObject({ cellsTruncated: 1, truncated: false });
  });

  it("stops at maxResultBytes and reports the result as truncated by bytes", async () => {
    await admin.unsafe(`insert into users (id, email, name, status, created_at)
      select 1000 + g, 'u' || g || '@example.com', repeat('x', 1000), 'active', now()
      from generate_series(1, 60) g`);
    const result = await reader({ maxResultBytes: 10_000 }).query(
      "select name from users where id > 1000 order by id limit 60",
    );
    expect(result).toMatchObject({ truncated: true, truncatedBy: "bytes", cellsTruncated: 0 });
    expect(result.rowCount).toBe(10);
    expect(result.bytes).toBeLessThanOrEqual(10_000);
    const byRows = await reader({ rowCap: 5 }).query(
      "select name from users where id > 1000 order by id limit 60",
    );
    expect(byRows).toMatchObject({ rowCount: 5, truncated: true, truncatedBy: "rows" });
  });

  it("refuses the issue 18 attacks before the replica sees them, even for a superuser", async () => {
    const r = reader({}, "postgres");
    for (const sql of [
      "select query from pg_stat_activity limit 10",
      "select rolname from pg_roles limit 10",
      "select jsonb_build_array((select email from users order by id limit 1), (select email from users order by id offset 1 limit 1))",
      "with recursive r(n) as (select 1 union all select n + 1 from r) select n from r limit 1",
      "select count(*) from users where name ~ '(a+)+$'",
    ]) {
      await expectAppError(r.query(sql), ErrorCode.SqlRefused);
    }
  });

  it("gives up behind a lock after lock_timeout, as a retryable Timeout", async () => {
    const holder = await admin.reserve();
    try {
      await holder.unsafe("begin; lock table account_balances in access exclusive mode");
      const error = await expectAppError(
        reader({ lockTimeoutMs: 100 }).query("select count(*) from account_balances"),
        ErrorCode.Timeout,
      );
      expect(error.retryable).toBe(true);
    } finally {
      await holder.unsafe("rollback");
      holder.release();
    }
  });

  it("never sends a refused statement: the sequence does not move, no lock is taken", async () => {
    // The superuser reader proves it is the guard, not the role, that stops these.
    const r = reader({}, "postgres");
    const refused = await expectAppError(
      r.query("select nextval('invoice_seq')"),
      ErrorCode.SqlRefused,
    );
    expect(refused.message).toContain("function nextval is not allowed");
    await expectAppError(r.query("select pg_advisory_lock(42)"), ErrorCode.SqlRefused);
    await expectAppError(r.query("select id from users limit 1 for update"), ErrorCode.SqlRefused);
    const [seq] = await admin`select is_called from invoice_seq`;
    expect(seq?.is_called).toBe(false);
    const locks = await admin`select count(*)::int as n from pg_locks where locktype = 'advisory'`;
    expect(locks[0]?.n).toBe(0);
  });

  it("turns a column or table the replica lacks into NotFound, other statement errors into BadInput", async () => {
    const column = await expectAppError(
      reader().query("select nope from users limit 1"),
      ErrorCode.NotFound,
    );
    expect(column.message).toContain('column "nope" does not exist');
    const table = await expectAppError(
      reader().query("select count(*) from nowhere"),
      ErrorCode.NotFound,
    );
    expect(table.message).toContain('relation "nowhere" does not exist');
    await expectAppError(reader().query("select count(*) / 0 from users"), ErrorCode.BadInput);
  });

  it("forces standard_conforming_strings on, so the server lexes strings as the guard did", async () => {
    await admin.unsafe(`alter role ${readOnlyRole} set standard_conforming_strings = off`);
    // With the setting off, the server would read \' as an escaped quote and the literal
    // below would run on into the rest of the statement.
    const result = await reader().query("select 'a\\' as s");
    expect(result.rows).toEqual([["a\\"]]);
  });

  it("probes a SELECT-only role as safe and read-only", async () => {
    const probe = await reader().probe();
    expect(probe).toMatchObject({
      role: readOnlyRole,
      transactionReadOnly: true,
      defaultTransactionReadOnly: true,
      inRecovery: false,
      superuser: false,
      roleAttributes: [],
      writePrivileges: [],
      writeCapableRoles: [],
      overloads: [],
      hasWriteAccess: false,
    });
    expect(probe.serverVersion).toMatch(/^\d+/);
  });

  it("probes write privileges, superuser and user-defined overloads of allowlisted names", async () => {
    await admin.unsafe(`
      grant insert, update on users to ${readOnlyRole};
      grant usage on sequence invoice_seq to ${readOnlyRole};
      create function public.lower(integer) returns integer language sql as 'select $1';`);
    const probe = await reader().probe();
    expect(probe.writePrivileges).toEqual([
      "public.invoice_seq: USAGE",
      "public.users: INSERT,UPDATE",
    ]);
    expect(probe.overloads).toEqual(["function public.lower"]);
    expect(probe.hasWriteAccess).toBe(true);

    const superuser = await reader({}, "postgres").probe();
    expect(superuser).toMatchObject({ superuser: true, hasWriteAccess: true });
    expect(superuser.writePrivileges.length).toBeGreaterThan(0);
  });

  it("refuses invalid timeouts and row caps when the reader is created", () => {
    expect(() => createGuardedReplica(t.url, { ...OPTIONS, statementTimeoutMs: 0 })).toThrow(
      /statementTimeoutMs/,
    );
    expect(() => createGuardedReplica(t.url, { ...OPTIONS, rowCap: 1_000_000 })).toThrow(/rowCap/);
    expect(() => createGuardedReplica(t.url, { ...OPTIONS, maxCellBytes: 0 })).toThrow(
      /maxCellBytes/,
    );
    expect(() => createGuardedReplica(t.url, { ...OPTIONS, maxPlanCost: -1 })).toThrow(
      /maxPlanCost/,
    );
  });
});
