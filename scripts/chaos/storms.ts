import type { FaultSpec } from "../../sim/faults.ts";
import type { Fault } from "./suite.ts";

/**
 * The chaos suite's provider storms (issue 17): for 10–60 s the simulated Slack or Linear
 * answers every call with a rate limit (Slack: HTTP 429 + Retry-After; Linear: the
 * RATELIMITED GraphQL error with Retry-After and X-RateLimit-* headers) or a 500. Runs
 * in flight must wait the storm out and complete (PRODE_PROVIDER_OUTAGE_MAX_MINUTES, 30
 * by default, is the bound; every storm here is far under it), with no duplicated effect.
 * A storm's drain bound starts when it ends (`lastsSeconds`): a run that backed off just
 * before the end sleeps up to one backoff step past it (2 s doubling, at most 2 min).
 */

function storm(name: string, seconds: number, spec: Omit<FaultSpec, "forMs">): Fault {
  return {
    name,
    lastsSeconds: seconds,
    inject: async (s) => s.world.injectFault({ ...spec, forMs: seconds * 1_000 }),
  };
}

/** The Retry-After a storm of this length answers with: short storms, short asks. */
const retryAfterFor = (seconds: number) => (seconds >= 60 ? 10 : seconds >= 30 ? 5 : 2);

/** The longer storms, 30 s and 60 s, of each kind issue 17 names. */
const LONG_STORMS: Fault[] = [30, 60].flatMap((seconds) => [
  storm(`Slack 429 storm (${seconds} s, Retry-After ${retryAfterFor(seconds)} s)`, seconds, {
    service: "slack",
    kind: "rate_limit",
    retryAfterSec: retryAfterFor(seconds),
  }),
  storm(`Slack 500 storm (${seconds} s)`, seconds, {
    service: "slack",
    kind: "error",
    status: 500,
  }),
  storm(`Linear rate limit storm (${seconds} s)`, seconds, {
    service: "linear",
    kind: "rate_limit",
    retryAfterSec: retryAfterFor(seconds),
  }),
]);

export const STORM_FAULTS: Fault[] = [
  // The 10 s storms of the first chaos run (issue 17: "ended 100 of 100 runs FAILED").
  storm("Slack 429 storm (10 s)", 10, { service: "slack", kind: "rate_limit", retryAfterSec: 2 }),
  storm("Linear 500 storm (10 s)", 10, { service: "linear", kind: "error", status: 500 }),
  ...LONG_STORMS,
];
