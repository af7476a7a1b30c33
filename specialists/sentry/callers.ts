import type { SentryEventSummary } from "../tools.ts";

/**
 * Who sent a failing request, from the event tags that name the caller: the keys services
 * use for the calling client, partner, tenant, customer, account, merchant, API key or
 * app. (Sentry's `user` tag and `user.*` keys identify people and never leave the adapter.)
 * A rise of rejected requests that one caller sends is that caller's behaviour (a retry
 * loop, a broken integration); one spread over many callers is not, since many callers do
 * not break together by chance.
 */
const CALLER_KEY =
  /^(user|client|partner|tenant|customer|account|merchant|consumer|caller|api[_.-]?key|app[_.-]?id|org|organization)([_.-][a-z]+)?$/i;
/** Keys that describe the caller's device or software, not who the caller is. */
const DEVICE_KEY = /^client[_.-](os|browser|device)$/i;

export const isCallerKey = (key: string) => CALLER_KEY.test(key) && !DEVICE_KEY.test(key);

/**
 * The largest share of events one caller accounts for, over the events read: per caller
 * key, the most common value's share among the events carrying that key. Undefined when
 * no caller is named.
 */
export function topCallerShare(events: SentryEventSummary[]): number | undefined {
  const byKey = new Map<string, Map<string, number>>();
  for (const event of events) {
    for (const { key, value } of event.tags) {
      if (!isCallerKey(key)) continue;
      const values = byKey.get(key) ?? new Map<string, number>();
      values.set(value, (values.get(value) ?? 0) + 1);
      byKey.set(key, values);
    }
  }
  let top: number | undefined;
  for (const values of byKey.values()) {
    const counts = [...values.values()];
    const n = counts.reduce((s, c) => s + c, 0);
    if (n < MIN_EVENTS) continue;
    const share = Math.max(...counts) / n;
    top = top === undefined ? share : Math.max(top, share);
  }
  return top;
}

/** Fewer events than this say nothing about concentration. */
const MIN_EVENTS = 3;

/**
 * The most common client runtime in a `browser` tag breakdown ("Browser 1.2.3") with its
 * share of the events carrying the tag, rounded to hundredths: over `totalValues` when
 * Sentry gave it (the breakdown holds the top values only, so their sum overstates the
 * share). Undefined without a breakdown.
 */
export function topRuntimeOf(
  browsers: { value: string; count: number }[],
  totalValues?: number,
): { name: string; share: number } | undefined {
  const total = Math.max(
    totalValues ?? 0,
    browsers.reduce((s, v) => s + v.count, 0),
  );
  if (total === 0 || browsers.length === 0) return undefined;
  const top = [...browsers].sort((a, b) => b.count - a.count)[0]!;
  return { name: top.value, share: Math.round((top.count / total) * 100) / 100 };
}
