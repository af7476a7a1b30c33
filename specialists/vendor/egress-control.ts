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
 * in a line that answered 2xx, at or after the vendor's first failure in the window.
 * An access log of our own inbound requests rarely names its host in that field.
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

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** `key` then `:` or `=`, then the value, optionally quoted and behind a scheme. */
const FIELD_VALUE = (key: string) =>
  new RegExp(`"?\\b${escapeRegExp(key)}"?\\s*[:=]\\s*"?(?:https?://)?([a-z0-9.-]+)`, "i");
const FIELD_BEFORE_HOST = (host: string) =>
  new RegExp(`"?([\\w.-]+)"?\\s*[:=]\\s*"?(?:https?://)?${escapeRegExp(host)}\\b`, "i");

/**
 * Other hosts answering 2xx in `lines` through the field that names the vendor's host in
 * its failing lines (`failing`), at or after the vendor's first failure; none when no
 * failing line names the vendor's host in a field.
 */
export function otherHostsHealthy(
  failing: readonly LogLine[],
  lines: readonly LogLine[],
  vendor: VendorMatcher,
): string[] {
  const keys = new Set<string>();
  let firstFailure: number | undefined;
  for (const line of failing) {
    for (const host of hostsIn(line.text).filter((h) => vendor.host(h))) {
      const key = FIELD_BEFORE_HOST(host).exec(line.text)?.[1];
      if (!key) continue;
      keys.add(key.toLowerCase());
      if (line.at !== undefined) firstFailure = Math.min(firstFailure ?? line.at, line.at);
    }
  }
  // Undated lines cannot be placed after the failure began: no control without dates.
  if (keys.size === 0 || firstFailure === undefined) return [];
  const healthy = new Set<string>();
  for (const line of lines) {
    if (!SUCCESS_STATUS.test(line.text) || FAILURE.test(line.text)) continue;
    if (line.at === undefined || line.at < firstFailure) continue;
    for (const key of keys) {
      const value = FIELD_VALUE(key).exec(line.text)?.[1]?.toLowerCase();
      if (value && hostsIn(value).includes(value) && !vendor.host(value)) healthy.add(value);
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
