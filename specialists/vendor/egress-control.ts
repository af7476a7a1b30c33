import { hostsIn, type VendorMatcher } from "./detect.ts";

/**
 * The control that separates a vendor's fault from our own egress (DNS, NAT, proxy,
 * firewall): while the vendor's calls fail, did the same client reach other hosts? A
 * vendor's status page lags its incidents, so telemetry that isolates the vendor (only
 * its calls fail, our other outbound calls succeed) is the stronger evidence. Without
 * such a control, "the vendor" and "our way out" stay one hypothesis for a human.
 *
 * "The same client" is read from the log lines themselves: the field that names the
 * vendor's host in its failing lines (`"host":…`, `upstream=…`) must name the other host
 * in a line that answered 2xx, at or after the vendor's first failure in the window, and
 * that line must have the failing lines' shape (the same logger, or the same message
 * once its failure words are set aside, else at least their keys). A host that is also
 * the host of an inbound request line (a method and a path, no outbound marker) is our
 * own service answering, never a control.
 */

export interface LogLine {
  /** Epoch ms, when the row had a readable timestamp. */
  at?: number;
  text: string;
}

/** Lines that report a failure, whatever their status field says. */
const FAILURE =
  /error|fail|time[sd]? ?out|timed out|exception|refused|reset|unavailable|unreachable/i;
/** A status field of 2xx: `"status":200`, `status=204`, `"status_code": "201"`. */
const SUCCESS_STATUS = /\b(?:http[._-]?)?status(?:[._-]?code)?"?\s*[:=]\s*"?2\d\d\b/i;
/**
 * A timing field (`"duration_ms":288`, `elapsed=0.3`, `took=12ms`): the client measured
 * the call from request to response, so the call completed. A line logged before the
 * response ("calling host…") has none.
 */
const COMPLETED = /\b(?:duration|elapsed|latency|took)\w*"?\s*[:=]\s*"?\d/i;
/** What says a call answered: a 2xx status, or a timing with no status at all. */
const answeredLine = (text: string) =>
  SUCCESS_STATUS.test(text) || (COMPLETED.test(text) && !/\bstatus\w*"?\s*[:=]/i.test(text));
/** Keys whose presence depends on the outcome, not on which client logged the line. */
const OUTCOME_KEY =
  /^(?:(?:http[._-]?)?status(?:[._-]?code)?|err\w*|error\w*|exception\w*|stack\w*|reason|\w*timeout\w*|duration\w*|elapsed\w*|latency\w*|took\w*)$/i;
/** Fields naming the logger or the message, most specific first. */
const IDENTITY_KEYS = ["logger", "logger_name", "component", "client", "event", "msg", "message"];
/** Words that mark a line as one of our outbound calls, not a request we served. */
const OUTBOUND =
  /\b(?:upstream|downstream|outbound|egress|external|dependency|third[-_ ]?party)\b/i;
const METHOD = /^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)$/i;
const REQUEST_LINE = /\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/\S*/;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** `key` then `:` or `=`, then the value, optionally quoted and behind a scheme. */
const FIELD_VALUE = (key: string) =>
  new RegExp(`"?\\b${escapeRegExp(key)}"?\\s*[:=]\\s*"?(?:https?://)?([a-z0-9.-]+)`, "i");
const FIELD_BEFORE_HOST = (host: string) =>
  new RegExp(`"?([\\w.-]+)"?\\s*[:=]\\s*"?(?:https?://)?${escapeRegExp(host)}\\b`, "i");

/** A line's fields, lower-cased keys: a JSON object (one level dotted), else `key=value` pairs. */
function fieldsOf(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  const add = (prefix: string, value: unknown) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) add(prefix ? `${prefix}.${k}` : k, v);
    } else fields.set(prefix.toLowerCase(), String(value));
  };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object") add("", parsed);
    return fields;
  } catch {
    for (const m of text.matchAll(/([A-Za-z_][\w.-]*)=("[^"]*"|\S+)/g)) {
      fields.set(m[1]!.toLowerCase(), m[2]!.replace(/^"|"$/g, ""));
    }
    return fields;
  }
}

/** The failing line's identity: one identity field's words, failure words set aside. */
interface Shape {
  key?: string;
  words: string[];
  keys: string[];
}

const wordsOf = (value: string) =>
  value
    .toLowerCase()
    .split(/[^a-z0-9_.-]+/)
    .filter(Boolean);

function shapeOf(fields: Map<string, string>): Shape {
  const keys = [...fields.keys()].filter((k) => !OUTCOME_KEY.test(k.split(".").pop()!));
  for (const key of IDENTITY_KEYS) {
    const value = fields.get(key);
    if (value === undefined) continue;
    const words = wordsOf(value).filter((w) => !FAILURE.test(w) && w !== "timed" && w !== "out");
    if (words.length > 0) return { key, words, keys };
  }
  return { words: [], keys };
}

/** Same logger/message when the failing line names one, else at least the same keys. */
function sameShape(shape: Shape, fields: Map<string, string>): boolean {
  if (shape.key !== undefined) {
    const words = new Set(wordsOf(fields.get(shape.key) ?? ""));
    return shape.words.every((w) => words.has(w));
  }
  return shape.keys.every((k) => fields.has(k));
}

/** A request our service served: a method and a path, and no mark of an outbound call. */
function isInbound(text: string, fields: Map<string, string>): boolean {
  if (OUTBOUND.test(text)) return false;
  if (REQUEST_LINE.test(text)) return true;
  const method = [...fields].some(([k, v]) => /(?:^|[._])method$/.test(k) && METHOD.test(v));
  const path = [...fields].some(
    ([k, v]) => /(?:^|[._])(?:path|uri|url|route|target)$/.test(k) && /^\/|^https?:\/\//i.test(v),
  );
  return method && path;
}

/**
 * Other hosts answering 2xx in `lines` through the field that names the vendor's host in
 * its failing lines (`failing`), in a line of their shape, at or after the vendor's first
 * failure; none when no failing line names the vendor's host in a field. Hosts of inbound
 * request lines (in either set) do not count.
 */
export function otherHostsHealthy(
  failing: readonly LogLine[],
  lines: readonly LogLine[],
  vendor: VendorMatcher,
): string[] {
  const clients: { key: string; shape: Shape }[] = [];
  let firstFailure: number | undefined;
  for (const line of failing) {
    for (const host of hostsIn(line.text).filter((h) => vendor.host(h))) {
      const key = FIELD_BEFORE_HOST(host).exec(line.text)?.[1];
      if (!key) continue;
      clients.push({ key: key.toLowerCase(), shape: shapeOf(fieldsOf(line.text)) });
      if (line.at !== undefined) firstFailure = Math.min(firstFailure ?? line.at, line.at);
    }
  }
  // Undated lines cannot be placed after the failure began: no control without dates.
  if (clients.length === 0 || firstFailure === undefined) return [];
  const inboundHosts = new Set<string>();
  for (const line of [...failing, ...lines]) {
    if (isInbound(line.text, fieldsOf(line.text))) {
      for (const host of hostsIn(line.text)) inboundHosts.add(host);
    }
  }
  const healthy = new Set<string>();
  for (const line of lines) {
    if (!SUCCESS_STATUS.test(line.text) || FAILURE.test(line.text)) continue;
    if (line.at === undefined || line.at < firstFailure) continue;
    const fields = fieldsOf(line.text);
    for (const { key, shape } of clients) {
      if (!sameShape(shape, fields)) continue;
      const value = FIELD_VALUE(key).exec(line.text)?.[1]?.toLowerCase();
      if (!value || !hostsIn(value).includes(value) || vendor.host(value)) continue;
      if (!inboundHosts.has(value)) healthy.add(value);
    }
  }
  return [...healthy];
}

/**
 * A Logs Insights `@timestamp` ("2026-11-20 09:14:41.000", UTC, or ISO) in epoch ms;
 * undefined when unreadable.
 */
export function insightsTimeMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)$/.exec(value.trim());
  const ms = Date.parse(m ? `${m[1]}T${m[2]}Z` : value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The same client's calls to the failing host itself that answered, at or after its
 * first failure: lines of the failing lines' shape naming the host through the same field,
 * with no failure word and a 2xx status, or (no status logged) a timing of the call: the
 * client measured it to its response. A line with neither says nothing about an answer (a
 * call logged before its response came, or never came). While some calls fail, others reach the
 * host and get their answer: our way out to it (DNS, NAT, proxy, TLS) works, and the
 * host fails selectively on its side. Undated lines do not count (they cannot be placed
 * after the failure began).
 */
export function sameHostAnswered(
  failing: readonly LogLine[],
  lines: readonly LogLine[],
  host: string,
): number {
  const clients: { key: string; shape: Shape }[] = [];
  let firstFailure: number | undefined;
  for (const line of failing) {
    if (!hostsIn(line.text).includes(host)) continue;
    const key = FIELD_BEFORE_HOST(host).exec(line.text)?.[1];
    if (!key) continue;
    clients.push({ key: key.toLowerCase(), shape: shapeOf(fieldsOf(line.text)) });
    if (line.at !== undefined) firstFailure = Math.min(firstFailure ?? line.at, line.at);
  }
  if (clients.length === 0 || firstFailure === undefined) return 0;
  let answered = 0;
  for (const line of lines) {
    if (FAILURE.test(line.text) || line.at === undefined || line.at < firstFailure) continue;
    if (!answeredLine(line.text)) continue;
    const fields = fieldsOf(line.text);
    const named = clients.some(
      ({ key, shape }) =>
        sameShape(shape, fields) && FIELD_VALUE(key).exec(line.text)?.[1]?.toLowerCase() === host,
    );
    if (named) answered += 1;
  }
  return answered;
}
