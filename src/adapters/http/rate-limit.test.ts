import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limit.ts";

describe("createRateLimiter", () => {
  it("lets a source burst a minute's worth, then refuses with the wait until a token is back", () => {
    const limiter = createRateLimiter({ perSourcePerMinute: 60, perRoutePerMinute: 1_000 });
    const at = 1_000_000;
    for (let i = 0; i < 60; i += 1) expect(limiter.take("/r", "a", at).ok).toBe(true);
    expect(limiter.take("/r", "a", at)).toEqual({ ok: false, retryAfterSec: 1 });
    // Another source and another route have buckets of their own.
    expect(limiter.take("/r", "b", at).ok).toBe(true);
    expect(limiter.take("/other", "a", at).ok).toBe(true);
    // One token per second comes back at 60 a minute.
    expect(limiter.take("/r", "a", at + 1_000).ok).toBe(true);
    expect(limiter.take("/r", "a", at + 1_000).ok).toBe(false);
  });

  it("holds a route to its total across sources, without charging a refused source", () => {
    const limiter = createRateLimiter({ perSourcePerMinute: 5, perRoutePerMinute: 10 });
    const at = 0;
    let accepted = 0;
    for (let s = 0; s < 20; s += 1) if (limiter.take("/r", `s${s}`, at).ok) accepted += 1;
    expect(accepted).toBe(10);
    const refused = limiter.take("/r", "fresh", at);
    expect(refused).toEqual({ ok: false, retryAfterSec: 6 });
    // A flooding source spends its own bucket only: the route keeps tokens for the rest.
    const quiet = createRateLimiter({ perSourcePerMinute: 2, perRoutePerMinute: 10 });
    for (let i = 0; i < 50; i += 1) quiet.take("/r", "flood", at);
    for (let s = 0; s < 8; s += 1) expect(quiet.take("/r", `ok${s}`, at).ok).toBe(true);
  });
});
