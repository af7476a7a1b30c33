/**
 * The small vocabulary every part of the SQL guard shares: the parse tree's JSON shape,
 * the refusal it throws, and how names are read from it and shown back to the user.
 */

export type JsonObject = { [key: string]: unknown };

/**
 * Thrown inside the walk to stop at the first refusal; never escapes the guard. Not an
 * Error on purpose: capturing a stack trace per refusal was an eighth of the guard's time.
 */
export class SqlRefusal {
  constructor(readonly reason: string) {}
}

export function refuse(reason: string): never {
  throw new SqlRefusal(reason);
}

/** The `sval`s of a list of String nodes (function, type and operator names). */
export function names(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((item) => {
    const s = (item as { String?: { sval?: string } }).String;
    return s?.sval ?? "";
  });
}

/** A name as the user would write it: quoted when Postgres would not fold it to itself. */
export function displayName(parts: string[]): string {
  return parts
    .map((p) => (/^[a-z_][a-z0-9_$]*$/.test(p) ? p : `"${p.replace(/"/g, '""')}"`))
    .join(".");
}

/** The function's own name when it is unqualified or `pg_catalog.`-qualified, else undefined. */
export function catalogName(parts: string[]): string | undefined {
  if (parts.length === 1) return parts[0];
  if (parts.length === 2 && parts[0] === "pg_catalog") return parts[1];
  return undefined;
}

/** The string of a literal, also through a cast (`'a+'::text`), else undefined. */
export function stringLiteral(node: unknown): string | undefined {
  const obj = node as { A_Const?: JsonObject; TypeCast?: JsonObject } | undefined;
  if (obj?.TypeCast) return stringLiteral(obj.TypeCast.arg);
  const sval = (obj?.A_Const?.sval as { sval?: string } | undefined)?.sval;
  if (sval !== undefined) return sval;
  // '' parses as an A_Const with an empty sval object.
  if (obj?.A_Const && "sval" in obj.A_Const) return "";
  return undefined;
}

/** The number of a numeric literal (`3`, `0.95`, `-1` arrives as a folded constant). */
export function numericLiteral(node: unknown): number | undefined {
  const c = (node as { A_Const?: JsonObject } | undefined)?.A_Const;
  if (!c) return undefined;
  const ival = c.ival as { ival?: number } | undefined;
  if (ival) return ival.ival ?? 0;
  const fval = c.fval as { fval?: string } | undefined;
  if (fval?.fval !== undefined) return Number(fval.fval);
  return undefined;
}

/** True when the subtree holds a column reference or a subquery (not a constant). */
export function containsColumnOrSubquery(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsColumnOrSubquery);
  if (typeof value !== "object" || value === null) return false;
  for (const key in value as JsonObject) {
    if (key === "ColumnRef" || key === "SubLink") return true;
    if (containsColumnOrSubquery((value as JsonObject)[key])) return true;
  }
  return false;
}
