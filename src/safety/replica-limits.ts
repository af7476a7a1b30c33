/**
 * The size limits of the replica reader, beyond its row cap: a result may hold at most
 * `maxResultBytes` in all and `maxCellBytes` per cell, and a statement whose planned cost
 * is above `maxPlanCost`, or one of whose plan nodes expects more than `maxPlanRows` rows,
 * is refused before it runs (replica.ts applies them).
 *
 * Why bytes and not only rows: one cell can carry a whole table (a concatenating
 * aggregate, a recursive CTE, a large stored document). The SQL guard refuses the ways it
 * knows to fold rows into a cell; these caps bound what any statement can hand prode,
 * whatever the guard missed. An oversized cell is cut to the cap and ends with a marker
 * naming its real size, so a reader sees it was cut; rows past the byte cap are dropped
 * and the result is marked truncated, exactly as rows past the row cap are.
 */

export interface ResultLimits {
  /** The most bytes all returned cells may hold together. */
  maxResultBytes: number;
  /** The most bytes one returned cell may hold; a longer one is cut, with a marker. */
  maxCellBytes: number;
}

export const DEFAULT_MAX_RESULT_BYTES = 256 * 1024;
export const DEFAULT_MAX_CELL_BYTES = 8 * 1024;
/**
 * The planner's cost units (a sequential page read is 1): a count over a table of ~30
 * million narrow rows costs about half a million, a 100,000 × 100,000 cross join 225
 * million (EXPLAIN on PostgreSQL 15). A statement far above it would not finish inside
 * the 5 s statement timeout anyway, and would hold a replica connection and CPU until it
 * was killed.
 */
export const DEFAULT_MAX_PLAN_COST = 1_000_000;
/**
 * The most rows the planner may expect any one plan node to produce. Rows are the
 * planner's own unit, independent of the cost settings: a replica tuned with a lower
 * cpu_tuple_cost or seq_page_cost prices the same cross join lower, but a join node still
 * estimates the product of its sides. 100 million is about what the cost ceiling admits
 * under the default settings (a count over ~60 million narrow rows), so by default the two
 * agree, and a product of tables is refused whatever the cost settings say.
 */
export const DEFAULT_MAX_PLAN_ROWS = 100_000_000;

/** The size of one value as prode holds it, in UTF-8 bytes of its text form. */
export function cellBytes(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "string") return Buffer.byteLength(value);
  if (Buffer.isBuffer(value)) return value.length;
  if (value instanceof Date) return 8;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    return String(value).length;
  }
  return Buffer.byteLength(JSON.stringify(value) ?? "");
}

function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return `\\x${value.toString("hex")}`;
  return JSON.stringify(value) ?? String(value);
}

/** `value` cut to `maxBytes` of UTF-8, never in the middle of a character, plus the marker. */
export function truncateCell(value: unknown, bytes: number, maxBytes: number): string {
  const marker = `…[truncated by prode: ${bytes} bytes, cell cap ${maxBytes}]`;
  const prefix = Buffer.from(textOf(value), "utf8")
    .subarray(0, maxBytes)
    .toString("utf8")
    .replace(/\uFFFD+$/, "");
  return `${prefix}${marker}`;
}

/** Accumulates rows under the byte caps; `add` says whether the row was kept. */
export class ResultBudget {
  bytes = 0;
  cellsTruncated = 0;
  /** A row did not fit in `maxResultBytes`: it and every later row were dropped. */
  full = false;

  constructor(private readonly limits: ResultLimits) {}

  /** Cuts the row's oversized cells; returns it, or undefined when it does not fit. */
  add(row: unknown[]): unknown[] | undefined {
    if (this.full) return undefined;
    let rowBytes = 0;
    let cut = 0;
    const kept = row.map((value) => {
      const size = cellBytes(value);
      if (size <= this.limits.maxCellBytes) {
        rowBytes += size;
        return value;
      }
      cut++;
      const text = truncateCell(value, size, this.limits.maxCellBytes);
      rowBytes += Buffer.byteLength(text);
      return text;
    });
    if (this.bytes + rowBytes > this.limits.maxResultBytes) {
      this.full = true;
      return undefined;
    }
    this.bytes += rowBytes;
    this.cellsTruncated += cut;
    return kept;
  }
}

interface PlanNode {
  "Total Cost"?: unknown;
  "Plan Rows"?: unknown;
  Plans?: unknown;
}

function topPlan(explainRow: unknown): PlanNode | undefined {
  const plan = (explainRow as { "QUERY PLAN"?: unknown } | undefined)?.["QUERY PLAN"];
  const parsed = typeof plan === "string" ? (JSON.parse(plan) as unknown) : plan;
  return Array.isArray(parsed) ? (parsed[0] as { Plan?: PlanNode } | undefined)?.Plan : undefined;
}

/** The top plan node's total cost from `EXPLAIN (FORMAT JSON)`'s one row. */
export function planCost(explainRow: unknown): number | undefined {
  const cost = topPlan(explainRow)?.["Total Cost"];
  return typeof cost === "number" && Number.isFinite(cost) ? cost : undefined;
}

/**
 * The most rows any node of the plan is expected to produce. The top node alone would not
 * do: `count(*)` over a cross join returns one row from a join node of billions.
 */
export function planMaxRows(explainRow: unknown): number | undefined {
  const top = topPlan(explainRow);
  if (!top) return undefined;
  let max: number | undefined;
  const stack: PlanNode[] = [top];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const rows = node["Plan Rows"];
    if (typeof rows === "number" && Number.isFinite(rows)) max = Math.max(max ?? 0, rows);
    if (Array.isArray(node.Plans)) stack.push(...(node.Plans as PlanNode[]));
  }
  return max;
}
