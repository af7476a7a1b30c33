import type { SQL } from "drizzle-orm";
import type { Db } from "../db/client.ts";

/**
 * Runs a read-only report query and returns its rows: postgres.js returns an array,
 * PGlite `{ rows }`. Reports cast in SQL what they read (`::float8`, `::int`, epoch
 * seconds), so both drivers hand back plain numbers and strings.
 */
export async function selectRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return ((result as { rows?: T[] }).rows ?? result) as T[];
}

/** A number from a driver value that may come back as a string (numeric, bigint). */
export function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** The p-quantile (0..1) of `values` by linear interpolation, as Postgres' percentile_cont. */
export function quantile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}
