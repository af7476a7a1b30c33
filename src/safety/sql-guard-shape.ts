import { AGGREGATES, SET_RETURNING_FUNCTIONS, WINDOW_FUNCTIONS } from "./sql-guard-allowlists.ts";
import { catalogName, type JsonObject, names } from "./sql-guard-names.ts";

/**
 * The shape of a SELECT's result, read from its parse tree: does it return at most one
 * row whatever the data (a *pure aggregate*, which may omit LIMIT), and is that one row
 * made of numbers computed over many rows (a *numeric aggregate*, which may sit inside a
 * value-building expression without copying any row's value out).
 */

/**
 * Aggregates whose result is a value taken from one input row rather than computed over
 * all of them: `max(email)` with a narrow WHERE copies that row's email. A scalar
 * subquery built on these counts as one that picks a row's value.
 */
const VALUE_AGGREGATES: ReadonlySet<string> = new Set(["min", "max", "mode", "percentile_disc"]);

interface TargetShape {
  /** An aggregate call (not windowed, not inside a subquery) was seen. */
  aggregate: boolean;
  /** An aggregate that returns one input row's value (min, max, mode, percentile_disc). */
  valueAggregate: boolean;
  /** Something that can make more than one row per input: a column outside an
   * aggregate, a window function, a set-returning function. */
  perRow: boolean;
  /** A literal string, which a numeric aggregate's result never needs. */
  text: boolean;
}

function isAggregateCall(call: JsonObject, name: string | undefined): boolean {
  if (name === undefined) return false;
  if (AGGREGATES.has(name)) return true;
  // rank(…) WITHIN GROUP (ORDER BY …) is a hypothetical-set aggregate.
  return WINDOW_FUNCTIONS.has(name) && call.agg_within_group === true;
}

function shapeOf(value: unknown, shape: TargetShape): void {
  if (Array.isArray(value)) {
    for (const item of value) shapeOf(item, shape);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const obj = value as JsonObject;
  for (const key in obj) {
    const child = obj[key] as JsonObject;
    if (key === "ColumnRef") {
      shape.perRow = true;
    } else if (key === "FuncCall") {
      const name = catalogName(names(child.funcname));
      if (child.over !== undefined) shape.perRow = true;
      else if (isAggregateCall(child, name)) {
        shape.aggregate = true;
        if (name !== undefined && VALUE_AGGREGATES.has(name)) shape.valueAggregate = true;
      } else if (name !== undefined && SET_RETURNING_FUNCTIONS.has(name)) shape.perRow = true;
      else shapeOf(child, shape);
    } else if (key === "SubLink") {
      // A scalar subquery yields one value; only the compared expression counts.
      shapeOf(child.testexpr, shape);
    } else if (key === "A_Const" && child.sval !== undefined) {
      shape.text = true;
    } else {
      shapeOf(child, shape);
    }
  }
}

function targetShape(select: JsonObject): TargetShape | undefined {
  if (select.op !== undefined && select.op !== "SETOP_NONE") return undefined;
  if (select.valuesLists !== undefined || select.groupClause !== undefined) return undefined;
  const targets = select.targetList;
  if (!Array.isArray(targets) || targets.length === 0) return undefined;
  const shape: TargetShape = {
    aggregate: false,
    valueAggregate: false,
    perRow: false,
    text: false,
  };
  shapeOf(targets, shape);
  return shape.perRow ? undefined : shape;
}

/** True when the SELECT returns at most one row whatever the data. */
export function isPureAggregate(select: JsonObject): boolean {
  const shape = targetShape(select);
  if (!shape) return false;
  const hasFrom = Array.isArray(select.fromClause) && select.fromClause.length > 0;
  if (!hasFrom) return true;
  if (!shape.aggregate && select.havingClause !== undefined) {
    const having: TargetShape = {
      aggregate: false,
      valueAggregate: false,
      perRow: false,
      text: false,
    };
    shapeOf(select.havingClause, having);
    return having.aggregate;
  }
  return shape.aggregate;
}

/**
 * True when the SELECT returns one row of numbers computed over its rows: a pure
 * aggregate over a FROM whose targets use only counting or arithmetic aggregates
 * (count, sum, avg, …), never one that returns an input value (min, max, mode,
 * percentile_disc), and no string literal. Such a subquery can sit inside
 * `jsonb_build_array(…)` or `||` without folding rows' values into one cell.
 */
export function isNumericAggregate(select: JsonObject): boolean {
  const shape = targetShape(select);
  if (!shape?.aggregate || shape.valueAggregate || shape.text) return false;
  return Array.isArray(select.fromClause) && select.fromClause.length > 0;
}
