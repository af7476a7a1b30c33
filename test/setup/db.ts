import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterEach, beforeEach } from "vitest";
import { type DbHandle, openDb } from "../../src/db/client.ts";
import { databaseUrl, TEST_ADMIN_URL } from "./env.ts";

export interface TestDb extends DbHandle {
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A fresh database copied from the migrated template: isolated, parallel-safe. With
 * `migrated: false` it is empty instead (no template), for tests of migrating itself.
 */
export async function createTestDb({
  migrated = true,
}: {
  migrated?: boolean;
} = {}): Promise<TestDb> {
  const template = process.env.PRODE_TEST_TEMPLATE;
  if (migrated && !template) {
    throw new Error("test/setup/global-setup.ts did not run (no template)");
  }
  // The creation time in the name lets the global setup sweep only old leftovers.
  const name = `prode_t_${Math.floor(Date.now() / 1000).toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(
      migrated ? `create database "${name}" template "${template}"` : `create database "${name}"`,
    );
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  const handle = openDb({ databaseUrl: url, maxConnections: 10 });
  return {
    ...handle,
    url,
    name,
    async drop() {
      await handle.close();
      const a = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
      try {
        await a.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}

/**
 * A fresh test database for each test of the enclosing suite, handed to `set` before the
 * test and dropped after it. Hooks registered after this call run after its `beforeEach`
 * and, as vitest stacks `afterEach` hooks, before its drop.
 */
export function useTestDb(set: (t: TestDb) => void): void {
  let t: TestDb | undefined;
  beforeEach(async () => {
    t = await createTestDb();
    set(t);
  });
  afterEach(async () => {
    await t?.drop();
    t = undefined;
  });
}
