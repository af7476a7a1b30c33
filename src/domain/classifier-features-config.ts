import { ROLLOUT_SLACK_MINUTES } from "./classifier-conflicts.ts";
import { all, RELEASE_WINDOW_MINUTES, releases } from "./classifier-features.ts";
import type { SignalIndex, TaggedSignal } from "./classifier-index.ts";

/**
 * Features of a release that needs configuration its environment lacks: the new code
 * reads a required value (an environment variable, a setting, a secret) and its guard
 * throws "missing required configuration" on every request that reaches it. The release
 * is the cause, yet the code does what it was written to do; the remedy is setting the
 * value (or rolling back), which a human owns. Read from the exception's own words (the
 * `missingConfig` mark the Sentry specialist sets from its type and message), never from
 * the order of its stack frames.
 */

const MINUTE = 60_000;
type Exception = TaggedSignal<"new_exception">;
type Release = TaggedSignal<"release_correlation">;

/** The exception fails requests: not caught and recovered, not answered 4xx only. */
const failsRequests = (e: Exception) => {
  const codes = e.signal.statusCodes ?? [];
  const rejectsOnly = codes.length > 0 && codes.every((c) => c >= 400 && c < 500);
  return e.signal.handled !== true && !rejectsOnly;
};

/**
 * First seen once the release's rollout had begun (its recorded start, else its end less
 * {@link ROLLOUT_SLACK_MINUTES}) and within {@link RELEASE_WINDOW_MINUTES} of it: an
 * exception the release brought.
 */
function firstSeenWith(e: Exception, r: Release): boolean {
  const seen = Date.parse(e.signal.firstSeen);
  const began = r.signal.deployStartedAt
    ? Date.parse(r.signal.deployStartedAt)
    : Date.parse(r.signal.deployedAt) - ROLLOUT_SLACK_MINUTES * MINUTE;
  return seen >= began && seen - Date.parse(r.signal.deployedAt) <= RELEASE_WINDOW_MINUTES * MINUTE;
}

/** Exceptions failing requests that correlated releases brought, with those releases. */
function broughtByRelease(i: SignalIndex): { exceptions: Exception[]; releases: Release[] } {
  const near = releases(i);
  const exceptions = i
    .of("new_exception")
    .filter((e) => failsRequests(e) && near.some((r) => firstSeenWith(e, r)));
  return {
    exceptions,
    releases: near.filter((r) => exceptions.some((e) => firstSeenWith(e, r))),
  };
}

/**
 * Every exception a correlated release brought says a required configuration value is
 * missing (at least one does): the release needs configuration the environment lacks, and
 * nothing else it brought is failing. With those releases.
 */
export const releaseNeedsMissingConfig = (i: SignalIndex): TaggedSignal[] => {
  const brought = broughtByRelease(i);
  const config = brought.exceptions.filter((e) => e.signal.missingConfig === true);
  if (config.length === 0 || config.length < brought.exceptions.length) return [];
  return all(config, brought.releases);
};

/**
 * A correlated release brought both an exception saying required configuration is missing
 * and others that do not: a code change would fix only part of it, and setting the value
 * (or rolling back) may be the whole remedy. With the exceptions and releases.
 */
export const releasePartlyNeedsMissingConfig = (i: SignalIndex): TaggedSignal[] => {
  const brought = broughtByRelease(i);
  const config = brought.exceptions.filter((e) => e.signal.missingConfig === true);
  if (config.length === 0 || config.length === brought.exceptions.length) return [];
  return all(brought.exceptions, brought.releases);
};
