/**
 * Times for Slack. Absolute times use Slack's `<!date^…>` token, which each reader sees in
 * their own time zone, with a UTC fallback for clients and notifications that cannot
 * render it; relative times ("12m ago") are computed from the renderer's `now`.
 * https://docs.slack.dev/messaging/formatting-message-text#date-formatting
 */
import type { IsoTimestamp } from "./view-models.ts";

/** Milliseconds since the epoch, or undefined for a missing or unparsable timestamp. */
export function parseTime(value: IsoTimestamp | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** "2025-03-04 03:12 UTC": the plain form used in fallbacks and notification text. */
export function formatUtc(value: IsoTimestamp | undefined): string {
  const ms = parseTime(value);
  if (ms === undefined) return "unknown time";
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** `<!date^…|fallback>`: the reader's local time, falling back to {@link formatUtc}. */
export function slackDate(value: IsoTimestamp | undefined): string {
  const ms = parseTime(value);
  if (ms === undefined) return "unknown time";
  const seconds = Math.floor(ms / 1000);
  // Slack's token takes a non-negative Unix time; anything earlier is shown as plain UTC.
  if (seconds < 0) return formatUtc(value);
  return `<!date^${seconds}^{date_short_pretty} {time}|${formatUtc(value)}>`;
}

/**
 * `<!date^…^{date_short_pretty} {time} ({ago})|fallback>`: the reader's local time and how
 * long ago it was, computed by Slack when the message is read, so a message that is not
 * edited again never says "0s ago" forever. The fallback is the UTC time.
 */
export function slackDateAgo(value: IsoTimestamp | undefined): string {
  const ms = parseTime(value);
  if (ms === undefined) return "unknown time";
  const seconds = Math.floor(ms / 1000);
  if (seconds < 0) return formatUtc(value);
  return `<!date^${seconds}^{date_short_pretty} {time} ({ago})|${formatUtc(value)}>`;
}

/** A compact duration: "45s", "12m", "3h 5m", "2d 4h". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

/** How long ago `value` was ("12m"), or "?" when unknown. */
export function formatAge(value: IsoTimestamp | undefined, now: Date): string {
  const ms = parseTime(value);
  return ms === undefined ? "?" : formatDuration(now.getTime() - ms);
}

/** "in 45m" or "12m ago" relative to `now`. */
export function formatRelative(value: IsoTimestamp | undefined, now: Date): string {
  const ms = parseTime(value);
  if (ms === undefined) return "at an unknown time";
  const delta = ms - now.getTime();
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

/** Whether `value` is at or before `now` (an unknown time counts as passed: fail closed). */
export function isPast(value: IsoTimestamp | undefined, now: Date): boolean {
  const ms = parseTime(value);
  return ms === undefined || ms <= now.getTime();
}
