import pLimit from "p-limit";

/**
 * The reader with every method sharing one bound on calls in flight: at most `limit` of
 * its calls reach the integration at once, from this process; the rest wait their turn.
 *
 * Worker concurrency is how many phases run at once; it is not a vendor's rate limit.
 * Without this bound, 32 runs gathering evidence together would send each integration
 * every call of every specialist at once and meet its rate limit (ADR 0012). A call that
 * waits counts against its specialist's deadline, so a backlog shows up as a timed-out
 * specialist and a gap, not as a flood of 429s. Readers are plain objects of closures,
 * so their own properties are all their methods.
 */
export function limitCalls<T extends object>(reader: T, limit: number): T {
  const gate = pLimit(limit);
  const limited: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(reader)) {
    limited[name] =
      typeof value === "function"
        ? (...args: unknown[]) =>
            gate(() => (value as (...a: unknown[]) => unknown).apply(reader, args))
        : value;
  }
  return limited as T;
}
