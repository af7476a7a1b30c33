import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { MIGRATIONS_DIR, openDb } from "../../src/db/client.ts";
import { databaseUrl, TEST_ADMIN_URL } from "./env.ts";

/**
 * Builds one migrated template database per migration set (its name carries the hash of
 * the migrations), so each test copies it with CREATE DATABASE … TEMPLATE in milliseconds.
 */
export default async function setup(): Promise<void> {
  const hash = createHash("sha256");
  for (const file of readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash.update(readFileSync(join(MIGRATIONS_DIR, file)));
  }
  const template = `prode_tpl_${hash.digest("hex").slice(0, 12)}`;
  process.env.PRODE_TEST_TEMPLATE = template;

  const admin = postgres(TEST_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const exists = await admin`select 1 from pg_database where datname = ${template}`;
    if (exists.length === 0) {
      await admin.unsafe(`create database "${template}"`);
      const handle = openDb({ databaseUrl: databaseUrl(template), maxConnections: 1 });
      await handle.migrate();
      await handle.close();
    }
    // Leftovers of interrupted runs: test databases over two hours old that nobody uses.
    // (Younger ones may belong to a test run going on beside this one.)
    const rows = await admin`
      select datname from pg_database
      where starts_with(datname, 'prode_t_')
        and not exists (select 1 from pg_stat_activity a where a.datname = pg_database.datname)`;
    const cutoff = Date.now() / 1000 - 2 * 3600;
    for (const { datname } of rows) {
      const created = Number.parseInt(String(datname).split("_")[2] ?? "", 36);
      if (Number.isFinite(created) && created < cutoff) {
        await admin.unsafe(`drop database if exists "${datname}"`);
      }
    }
  } finally {
    await admin.end();
  }
}
