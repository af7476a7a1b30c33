import type { EvidenceCollector } from "../shared/collector.ts";
import type { ReplicaReader } from "../tools.ts";
import { asCount, rowsOf } from "./values.ts";

/** What every schema-generic check runs with: the guarded reader and the run's evidence. */
export interface GenericContext {
  replica: ReplicaReader;
  ev: EvidenceCollector;
  now: Date;
  clock: () => Date;
}

export const ref = (name: string) => `db_query:${name}`;

/** One guarded statement; its rows by column name and the source it is cited as. */
export async function query(ctx: GenericContext, id: string, sql: string) {
  const result = await ctx.replica.query(sql);
  const source = ctx.ev.source({ kind: "db_query", ref: ref(id), fetchedAt: ctx.clock() });
  return { rows: rowsOf(result), source };
}

export const num = (v: unknown) => asCount(v) ?? 0;

/** A few record ids for the reviewer; a refused or failed sample query costs nothing. */
export async function samples(ctx: GenericContext, id: string, sql: string): Promise<string[]> {
  try {
    const { rows } = await query(ctx, id, sql);
    return rows.map((r) => r.id).filter((v): v is string => typeof v === "string");
  } catch {
    return [];
  }
}
