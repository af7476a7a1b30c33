import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { type SeededReplica, seedReplica } from "../../sim/replica-seed.ts";
import { findScenario } from "../../sim/scenario.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";

let replica: SeededReplica | undefined;
let sql: postgres.Sql | undefined;

afterEach(async () => {
  await sql?.end();
  sql = undefined;
  await replica?.drop();
  replica = undefined;
});

async function adminQuery<T extends postgres.MaybeRow[]>(query: string, params: string[]) {
  const admin = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    return (await admin.unsafe(query, params)) as unknown as T;
  } finally {
    await admin.end();
  }
}

describe("seedReplica", () => {
  it("seeds the scenario's tables and answers the aggregates the DB specialist runs", async () => {
    replica = await seedReplica(TEST_ADMIN_URL, await findScenario("backend-500-pr"));
    sql = postgres(replica.url, { max: 1, onnotice: () => {} });
    const [after] = await sql`
      select count(*)::int as n, min(created_at) as first
      from accounts where plan_id is null and created_at > '2026-11-20T14:02:14Z'`;
    expect(after?.n).toBe(141);
    const [before] = await sql`
      select count(*)::int as n from accounts where plan_id is null and created_at <= '2026-11-20T14:02:14Z'`;
    expect(before?.n).toBe(0);
    const [role] =
      await sql`select current_user as name, current_setting('default_transaction_read_only') as ro`;
    expect(role).toEqual({ name: replica.role, ro: "on" });
    expect(replica.role).toMatch(/^prode_replica_ro_[0-9a-f]{10}$/);
  });

  it("stale derived rows are visible to an aggregate SELECT (db-state-approval)", async () => {
    replica = await seedReplica(TEST_ADMIN_URL, await findScenario("db-state-approval"));
    sql = postgres(replica.url, { max: 1, onnotice: () => {} });
    const stale = await sql`
      select w.id, w.member_count, count(m.user_id) filter (where m.removed_at is null)::int as active
      from workspaces w join workspace_members m on m.workspace_id = w.id
      group by w.id, w.member_count
      having w.member_count <> count(m.user_id) filter (where m.removed_at is null)
      order by w.id`;
    expect(stale).toHaveLength(37);
    expect(stale.find((r) => r.id === "ws_s17")).toEqual({
      id: "ws_s17",
      member_count: 5,
      active: 3,
    });
  });

  it("the role can SELECT but cannot write, even after asking for a read-write transaction", async () => {
    replica = await seedReplica(TEST_ADMIN_URL, await findScenario("abort-noise"));
    sql = postgres(replica.url, { max: 1, onnotice: () => {} });
    const [{ n } = { n: 0 }] = await sql`select count(*)::int as n from feed_items`;
    expect(n).toBe(3000);

    // Layer: default_transaction_read_only = on.
    const readOnly = await sql`insert into feed_items values (1, 'usr_x', 'post', now())`.catch(
      (e: unknown) => e,
    );
    expect(readOnly).toMatchObject({ code: "25006" });
    expect(String((readOnly as Error).message)).toContain("read-only transaction");

    // The session can turn read-only off (DESIGN.md, provider facts); the grants still refuse.
    const denied = await sql
      .begin("read write", (tx) => tx`insert into feed_items values (1, 'usr_x', 'post', now())`)
      .catch((e: unknown) => e);
    expect(denied).toMatchObject({ code: "42501" });
    expect(String((denied as Error).message)).toContain("permission denied for table feed_items");
    const ddl = await sql
      .begin("read write", (tx) => tx`create table evil (id int)`)
      .catch((e: unknown) => e);
    expect(ddl).toMatchObject({ code: "42501" });
    const [{ n: after } = { n: -1 }] = await sql`select count(*)::int as n from feed_items`;
    expect(after).toBe(3000);
  });

  it("drop removes the database and the role", async () => {
    const seeded = await seedReplica(TEST_ADMIN_URL, await findScenario("queue-alarm-infra"));
    await seeded.drop();
    const dbs = await adminQuery<{ datname: string }[]>(
      "select datname from pg_database where datname = $1",
      [seeded.database],
    );
    const roles = await adminQuery<{ rolname: string }[]>(
      "select rolname from pg_roles where rolname = $1",
      [seeded.role],
    );
    expect(dbs).toEqual([]);
    expect(roles).toEqual([]);
  });

  it("refuses a scenario without replica tables", async () => {
    const scenario = await findScenario("backend-500-pr");
    await expect(seedReplica(TEST_ADMIN_URL, { ...scenario, replica: undefined })).rejects.toThrow(
      "scenario backend-500-pr has no replica tables",
    );
  });
});
