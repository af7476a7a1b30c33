import { MAX_SERIES_ROWS } from "./sql-guard-allowlists.ts";
import { catalogName, type JsonObject, names, numericLiteral, refuse } from "./sql-guard-names.ts";
import { checkSeries } from "./sql-guard-series.ts";
import { isPureAggregate } from "./sql-guard-shape.ts";

/**
 * Products the text shows: relations in one FROM that no condition relates to each other
 * (a cartesian product), and generate_series calls that multiply. Each series is capped on
 * its own (sql-guard-series.ts), but three capped series side by side are the cap cubed,
 * and two tables with no join condition are one table's size squared. The planner's cost
 * ceiling at execution (replica-limits.ts) is the real bound; this refuses what is plainly
 * unbounded before the replica is asked to plan it.
 *
 * How a FROM is read: its leaf items (tables, subqueries, functions) are connected by a
 * JOIN's ON (each AND-ed condition that names two items), USING or NATURAL, by a WHERE
 * condition that names two items, and by a LATERAL item naming another. Conditions
 * connect only through qualified columns (`a.id = b.account_id`): the parse tree cannot
 * tell which item an unqualified column belongs to. Each connected group is a *factor*;
 * a factor's size is known for a counted series, a VALUES list, a one-row aggregate
 * subquery or a subquery with a literal LIMIT, and unknown for anything that reads a
 * table. A SELECT is refused when:
 * - two or more factors are of unknown size (a product of tables);
 * - one factor is of unknown size and the known ones multiply it by more than
 *   {@link MAX_CROSS_MULTIPLIER};
 * - all factors are known and their product is above MAX_SERIES_ROWS;
 * - its FROM holds more than {@link MAX_FROM_RELATIONS} items, joined or not.
 */

/**
 * Postgres's own from_collapse_limit and join_collapse_limit (8): past them the planner
 * stops searching join orders exhaustively, so the plan and the estimate the execution
 * ceiling relies on get worse; and no triage question needs more than a few tables.
 */
export const MAX_FROM_RELATIONS = 8;

/**
 * A factor of known size crossed with a table repeats the table's rows that many times.
 * Up to a thousand covers how constants are brought in (a parameter row, a VALUES list,
 * hourly buckets of a month); more is a multiplication of the table, not a list of
 * constants, and the query should join on a condition instead.
 */
export const MAX_CROSS_MULTIPLIER = 1_000;

interface Leaf {
  /** Names a qualified column may use for it: its alias, else its relation name. */
  names: string[];
  /** Rows it yields when the text says so, else undefined (reads a table). */
  size: number | undefined;
  /** The names a LATERAL item's own expressions qualify columns with. */
  refers: Set<string>;
}

/** Set-returning functions' rows from the text: a counted series, else unknown. */
function functionSize(body: JsonObject): number | undefined {
  const functions = Array.isArray(body.functions) ? body.functions : [];
  let size = 1;
  for (const entry of functions) {
    const items = (entry as { List?: { items?: unknown[] } }).List?.items ?? [];
    const call = (items[0] as { FuncCall?: JsonObject } | undefined)?.FuncCall;
    if (!call || catalogName(names(call.funcname)) !== "generate_series") return undefined;
    size *= checkSeries(call.args);
  }
  return size;
}

function subquerySize(select: JsonObject | undefined): number | undefined {
  if (!select) return undefined;
  if (Array.isArray(select.valuesLists)) return select.valuesLists.length;
  if (select.op && select.op !== "SETOP_NONE") return undefined;
  const limit = numericLiteral(select.limitCount);
  if (limit !== undefined && Number.isFinite(limit)) return Math.max(limit, 0);
  return isPureAggregate(select) ? 1 : undefined;
}

/** Qualifiers of column references in `value` (`a` of `a.id`, of `s.a.id`), and bare names. */
function qualifiers(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) qualifiers(item, into);
    return into;
  }
  if (typeof value !== "object" || value === null) return into;
  const obj = value as JsonObject;
  const ref = obj.ColumnRef as { fields?: unknown } | undefined;
  if (ref) {
    const fields = names(ref.fields);
    // `h` alone is a series alias used as its column; a qualifier precedes the column.
    const qualifier = fields.length === 1 ? fields[0] : fields[fields.length - 2];
    if (qualifier) into.add(qualifier);
    return into;
  }
  for (const key in obj) qualifiers(obj[key], into);
  return into;
}

/**
 * The AND-ed parts of a condition that can relate two items. An OR or a NOT is left out:
 * `a.id = 1 or b.id = 1` names both tables and still pairs every row of one with the other.
 */
function conjuncts(condition: unknown): unknown[] {
  const bool = (condition as { BoolExpr?: JsonObject } | undefined)?.BoolExpr;
  if (bool) {
    return bool.boolop === "AND_EXPR" && Array.isArray(bool.args)
      ? bool.args.flatMap(conjuncts)
      : [];
  }
  return condition === undefined || condition === null ? [] : [condition];
}

class Factors {
  readonly leaves: Leaf[] = [];
  private readonly parent: number[] = [];
  /** Pairs of leaf index lists to connect once every leaf is known. */
  private readonly links: Array<[number[], number[]]> = [];
  private readonly conditions: unknown[] = [];

  /** Adds a FROM item; returns the indexes of the leaves it holds. */
  add(item: unknown): number[] {
    const obj = (item ?? {}) as JsonObject;
    const join = obj.JoinExpr as JsonObject | undefined;
    if (join) {
      const left = this.add(join.larg);
      const right = this.add(join.rarg);
      const alias = (join.alias as { aliasname?: string } | undefined)?.aliasname;
      if (alias) for (const i of [...left, ...right]) this.leaves[i]!.names.push(alias);
      if (join.isNatural || (Array.isArray(join.usingClause) && join.usingClause.length > 0)) {
        this.links.push([left, right]);
      }
      this.conditions.push(...conjuncts(join.quals));
      return [...left, ...right];
    }
    const [type] = Object.keys(obj);
    const body = (type ? obj[type] : {}) as JsonObject;
    const alias = (body.alias as { aliasname?: string } | undefined)?.aliasname;
    let leaf: Leaf;
    if (type === "RangeVar" || type === "RangeTableSample") {
      const relation = (type === "RangeVar" ? body : (body.relation as JsonObject)?.RangeVar) as
        | JsonObject
        | undefined;
      const own = alias ?? (relation?.alias as { aliasname?: string } | undefined)?.aliasname;
      leaf = {
        names: [own ?? String(relation?.relname ?? "")],
        size: undefined,
        refers: new Set(),
      };
    } else if (type === "RangeFunction") {
      const first = names(
        ((body.functions as Array<{ List?: { items?: Array<{ FuncCall?: JsonObject }> } }>)?.[0]
          ?.List?.items?.[0]?.FuncCall?.funcname ?? []) as unknown[],
      );
      leaf = {
        names: [alias ?? first[first.length - 1] ?? ""],
        size: functionSize(body),
        refers: qualifiers(body.functions, new Set()),
      };
    } else {
      const select = (body.subquery as { SelectStmt?: JsonObject } | undefined)?.SelectStmt;
      leaf = {
        names: alias ? [alias] : [],
        size: subquerySize(select),
        refers: body.lateral ? qualifiers(select, new Set()) : new Set(),
      };
    }
    this.leaves.push(leaf);
    this.parent.push(this.parent.length);
    return [this.leaves.length - 1];
  }

  addCondition(condition: unknown): void {
    this.conditions.push(...conjuncts(condition));
  }

  private find(i: number): number {
    while (this.parent[i] !== i) i = this.parent[i] = this.parent[this.parent[i]!]!;
    return i;
  }

  private union(a: number, b: number): void {
    this.parent[this.find(a)] = this.find(b);
  }

  private leavesNamed(name: string): number[] {
    return this.leaves.flatMap((leaf, i) => (leaf.names.includes(name) ? [i] : []));
  }

  /** The connected groups, each as its leaves' indexes. */
  groups(): number[][] {
    for (const [left, right] of this.links) for (const r of right) this.union(left[0]!, r);
    const connect = (named: Iterable<string>) => {
      const hit = [...named].flatMap((n) => this.leavesNamed(n));
      for (const i of hit) this.union(hit[0]!, i);
    };
    for (const condition of this.conditions) connect(qualifiers(condition, new Set()));
    this.leaves.forEach((leaf, i) => {
      for (const name of leaf.refers) for (const j of this.leavesNamed(name)) this.union(i, j);
    });
    const byRoot = new Map<number, number[]>();
    this.leaves.forEach((_, i) => {
      const root = this.find(i);
      byRoot.set(root, [...(byRoot.get(root) ?? []), i]);
    });
    return [...byRoot.values()];
  }
}

/** Series in the target list (outside subqueries) multiply the FROM's rows too. */
function targetSeriesRows(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((rows: number, v) => rows * targetSeriesRows(v), 1);
  if (typeof value !== "object" || value === null) return 1;
  const obj = value as JsonObject;
  if ("SubLink" in obj) return 1;
  const call = obj.FuncCall as JsonObject | undefined;
  if (call && catalogName(names(call.funcname)) === "generate_series") {
    return checkSeries(call.args);
  }
  let rows = 1;
  for (const key in obj) rows *= targetSeriesRows(obj[key]);
  return rows;
}

/** Refuses a SELECT whose FROM is a product the text shows to be unbounded (module comment). */
export function checkFromProducts(select: JsonObject): void {
  const from = Array.isArray(select.fromClause) ? select.fromClause : [];
  if (from.length === 0) return;
  const factors = new Factors();
  for (const item of from) factors.add(item);
  if (factors.leaves.length > MAX_FROM_RELATIONS) {
    refuse(
      `more than ${MAX_FROM_RELATIONS} relations in one FROM are not allowed (found ${factors.leaves.length}): split the question`,
    );
  }
  factors.addCondition(select.whereClause);
  const groups = factors.groups();
  const unknown: string[] = [];
  let known = targetSeriesRows(select.targetList);
  for (const group of groups) {
    const sizes = group.map((i) => factors.leaves[i]!.size);
    if (sizes.every((s) => s !== undefined)) {
      known *= sizes.reduce((a, b) => a * b, 1);
    } else {
      unknown.push(group.map((i) => factors.leaves[i]!.names[0] || "(subquery)").join("+"));
    }
  }
  if (unknown.length >= 2) {
    refuse(
      `a cartesian product of ${unknown.length} unrelated relations (${unknown.join(", ")}) is not allowed: join them on a condition with qualified columns (a.id = b.account_id)`,
    );
  }
  if (unknown.length === 1 && known > MAX_CROSS_MULTIPLIER) {
    refuse(
      `a cross join that repeats ${unknown[0]} ${Math.round(known)} times is not allowed (at most ${MAX_CROSS_MULTIPLIER}): join on a condition`,
    );
  }
  if (unknown.length === 0 && known > MAX_SERIES_ROWS) {
    refuse(
      `series and constant rows that multiply to ${Math.round(known)} rows are not allowed (at most ${MAX_SERIES_ROWS})`,
    );
  }
}
