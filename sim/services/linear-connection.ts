import { type Args, invalidInput } from "./linear-graphql.ts";

/** Linear's filter language (the subset prode uses) and Relay-style connections. */
type Node = Record<string, unknown>;

const COMPARATORS = new Set([
  "eq",
  "neq",
  "in",
  "nin",
  "gt",
  "gte",
  "lt",
  "lte",
  "contains",
  "containsIgnoreCase",
  "notContains",
  "startsWith",
  "endsWith",
  "null",
]);

/** Linear filters accept ISO-8601 durations ("-P2W") relative to now for date fields. */
function resolveRelativeDate(value: unknown, now: Date): unknown {
  if (typeof value !== "string") return value;
  const m = /^(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(value);
  if (!m || value === "P" || value === "-P") return value;
  const [, minus, w = "0", d = "0", h = "0", min = "0"] = m;
  const ms = ((Number(w) * 7 + Number(d)) * 24 * 60 + Number(h) * 60 + Number(min)) * 60_000;
  return new Date(now.getTime() + (minus ? -ms : ms)).toISOString();
}

function compare(value: unknown, op: string, expected: unknown): boolean {
  const s = (v: unknown) => (v === null || v === undefined ? v : String(v));
  switch (op) {
    case "eq":
      return value === expected;
    case "neq":
      return value !== expected;
    case "in":
      return Array.isArray(expected) && expected.includes(value);
    case "nin":
      return Array.isArray(expected) && !expected.includes(value);
    case "gt":
      return value !== null && value !== undefined && (value as string) > (expected as string);
    case "gte":
      return value !== null && value !== undefined && (value as string) >= (expected as string);
    case "lt":
      return value !== null && value !== undefined && (value as string) < (expected as string);
    case "lte":
      return value !== null && value !== undefined && (value as string) <= (expected as string);
    case "contains":
      return typeof value === "string" && value.includes(String(expected));
    case "notContains":
      return typeof value === "string" && !value.includes(String(expected));
    case "containsIgnoreCase":
      return String(s(value) ?? "")
        .toLowerCase()
        .includes(String(expected).toLowerCase());
    case "startsWith":
      return typeof value === "string" && value.startsWith(String(expected));
    case "endsWith":
      return typeof value === "string" && value.endsWith(String(expected));
    case "null":
      return (value === null || value === undefined) === expected;
    default:
      throw invalidInput(`Unsupported filter comparator ${op}`);
  }
}

function fieldValue(node: Node, key: string): unknown {
  let v = node[key];
  if (typeof v === "function") v = v({});
  if (v && typeof v === "object" && "nodes" in v) v = (v as { nodes: unknown }).nodes;
  return v;
}

function matchValue(value: unknown, cond: unknown, now: Date): boolean {
  if (!cond || typeof cond !== "object") return true;
  const entries = Object.entries(cond as Record<string, unknown>);
  if (entries.every(([k]) => COMPARATORS.has(k))) {
    return entries.every(([op, expected]) =>
      compare(value, op, op === "null" ? expected : resolveRelativeDate(expected, now)),
    );
  }
  if (Array.isArray(value)) {
    const c = cond as Record<string, unknown>;
    if (c.some) return value.some((el) => matchesFilter(el as Node, c.some, now));
    if (c.every) return value.every((el) => matchesFilter(el as Node, c.every, now));
    return value.some((el) => matchesFilter(el as Node, cond, now));
  }
  if (value === null || value === undefined) return false;
  return matchesFilter(value as Node, cond, now);
}

/** Evaluates the subset of Linear's filter language prode uses (comparators, and/or, some/every). */
export function matchesFilter(node: Node, filter: unknown, now: Date): boolean {
  if (!filter || typeof filter !== "object") return true;
  return Object.entries(filter as Record<string, unknown>).every(([key, cond]) => {
    if (key === "and") return (cond as unknown[]).every((f) => matchesFilter(node, f, now));
    if (key === "or") return (cond as unknown[]).some((f) => matchesFilter(node, f, now));
    return matchValue(fieldValue(node, key), cond, now);
  });
}

/**
 * A Relay-style connection (`nodes`, `edges`, `pageInfo`) with Linear's arguments:
 * first/after, last/before (cursors are node ids), filter, orderBy (createdAt|updatedAt).
 * Default page size 50, as Linear's.
 */
export function connection(typename: string, items: Node[], args: Args, now: Date): Node {
  const orderBy = args.orderBy === "updatedAt" ? "updatedAt" : "createdAt";
  let list = items
    .filter((n) => matchesFilter(n, args.filter, now))
    .sort((a, b) => String(a[orderBy]).localeCompare(String(b[orderBy])));
  const indexOf = (cursor: unknown) => list.findIndex((n) => n.id === cursor);
  if (typeof args.after === "string") {
    const i = indexOf(args.after);
    if (i < 0) throw invalidInput("Invalid cursor for after");
    list = list.slice(i + 1);
  }
  if (typeof args.before === "string") {
    const i = indexOf(args.before);
    if (i < 0) throw invalidInput("Invalid cursor for before");
    list = list.slice(0, i);
  }
  const total = list.length;
  const first = typeof args.first === "number" ? args.first : undefined;
  const last = typeof args.last === "number" ? args.last : undefined;
  let start = 0;
  let end = total;
  if (last !== undefined && first === undefined) start = Math.max(0, total - last);
  else end = Math.min(total, first ?? 50);
  const page = list.slice(start, end);
  return {
    __typename: `${typename}Connection`,
    nodes: page,
    edges: page.map((node) => ({ __typename: `${typename}Edge`, node, cursor: node.id })),
    pageInfo: {
      __typename: "PageInfo",
      startCursor: page[0]?.id ?? null,
      endCursor: page[page.length - 1]?.id ?? null,
      hasNextPage: end < total,
      hasPreviousPage: start > 0 || typeof args.after === "string",
    },
  };
}
