import { catalogName, type JsonObject, names, numericLiteral, refuse } from "./sql-guard-names.ts";
import { isNumericAggregate } from "./sql-guard-shape.ts";

/**
 * Folding many rows into one result cell or one result row, which would carry a table
 * past the row cap. The concatenating aggregates (array_agg, string_agg, json_agg, …) are
 * simply not on the function allowlist and ARRAY(subquery) is refused by the walk; this
 * file holds the subtler forms:
 * - a *value subquery* — a scalar subquery that returns a row's value rather than a
 *   number computed over rows (`(select email from users offset 7 limit 1)`,
 *   `(select max(email) from users where id = 7)`) — picks one row. A statement may hold
 *   at most {@link MAX_VALUE_SUBQUERIES} of them, and none inside a value-building
 *   expression (json(b)_build_array/object, concat, `||`, ARRAY[…], ROW(…)): a thousand of
 *   them side by side is a thousand rows in one.
 * - percentile_cont/percentile_disc with an array of fractions returns one input value
 *   per fraction: `percentile_disc(array[0, 0.001, …])` is array_agg by another name.
 *   They take one constant fraction here.
 * A scalar subquery made only of counting or arithmetic aggregates (count, sum, avg, …)
 * is a number, not a row, and is allowed in those places; a statement still holds at
 * most {@link MAX_SCALAR_SUBQUERIES} scalar subqueries of any kind.
 */

export const MAX_VALUE_SUBQUERIES = 4;
/**
 * Scalar subqueries of any kind per statement. A number can encode a row's value
 * (`sum(ascii(…) * 256 ^ k)`), so even counting subqueries are capped: enough for a
 * dashboard of counts, too few to rebuild a table past the row cap.
 */
export const MAX_SCALAR_SUBQUERIES = 16;

/** Functions whose result holds every argument: a place where rows can be folded. */
const VALUE_BUILDERS: ReadonlySet<string> = new Set([
  "json_build_array",
  "jsonb_build_array",
  "json_build_object",
  "jsonb_build_object",
  "concat",
  "concat_ws",
  "array_to_string",
  "to_json",
  "to_jsonb",
]);

/** True for a scalar subquery (`(select …)`) that returns a row's value, not a number. */
export function isValueSubquery(subLink: JsonObject): boolean {
  if (subLink.subLinkType !== "EXPR_SUBLINK") return false;
  const select = (subLink.subselect as { SelectStmt?: JsonObject } | undefined)?.SelectStmt;
  if (!select) return true;
  // `(select now())`, `(select u.id)`: no rows of its own to pick from (a subquery inside
  // it is looked at on its own).
  const reads =
    (Array.isArray(select.fromClause) && select.fromClause.length > 0) ||
    (select.op !== undefined && select.op !== "SETOP_NONE") ||
    select.valuesLists !== undefined;
  return reads && !isNumericAggregate(select);
}

function findValueSubquery(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(findValueSubquery);
  if (typeof value !== "object" || value === null) return false;
  const obj = value as JsonObject;
  for (const key in obj) {
    const child = obj[key];
    if (key === "SubLink" && isValueSubquery(child as JsonObject)) return true;
    if (findValueSubquery(child)) return true;
  }
  return false;
}

function refuseFolding(what: string): never {
  refuse(
    `${what} of a subquery that returns a row's value is not allowed: it folds rows into one value, past the row cap (aggregate with count/sum/avg instead)`,
  );
}

/** Refuses a value-building function call or percentile_* call that can fold rows. */
export function checkFoldingCall(name: string, call: JsonObject): void {
  if (VALUE_BUILDERS.has(name) && findValueSubquery(call.args)) refuseFolding(name);
  if (name === "percentile_cont" || name === "percentile_disc") {
    const args = Array.isArray(call.args) ? call.args : [];
    if (args.length !== 1 || constantFraction(args[0]) === undefined) {
      refuse(
        `${name} takes one constant fraction here: an array of fractions returns many rows' values in one cell`,
      );
    }
  }
}

function constantFraction(node: unknown): number | undefined {
  const cast = (node as { TypeCast?: JsonObject } | undefined)?.TypeCast;
  return numericLiteral(cast ? cast.arg : node);
}

/** Refuses `||`, ARRAY[…] and ROW(…) over a value subquery. */
export function checkFoldingExpr(
  type: "A_Expr" | "A_ArrayExpr" | "RowExpr",
  body: JsonObject,
): void {
  if (type === "A_Expr") {
    if (catalogName(names(body.name)) !== "||") return;
    if (findValueSubquery(body.lexpr) || findValueSubquery(body.rexpr)) refuseFolding("||");
    return;
  }
  const items = type === "A_ArrayExpr" ? body.elements : body.args;
  if (findValueSubquery(items)) refuseFolding(type === "A_ArrayExpr" ? "ARRAY[…]" : "ROW(…)");
}
