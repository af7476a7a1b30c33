/**
 * A small, honest subset of CloudWatch Logs Insights
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html), enough
 * for the queries prode's specialists send. Commands, separated by `|`:
 *
 * - `fields a, b` / `display a, b` — choose output fields (`@timestamp`, `@message`,
 *   `@logStream`, `@log`, and fields discovered in JSON messages, dotted for nesting).
 * - `filter <expr>` — `field like /re/i`, `field like "text"` (substring), `field =~ /re/`,
 *   `field not like …`, comparisons `= != < <= > >=` against numbers or strings,
 *   `field in ["a", "b"]`, `ispresent(field)`, combined with `and`, `or`, `not`, parentheses.
 * - `parse field /(?<name>re)/` or `parse field "glob * text *" as a, b`.
 * - `stats count(*) [as n], count(f), count_distinct(f), sum|avg|min|max(f) [by bin(5m) |
 *   field, …]`.
 * - `sort field [asc|desc]`, `limit n`.
 *
 * Anything else is refused as `MalformedQueryException`, so an unsupported query fails
 * loudly instead of quietly returning wrong rows. No arithmetic, no `dedup`, no `unmask`.
 */

import {
  escapeRegex,
  evaluateFilter,
  fieldName,
  MalformedQueryError,
  parseFilter,
  type Row,
  regexOf,
  unquoteToken,
  type Value,
} from "./aws-logs-filter.ts";

export { MalformedQueryError };

export interface LogRecord {
  timestamp: number;
  message: string;
  logStream: string;
  logGroup: string;
}

type ResultRow = { field: string; value: string }[];

interface Agg {
  fn: string;
  field: string | null;
  name: string;
}
interface GroupKey {
  binMs: number | null;
  field: string;
  name: string;
}

/** Logs Insights prints times as `2025-06-01 12:05:00.000` (UTC, no zone). */
function insightsTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

/** Splits on `|` outside quotes and regex literals. */
function splitPipeline(query: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (let i = 0; i < query.length; i++) {
    const char = query[i]!;
    if (quote) {
      current += char;
      if (char === "\\") current += query[++i] ?? "";
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'" || char === "/" || char === "`") {
      quote = char;
      current += char;
    } else if (char === "|") {
      parts.push(current.trim());
      current = "";
    } else current += char;
  }
  if (quote) throw new MalformedQueryError(`unterminated ${quote} in query`);
  parts.push(current.trim());
  return parts.filter((p) => p.length > 0);
}

/** Logs Insights discovers the fields of JSON messages, flattened with dots. */
function discover(prefix: string, value: unknown, into: Row): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      discover(prefix ? `${prefix}.${key}` : key, inner, into);
    }
  } else if (prefix) {
    into[prefix] = Array.isArray(value) ? JSON.stringify(value) : (value as Value);
  }
}

function toRow(record: LogRecord, accountId: string): Row {
  const row: Row = {
    "@timestamp": record.timestamp,
    "@message": record.message,
    "@logStream": record.logStream,
    "@log": `${accountId}:${record.logGroup}`,
  };
  const text = record.message.trim();
  if (text.startsWith("{")) {
    try {
      discover("", JSON.parse(text), row);
    } catch {
      // Not JSON after all: the message stays a plain string, as in Logs Insights.
    }
  }
  return row;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === separator && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += char;
  }
  parts.push(current.trim());
  return parts.filter((p) => p.length > 0);
}

function withAlias(text: string): { expr: string; alias: string | null } {
  const match = /^(.*?)\s+as\s+(`[^`]+`|[\w@.-]+)$/i.exec(text.trim());
  return match
    ? { expr: match[1]!.trim(), alias: fieldName(match[2]) }
    : { expr: text.trim(), alias: null };
}

function parseStats(text: string): { aggs: Agg[]; by: GroupKey[] } {
  const [aggText, byText] = text.split(/\s+by\s+/i);
  const aggs = splitTopLevel(aggText ?? "", ",").map((part): Agg => {
    const { expr, alias } = withAlias(part);
    const match = /^(count|count_distinct|sum|avg|min|max)\(\s*(\*|[^)]*)\s*\)$/i.exec(expr);
    if (!match) throw new MalformedQueryError(`unsupported stats function "${expr}"`);
    const fn = match[1]!.toLowerCase();
    const arg = match[2]!.trim();
    const field = arg === "*" || arg === "" ? null : fieldName(arg);
    if (field === null && fn !== "count") throw new MalformedQueryError(`${fn} needs a field`);
    return { fn, field, name: alias ?? expr };
  });
  if (aggs.length === 0) throw new MalformedQueryError("stats needs at least one function");
  const by = splitTopLevel(byText ?? "", ",").map((part): GroupKey => {
    const { expr, alias } = withAlias(part);
    const bin = /^bin\(\s*(\d+)\s*(ms|s|m|h|d)\s*\)$/i.exec(expr);
    if (bin) {
      return {
        binMs: Number(bin[1]) * UNIT_MS[bin[2]!.toLowerCase()]!,
        field: "@timestamp",
        name: alias ?? expr,
      };
    }
    const field = fieldName(expr);
    return { binMs: null, field, name: alias ?? field };
  });
  return { aggs, by };
}

function aggregate(agg: Agg, rows: Row[]): number {
  if (agg.fn === "count") {
    return agg.field === null ? rows.length : rows.filter((r) => r[agg.field!] != null).length;
  }
  const values = rows.map((r) => r[agg.field!]).filter((v) => v !== undefined && v !== null);
  if (agg.fn === "count_distinct") return new Set(values.map(String)).size;
  const numbers = values.map(Number).filter((n) => !Number.isNaN(n));
  if (numbers.length === 0) return 0;
  if (agg.fn === "sum") return numbers.reduce((a, b) => a + b, 0);
  if (agg.fn === "avg") return numbers.reduce((a, b) => a + b, 0) / numbers.length;
  return agg.fn === "min" ? Math.min(...numbers) : Math.max(...numbers);
}

function runStats(rows: Row[], text: string): { rows: Row[]; fields: string[] } {
  const { aggs, by } = parseStats(text);
  const groups = new Map<string, { key: Row; rows: Row[] }>();
  for (const row of rows) {
    const key: Row = {};
    for (const group of by) {
      const value = row[group.field];
      key[group.name] =
        group.binMs !== null && typeof value === "number"
          ? Math.floor(value / group.binMs) * group.binMs
          : value;
    }
    const id = JSON.stringify(by.map((g) => key[g.name]));
    const entry = groups.get(id) ?? { key, rows: [] };
    entry.rows.push(row);
    groups.set(id, entry);
  }
  if (rows.length === 0 && by.length === 0) groups.set("[]", { key: {}, rows: [] });
  const out = [...groups.values()].map(({ key, rows: members }) => {
    const row: Row = { ...key };
    for (const agg of aggs) row[agg.name] = aggregate(agg, members);
    return row;
  });
  // Bins come back in time order; other groups keep first-seen order.
  const bin = by.find((g) => g.binMs !== null);
  if (bin) out.sort((a, b) => Number(a[bin.name]) - Number(b[bin.name]));
  return { rows: out, fields: [...by.map((g) => g.name), ...aggs.map((a) => a.name)] };
}

function parseCommand(part: string): { kind: string; body: string } {
  const match = /^(\w+)\s*([\s\S]*)$/.exec(part);
  return { kind: match?.[1]?.toLowerCase() ?? "", body: match?.[2]?.trim() ?? "" };
}

function runParse(rows: Row[], body: string): void {
  const match = /^(`[^`]+`|@?[\w.@-]+)\s+([\s\S]+)$/.exec(body);
  if (!match) throw new MalformedQueryError("parse needs a field and a pattern");
  const field = fieldName(match[1]);
  const rest = match[2]!.trim();
  let pattern: RegExp;
  let names: string[];
  if (rest.startsWith("/")) {
    pattern = regexOf(rest);
    names = [...rest.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((m) => m[1]!);
    if (names.length === 0)
      throw new MalformedQueryError("parse regex needs named groups (?<name>…)");
  } else {
    const glob = /^("(?:\\.|[^"])*"|'(?:\\.|[^'])*')\s+as\s+(.+)$/i.exec(rest);
    if (!glob) throw new MalformedQueryError('parse needs /regex/ or "glob" as fields');
    names = glob[2]!.split(",").map((n) => fieldName(n.trim()));
    // Every "*" is a lazy capture except the last, which takes the rest of the text.
    const pieces = unquoteToken(glob[1]!).split("*").map(escapeRegex);
    pattern = new RegExp(
      pieces
        .map((piece, i) =>
          i === 0 ? piece : `${i === pieces.length - 1 ? "(.*)" : "(.*?)"}${piece}`,
        )
        .join(""),
    );
  }
  for (const row of rows) {
    const found = pattern.exec(String(row[field] ?? ""));
    if (!found) continue;
    names.forEach((name, i) => {
      row[name] = found.groups?.[name] ?? found[i + 1];
    });
  }
}

function render(value: Value, field: string): string {
  if (typeof value === "number" && (field === "@timestamp" || /^bin\(/i.test(field))) {
    return insightsTime(value);
  }
  return value === null || value === undefined ? "" : String(value);
}

export interface QueryOutcome {
  results: ResultRow[];
  recordsMatched: number;
  recordsScanned: number;
  bytesScanned: number;
}

/** Runs `query` over `records` (already limited to the query's time range and groups). */
export function runInsightsQuery(
  query: string,
  records: LogRecord[],
  accountId: string,
  defaultLimit = 1000,
): QueryOutcome {
  let rows = records.map((r) => toRow(r, accountId));
  const recordsScanned = rows.length;
  const bytesScanned = records.reduce((sum, r) => sum + Buffer.byteLength(r.message), 0);
  let fields: string[] | null = null;
  let aggregated = false;
  let sorted = false;
  let limit = defaultLimit;
  let matched = rows.length;
  for (const part of splitPipeline(query)) {
    const { kind, body } = parseCommand(part);
    switch (kind) {
      case "fields":
      case "display":
        fields = splitTopLevel(body, ",").map(fieldName);
        break;
      case "filter": {
        const expr = parseFilter(body);
        rows = rows.filter((row) => evaluateFilter(expr, row));
        if (!aggregated) matched = rows.length;
        break;
      }
      case "parse":
        runParse(rows, body);
        break;
      case "stats": {
        const out = runStats(rows, body);
        rows = out.rows;
        fields = out.fields;
        aggregated = true;
        break;
      }
      case "sort": {
        const match = /^(`[^`]+`|@?[\w.@()*-]+)(?:\s+(asc|desc))?$/i.exec(body);
        if (!match) throw new MalformedQueryError(`cannot sort by "${body}"`);
        const field = match[1]!.startsWith("`") ? match[1]!.slice(1, -1) : match[1]!;
        const sign = match[2]?.toLowerCase() === "asc" ? 1 : -1;
        rows.sort((a, b) => {
          const [x, y] = [a[field], b[field]];
          if (x === y) return 0;
          if (x === undefined || x === null) return 1;
          if (y === undefined || y === null) return -1;
          return (x < y ? -1 : 1) * sign;
        });
        sorted = true;
        break;
      }
      case "limit": {
        const n = Number(body);
        if (!Number.isInteger(n) || n <= 0 || n > 10_000) {
          throw new MalformedQueryError("limit must be an integer between 1 and 10000");
        }
        limit = n;
        break;
      }
      default:
        throw new MalformedQueryError(`unsupported command "${kind || part}"`);
    }
  }
  if (!sorted && !aggregated)
    rows.sort((a, b) => Number(b["@timestamp"]) - Number(a["@timestamp"]));
  const columns = fields ?? ["@timestamp", "@message", "@logStream", "@log"];
  const results = rows.slice(0, limit).map((row, index) => {
    const cells = columns
      .filter((field) => row[field] !== undefined)
      .map((field) => ({ field, value: render(row[field], field) }));
    // Non-aggregated rows carry a pointer to the log event, as in Logs Insights.
    return aggregated
      ? cells
      : [
          ...cells,
          {
            field: "@ptr",
            value: Buffer.from(`ptr:${index}:${row["@timestamp"]}`).toString("base64"),
          },
        ];
  });
  return { results, recordsMatched: matched, recordsScanned, bytesScanned };
}
