import { sql } from "drizzle-orm";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import type { TestDb } from "../setup/db.ts";
import { useTestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";

/**
 * postgres.js 3.4.9 loses queries when a backend is terminated while its connection is
 * busy: the socket's error settles what was in flight, more queries are queued on the
 * dead socket, the close (with an error) settles nothing, and the reconnect then waits
 * for answers to queries it never sent, forever. patches/postgres+3.4.9.patch settles
 * them on close. Without it, about half of these loops hang (issue 17.3).
 */
describe("postgres.js under terminated backends", () => {
  let t: TestDb;
  useTestDb((db) => {
    t = db;
  });

  it("every query settles, answered or failed, once Postgres stops terminating", async () => {
    const pending = new Set<number>();
    let next = 0;
    let stop = false;
    const loop = async (i: number) => {
      while (!stop) {
        const id = next++;
        pending.add(id);
        await t.db.execute(sql`select pg_sleep(0.02), ${i}::int as i`).catch(() => {});
        pending.delete(id);
      }
    };
    const loops = Array.from({ length: 16 }, (_, i) => loop(i));
    const admin = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
    try {
      for (let round = 0; round < 20; round += 1) {
        await new Promise((res) => setTimeout(res, 100 + round * 10));
        await admin`
          select pg_terminate_backend(pid) from pg_stat_activity
          where datname = ${t.name} and pid <> pg_backend_pid()`;
      }
    } finally {
      stop = true;
      await admin.end({ timeout: 1 });
    }
    // The pool's reconnect backoff is at most 20 s; a lost query never settles.
    const settled = await Promise.race([
      Promise.all(loops).then(() => true),
      new Promise<false>((res) => setTimeout(() => res(false), 40_000)),
    ]);
    expect({ settled, pending: pending.size }).toEqual({ settled: true, pending: 0 });
    // And the pool still answers.
    await expect(t.db.execute(sql`select 1 as one`)).resolves.toBeDefined();
  }, 70_000);
});
