/**
 * In-process token buckets for the web server: one per route, one per (route, source).
 * A bucket holds up to `perMinute` tokens and refills at `perMinute / 60` per second, so
 * a quiet source may burst a minute's worth and a flood is held to the steady rate.
 * Per process: two web processes admit twice the rate, which is acceptable for a guard
 * whose job is to keep one source (or one route) from starving the rest.
 */
export interface RateLimits {
  /** Requests per minute one source may make to one route. */
  perSourcePerMinute: number;
  /** Requests per minute one route accepts from all sources together. */
  perRoutePerMinute: number;
}

/** Defaults: well above Slack's and Linear's delivery rates for one workspace. */
export const DEFAULT_RATE_LIMITS: RateLimits = {
  perSourcePerMinute: 1_200,
  perRoutePerMinute: 6_000,
};

/** Buckets idle longer than this are forgotten (memory stays bounded under spoofed sources). */
const IDLE_MS = 10 * 60_000;
/** At most this many per-source buckets; past it the stalest are dropped. */
const MAX_BUCKETS = 50_000;

interface Bucket {
  tokens: number;
  at: number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSec: number };

export interface RateLimiter {
  /** Takes one token for `route` from `source`; when refused, how long until one is free. */
  take(route: string, source: string, now?: number): RateDecision;
}

function refill(bucket: Bucket, perMinute: number, now: number): void {
  const elapsed = Math.max(0, now - bucket.at);
  bucket.tokens = Math.min(perMinute, bucket.tokens + (elapsed * perMinute) / 60_000);
  bucket.at = now;
}

function waitSec(bucket: Bucket, perMinute: number): number {
  return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / perMinute));
}

export function createRateLimiter(limits: RateLimits = DEFAULT_RATE_LIMITS): RateLimiter {
  const routes = new Map<string, Bucket>();
  const sources = new Map<string, Bucket>();
  let sweptAt = 0;

  const sweep = (now: number) => {
    if (now - sweptAt < 60_000 && sources.size < MAX_BUCKETS) return;
    sweptAt = now;
    for (const [key, b] of sources) if (now - b.at > IDLE_MS) sources.delete(key);
    // Map order is insertion order; refreshed buckets are re-inserted, so the first are stalest.
    for (const key of sources.keys()) {
      if (sources.size < MAX_BUCKETS) break;
      sources.delete(key);
    }
  };

  const bucketOf = (map: Map<string, Bucket>, key: string, perMinute: number, now: number) => {
    const bucket = map.get(key) ?? { tokens: perMinute, at: now };
    refill(bucket, perMinute, now);
    map.delete(key);
    map.set(key, bucket);
    return bucket;
  };

  return {
    take(route, source, now = Date.now()) {
      sweep(now);
      const perRoute = bucketOf(routes, route, limits.perRoutePerMinute, now);
      const perSource = bucketOf(sources, `${route}\n${source}`, limits.perSourcePerMinute, now);
      // The source's own bucket is checked first: a flooding source is refused without
      // spending the route's shared tokens that other sources need.
      if (perSource.tokens < 1)
        return { ok: false, retryAfterSec: waitSec(perSource, limits.perSourcePerMinute) };
      if (perRoute.tokens < 1)
        return { ok: false, retryAfterSec: waitSec(perRoute, limits.perRoutePerMinute) };
      perSource.tokens -= 1;
      perRoute.tokens -= 1;
      return { ok: true };
    },
  };
}
