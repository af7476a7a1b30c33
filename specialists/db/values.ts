type Cell = unknown;

/** Counts arrive as bigint strings (int8) or numbers; anything else is not a count. */
export function asCount(value: Cell): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

export function asTimestamp(value: Cell): string | undefined {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value)) {
    // Postgres prints "2026-11-20 14:02:40+00"; JavaScript wants "T" and "+00:00".
    const iso = value.replace(" ", "T").replace(/([+-]\d{2})$/, "$1:00");
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
  }
  return undefined;
}

/** Each row of a result keyed by column name. */
export function rowsOf(result: { columns: string[]; rows: unknown[][] }): Record<string, Cell>[] {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((n, i) => [n, row[i]])));
}
