import { MAX_SERIES_ROWS } from "./sql-guard-allowlists.ts";
import {
  catalogName,
  containsColumnOrSubquery,
  type JsonObject,
  names,
  numericLiteral,
  refuse,
  stringLiteral,
} from "./sql-guard-names.ts";

/**
 * generate_series is allowed when the guard can count its rows before it runs: numeric
 * literal bounds, or a time series whose bounds are the same constant expression shifted
 * by literal intervals (`now() - interval '1 day'` … `now()`), or two timestamp literals,
 * with a literal interval step. A set-returning function in FROM is materialised in full
 * before LIMIT applies, and the planner guesses 1,000 rows for a time series whatever its
 * bounds, so neither LIMIT nor the EXPLAIN cost ceiling would stop a giant one.
 */

const SECOND = 1;
const UNIT_SECONDS: Record<string, number> = {
  microsecond: 1e-6,
  millisecond: 1e-3,
  second: SECOND,
  minute: 60,
  hour: 3_600,
  day: 86_400,
  week: 604_800,
  month: 30 * 86_400,
  year: 365.25 * 86_400,
  decade: 3_652.5 * 86_400,
  century: 36_525 * 86_400,
  millennium: 365_250 * 86_400,
};

const UNIT_ALIASES: Record<string, string> = {
  us: "microsecond",
  usec: "microsecond",
  usecs: "microsecond",
  ms: "millisecond",
  msec: "millisecond",
  msecs: "millisecond",
  s: "second",
  sec: "second",
  secs: "second",
  m: "minute",
  min: "minute",
  mins: "minute",
  h: "hour",
  hr: "hour",
  hrs: "hour",
  d: "day",
  w: "week",
  mon: "month",
  mons: "month",
  y: "year",
  yr: "year",
  yrs: "year",
};

function unitSeconds(raw: string): number | undefined {
  const word = raw.toLowerCase();
  const singular = UNIT_ALIASES[word] ?? word.replace(/s$/, "").replace(/^centurie$/, "century");
  return UNIT_SECONDS[singular] ?? UNIT_SECONDS[UNIT_ALIASES[singular] ?? ""];
}

/** An interval literal's length in seconds (months as 30 days), or undefined if unread. */
export function intervalSeconds(text: string): number | undefined {
  let rest = text.trim().replace(/^@\s*/, "");
  const ago = /\s+ago$/i.test(rest);
  rest = rest.replace(/\s+ago$/i, "");
  if (rest === "") return undefined;
  let total = 0;
  const clock = /(-?)(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?\s*$/.exec(rest);
  if (clock) {
    const sign = clock[1] === "-" ? -1 : 1;
    total += sign * (Number(clock[2]) * 3_600 + Number(clock[3]) * 60 + Number(clock[4] ?? 0));
    rest = rest.slice(0, clock.index).trim();
  }
  const parts = /^(?:\s*[-+]?\d+(?:\.\d+)?\s*[a-z]+)*\s*$/i;
  if (!parts.test(rest)) return undefined;
  for (const m of rest.matchAll(/([-+]?\d+(?:\.\d+)?)\s*([a-z]+)/gi)) {
    const unit = unitSeconds(m[2] ?? "");
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
  }
  return ago ? -total : total;
}

/** `interval '…'` (no field qualifier) as seconds, else undefined. */
function intervalLiteral(node: unknown): number | undefined {
  const cast = (node as { TypeCast?: JsonObject } | undefined)?.TypeCast;
  if (!cast) return undefined;
  const typeName = cast.typeName as JsonObject | undefined;
  if (catalogName(names(typeName?.names)) !== "interval" || typeName?.typmods) return undefined;
  const text = stringLiteral(cast.arg);
  return text === undefined ? undefined : intervalSeconds(text);
}

const TIME_TYPES = new Set(["timestamp", "timestamptz", "date"]);

function timeLiteral(node: unknown): number | undefined {
  const cast = (node as { TypeCast?: JsonObject } | undefined)?.TypeCast;
  if (!cast) return undefined;
  const type = catalogName(names((cast.typeName as JsonObject | undefined)?.names));
  const text = stringLiteral(cast.arg);
  if (type === undefined || !TIME_TYPES.has(type) || text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** The parse tree without source locations, to compare two expressions. */
function shapeKey(node: unknown): string {
  return JSON.stringify(node, (key, value) => (key === "location" ? undefined : value));
}

/** A bound as `base ± literal intervals`: its base expression and its offset in seconds. */
function anchored(node: unknown): { base: string; offset: number } | undefined {
  const expr = (node as { A_Expr?: JsonObject } | undefined)?.A_Expr;
  const op = expr && expr.kind === "AEXPR_OP" ? catalogName(names(expr.name)) : undefined;
  if (expr && (op === "+" || op === "-")) {
    const shift = intervalLiteral(expr.rexpr);
    if (shift !== undefined) {
      const inner = anchored(expr.lexpr);
      if (inner) return { base: inner.base, offset: inner.offset + (op === "+" ? shift : -shift) };
    }
  }
  const absolute = timeLiteral(node);
  if (absolute !== undefined) return { base: "literal", offset: absolute };
  return { base: shapeKey(node), offset: 0 };
}

function checkRows(rows: number): number {
  if (rows > MAX_SERIES_ROWS) {
    refuse(`generate_series would produce ${Math.round(rows)} rows (at most ${MAX_SERIES_ROWS})`);
  }
  return Math.max(rows, 0);
}

/**
 * Refuses a generate_series call whose row count is unknown or above MAX_SERIES_ROWS;
 * returns its row count, so the caller can bound the product of several series.
 */
export function checkSeries(args: unknown): number {
  const list = Array.isArray(args) ? args : [];
  if (list.length < 2 || list.length > 3) refuse("generate_series needs 2 or 3 arguments");
  const values = list.map(numericLiteral);
  if (values.every((v) => v !== undefined && Number.isFinite(v))) {
    const [start, stop, step = 1] = values as number[];
    if (step === 0) refuse("generate_series step must not be zero");
    return checkRows(Math.floor((stop! - start!) / step) + 1);
  }
  const step = list.length === 3 ? intervalLiteral(list[2]) : undefined;
  if (step === undefined || containsColumnOrSubquery(list)) {
    refuse("generate_series needs numeric literal bounds, or constant bounds and an interval step");
  }
  if (step === 0) refuse("generate_series step must not be zero");
  const start = anchored(list[0]);
  const stop = anchored(list[1]);
  if (!start || !stop || start.base !== stop.base) {
    refuse(
      "generate_series over time needs bounds that differ by literal intervals (now() - interval '1 day' … now()) or two timestamp literals, so its rows can be counted",
    );
  }
  return checkRows(Math.floor((stop.offset - start.offset) / step) + 1);
}
