import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { AppError, ErrorCode } from "../src/domain/errors.ts";
import type { Scenario } from "./scenario.ts";
import { type ReplicaTable, tableRows } from "./scenario-replica.ts";

/**
 * Seeds a scenario's `replica` tables into a fresh Postgres database and creates the
 * role prode reaches it through: LOGIN, SELECT only, `default_transaction_read_only = on`,
 * no CREATE or TEMP. This is the first of the three layers of DESIGN.md (role, parsed
 * guard, READ ONLY transaction); the other two are prode's, and tests prove this one alone
 * already refuses writes.
 */
export interface SeededReplica {
  /** Connection URL for the read-only role. */
  url: string;
  database: string;
  role: string;
  /** Drops the database and the role. */
  drop(): Promise<void>;
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

function createTableSql(table: ReplicaTable): string {
  const columns = table.columns.map(
    (c) =>
      `${quote(c.name)} ${c.type}${c.primaryKey ? " primary key" : ""}${c.nullable || c.primaryKey ? "" : " not null"}`,
  );
  return `create table ${quote(table.name)} (${columns.join(", ")})`;
}

function cellValue(value: unknown, type: string): postgres.ParameterOrJSON<never> {
  if (value === null || value === undefined) return null;
  if (type === "jsonb") return JSON.stringify(value);
  return value as string | number | boolean;
}

async function withAdmin<T>(url: string, run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await run(sql);
  } finally {
    await sql.end();
  }
}

export async function seedReplica(adminUrl: string, scenario: Scenario): Promise<SeededReplica> {
  if (!scenario.replica) {
    throw new AppError(ErrorCode.BadInput, `scenario ${scenario.name} has no replica tables`);
  }
  const suffix = randomBytes(5).toString("hex");
  const database = `prode_replica_${suffix}`;
  const role = `prode_replica_ro_${suffix}`;
  const password = randomBytes(12).toString("hex");
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${database}`;

  const drop = async () => {
    await withAdmin(adminUrl, async (sql) => {
      await sql.unsafe(`drop database if exists ${quote(database)} with (force)`);
      await sql.unsafe(`drop role if exists ${quote(role)}`);
    });
  };

  await withAdmin(adminUrl, (sql) => sql.unsafe(`create database ${quote(database)}`));
  try {
    await withAdmin(dbUrl.toString(), async (sql) => {
      for (const table of scenario.replica?.tables ?? []) {
        await sql.unsafe(createTableSql(table));
        const rows: Record<string, postgres.ParameterOrJSON<never>>[] = tableRows(table).map(
          (row) =>
            Object.fromEntries(table.columns.map((c) => [c.name, cellValue(row[c.name], c.type)])),
        );
        const names = table.columns.map((c) => c.name);
        // postgres.js caps bind parameters at 65,534 per statement.
        const batch = Math.max(1, Math.floor(60_000 / names.length));
        for (let i = 0; i < rows.length; i += batch) {
          await sql`insert into ${sql(table.name)} ${sql(rows.slice(i, i + batch), names)}`;
        }
        await sql.unsafe(`analyze ${quote(table.name)}`);
      }
      await sql.unsafe(`create role ${quote(role)} login password '${password}'`);
      await sql.unsafe(`revoke all on database ${quote(database)} from public`);
      await sql.unsafe(`grant connect on database ${quote(database)} to ${quote(role)}`);
      await sql.unsafe("revoke create on schema public from public");
      await sql.unsafe(`grant usage on schema public to ${quote(role)}`);
      await sql.unsafe(`grant select on all tables in schema public to ${quote(role)}`);
      await sql.unsafe(`alter role ${quote(role)} set default_transaction_read_only = on`);
    });
  } catch (error) {
    await drop().catch(() => {});
    throw new AppError(ErrorCode.Internal, `seeding replica for ${scenario.name} failed`, {
      cause: error,
    });
  }
  const roleUrl = new URL(dbUrl);
  roleUrl.username = role;
  roleUrl.password = password;
  return { url: roleUrl.toString(), database, role, drop };
}
