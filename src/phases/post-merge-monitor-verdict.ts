/**
 * The post-merge verdict (DESIGN.md, Delivery: POST_MERGE_MONITOR), pure: given the watch's
 * policy, the deployment that holds the merge commit, the ticket's Sentry events and the
 * service's load-balancer 5xx and latency series, either decide (resolved, still recurring,
 * inconclusive; with the series that decided it and why) or say when to look again. Data
 * in, data out; `now` is an argument.
 */

export type MonitorVerdict = "resolved" | "still_recurring" | "inconclusive";

/** What a verdict can rest on: the deploy (or its absence), the Sentry issue, the ALB series. */
export type MonitorSignal = "deploy" | "sentry" | "5xx" | "latency";

export interface MonitorDeploy {
  id: number;
  sha: string;
  createdAt: string;
}

/**
 * One source as the monitor read it: its data; `absent` when it is not there to read (no
 * connector, no load balancer in the catalog, no linked issue), which the verdict names;
 * `failed` when the read failed, which never yields "resolved".
 */
export type Source<T> =
  | { status: "ok"; data: T }
  | { status: "absent"; why: string }
  | { status: "failed"; why: string };

/** A CloudWatch series: ISO timestamps, oldest first, paired with values. */
export interface SeriesPoints {
  timestamps: string[];
  values: number[];
}

/** The watch's policy (`delivery.monitor`), in milliseconds. */
export interface MonitorTiming {
  windowMs: number;
  recheckMs: number;
  minObservationMs: number;
}

export interface MonitorInput {
  mergeSha: string;
  /** When the watch began: the merge (or the first check, when GitHub gave no merge time). */
  since: Date;
  now: Date;
  timing: MonitorTiming;
  /** The earliest deployment holding the merge commit; `ok` with undefined when none does yet. */
  deploy: Source<MonitorDeploy | undefined>;
  /** The ticket's Sentry issue events (their dates). */
  sentry: Source<{ dates: string[] }>;
  /** The load balancer's target 5xx (Sum per period) over {@link seriesSpan}. */
  errors5xx: Source<SeriesPoints>;
  /** The load balancer's target response time (p99 seconds per period) over {@link seriesSpan}. */
  latency: Source<SeriesPoints>;
}

export interface MonitorResult {
  verdict: MonitorVerdict;
  reason: string;
  /** The signals the verdict rests on, first the one that decided it. */
  decidedBy: MonitorSignal[];
  deploy?: MonitorDeploy;
}

export type MonitorDecision =
  | ({ kind: "verdict" } & MonitorResult)
  /** Too early to judge: check again at `at` (never later than the watch's end). */
  | { kind: "wait"; at: Date; reason: string; deploy?: MonitorDeploy };

/** Fewer target 5xx than this after the deploy never blocks "resolved" (a stray error). */
export const MIN_5XX_AFTER = 3;
/** 5xx before the deploy needed for the 5xx series alone to show a fix. */
export const MIN_5XX_BEFORE = 5;
/** The 5xx rate "fell" when the rate after is at most this share of the rate before. */
export const FELL_SHARE = 0.5;
/** p99 latency "rose" when it is this many times the one before and at least ROSE_BY_S more. */
export const LATENCY_ROSE_FACTOR = 1.5;
export const LATENCY_ROSE_BY_S = 0.1;

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
const rate = (n: number) => `${n.toFixed(n >= 10 ? 0 : 1)}/min`;

/**
 * The span the series are read over once the deploy has been watched long enough to judge
 * (the same length before the deploy as after it), or undefined while it is too early:
 * before then only Sentry is read, to catch a recurrence early.
 */
export function seriesSpan(
  deploy: MonitorDeploy,
  now: Date,
  minObservationMs: number,
): { start: Date; end: Date } | undefined {
  const at = Date.parse(deploy.createdAt);
  const observed = now.getTime() - at;
  if (!Number.isFinite(at) || observed < minObservationMs) return undefined;
  return { start: new Date(at - observed), end: now };
}

interface Split {
  before: number[];
  after: number[];
}

function split(points: SeriesPoints, at: number, start: number, end: number): Split {
  const out: Split = { before: [], after: [] };
  points.timestamps.forEach((ts, k) => {
    const t = Date.parse(ts);
    const v = points.values[k];
    if (!Number.isFinite(t) || v === undefined || !Number.isFinite(v)) return;
    if (t >= start && t < at) out.before.push(v);
    else if (t >= at && t <= end) out.after.push(v);
  });
  return out;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: number[]) => (xs.length ? sum(xs) / xs.length : undefined);

/** How the target 5xx moved across the deploy; CloudWatch omits periods without any, so a gap is zero. */
export function compare5xx(
  s: Split,
  spanMs: number,
): { fell: boolean; stayed: boolean; text: string; beforeCount: number } {
  const per = Math.max(spanMs / 60_000, 1);
  const before = sum(s.before);
  const after = sum(s.after);
  const fell = before > 0 && after / per <= (before / per) * FELL_SHARE;
  // "Did not fall": enough errors after the deploy, and not a clear drop.
  const stayed = after >= MIN_5XX_AFTER && !fell;
  return {
    fell,
    stayed,
    beforeCount: before,
    text: `target 5xx ${rate(after / per)} after vs ${rate(before / per)} before`,
  };
}

/** How p99 latency moved across the deploy (mean of the per-period p99s on each side). */
export function compareLatency(s: Split): { rose: boolean; text: string } | undefined {
  const before = mean(s.before);
  const after = mean(s.after);
  if (before === undefined || after === undefined) return undefined;
  const rose = after > before * LATENCY_ROSE_FACTOR && after - before >= LATENCY_ROSE_BY_S;
  return { rose, text: `p99 latency ${after.toFixed(2)} s after vs ${before.toFixed(2)} s before` };
}

/**
 * Decides, or says when to look again. The order is the on-call engineer's:
 * 1. no deploy holds the merge yet: wait until the window ends, then `inconclusive` (at
 *    once when deployments cannot be read at all: GitHub not configured);
 * 2. the Sentry issue has events after the deploy: `still_recurring` at once;
 * 3. less than the minimum observation since the deploy: wait;
 * 4. a source that failed: wait while the window is open, then `inconclusive` naming it;
 * 5. the Sentry issue stopped (events before, none after) and the 5xx did not stay up nor
 *    latency rise: `resolved`; 5xx that stayed up or latency that rose make it
 *    `inconclusive` with that series named;
 * 6. no Sentry events to compare: the 5xx series alone may show the fix (it fell from a
 *    real rate); otherwise `inconclusive`, nothing to compare.
 */
export function decideMonitor(input: MonitorInput): MonitorDecision {
  const { now, timing } = input;
  const sha = input.mergeSha.slice(0, 7);
  const windowEnd = input.since.getTime() + timing.windowMs;
  /** Wait for the next check, never past `boundary`; null when the boundary has passed. */
  const waitUntil = (
    boundary: number,
    reason: string,
    deploy?: MonitorDeploy,
  ): MonitorDecision | null =>
    now.getTime() < boundary
      ? {
          kind: "wait",
          at: new Date(Math.min(now.getTime() + timing.recheckMs, boundary)),
          reason,
          ...(deploy ? { deploy } : {}),
        }
      : null;
  const verdict = (
    v: MonitorVerdict,
    reason: string,
    decidedBy: MonitorSignal[],
    deploy?: MonitorDeploy,
  ): MonitorDecision => ({
    kind: "verdict",
    verdict: v,
    reason,
    decidedBy,
    ...(deploy ? { deploy } : {}),
  });
  const windowText = `${minutes(timing.windowMs)} after the merge`;

  if (input.deploy.status === "absent") {
    // Nothing to wait for: a source that is not there will not appear within the window.
    return verdict("inconclusive", `no deployments to watch: ${input.deploy.why}`, ["deploy"]);
  }
  if (input.deploy.status === "failed") {
    const gap = `GitHub deployments unavailable: ${input.deploy.why}`;
    return (
      waitUntil(windowEnd, gap) ??
      verdict("inconclusive", `${gap}; the window (${windowText}) ended`, ["deploy"])
    );
  }
  const deploy = input.deploy.data;
  if (!deploy) {
    return (
      waitUntil(windowEnd, `not deployed yet: no deployment containing ${sha}`) ??
      verdict(
        "inconclusive",
        `not deployed within the window: no deployment containing ${sha} by ${new Date(windowEnd).toISOString()} (${windowText})`,
        ["deploy"],
      )
    );
  }
  const at = Date.parse(deploy.createdAt);
  if (!Number.isFinite(at)) {
    return verdict("inconclusive", "the deployment has no readable time", ["deploy"], deploy);
  }
  const deployed = `deploy ${deploy.id} (${deploy.sha.slice(0, 7)}) at ${deploy.createdAt}`;
  const observed = Math.max(now.getTime() - at, 0);

  const events =
    input.sentry.status === "ok"
      ? input.sentry.data.dates.map(Date.parse).filter(Number.isFinite)
      : [];
  const after = events.filter((t) => t >= at && t <= now.getTime());
  if (after.length > 0) {
    const last = new Date(Math.max(...after)).toISOString();
    return verdict(
      "still_recurring",
      `decided by Sentry: ${after.length} event(s) since ${deployed}, the last at ${last}`,
      ["sentry"],
      deploy,
    );
  }
  const observedEnd = at + timing.minObservationMs;
  if (observed < timing.minObservationMs) {
    // Always waits: the watch runs the full observation even past the window's end.
    return waitUntil(
      observedEnd,
      `only ${minutes(observed)} since ${deployed}; ${minutes(timing.minObservationMs)} without the error are needed`,
      deploy,
    )!;
  }

  const failed = (
    [
      ["sentry", "Sentry", input.sentry],
      ["5xx", "target 5xx", input.errors5xx],
      ["latency", "latency", input.latency],
    ] as const
  ).filter(([, , s]) => s.status === "failed");
  if (failed.length > 0) {
    const gap = failed
      .map(([, name, s]) => `${name} unavailable: ${(s as { why: string }).why}`)
      .join("; ");
    return (
      waitUntil(windowEnd, gap, deploy) ??
      verdict(
        "inconclusive",
        `${gap} after ${deployed}; the watch ended without it`,
        failed.map(([signal]) => signal),
        deploy,
      )
    );
  }

  const spanStart = at - observed;
  const fivexx =
    input.errors5xx.status === "ok"
      ? compare5xx(split(input.errors5xx.data, at, spanStart, now.getTime()), observed)
      : undefined;
  const latency =
    input.latency.status === "ok"
      ? compareLatency(split(input.latency.data, at, spanStart, now.getTime()))
      : undefined;
  const notes = [
    fivexx?.text ??
      (input.errors5xx.status === "absent"
        ? `target 5xx not compared: ${input.errors5xx.why}`
        : ""),
    latency?.text ??
      (input.latency.status === "absent"
        ? `latency not compared: ${input.latency.why}`
        : "latency: too few datapoints to compare"),
  ].filter(Boolean);
  const noteText = notes.length ? ` (${notes.join("; ")})` : "";
  const before = events.filter((t) => t < at && t >= spanStart).length;
  const sentryStopped = input.sentry.status === "ok" && before > 0;

  if (sentryStopped || fivexx?.fell) {
    const shown = sentryStopped
      ? `no event in the ${minutes(observed)} after ${deployed}; ${before} in the same span before it`
      : `the target 5xx fell after ${deployed}`;
    if (fivexx?.stayed) {
      return verdict(
        "inconclusive",
        `decided by the target 5xx: ${shown}, but the load balancer's 5xx did not fall${noteText}`,
        ["5xx", ...(sentryStopped ? (["sentry"] as const) : [])],
        deploy,
      );
    }
    if (latency?.rose) {
      return verdict(
        "inconclusive",
        `decided by latency: ${shown}, but p99 latency rose${noteText}`,
        ["latency", ...(sentryStopped ? (["sentry"] as const) : [])],
        deploy,
      );
    }
    if (sentryStopped) {
      return verdict(
        "resolved",
        `decided by Sentry: ${shown}${noteText}`,
        [
          "sentry",
          ...(fivexx?.fell ? (["5xx"] as const) : []),
          ...(latency ? (["latency"] as const) : []),
        ],
        deploy,
      );
    }
    if (fivexx && fivexx.beforeCount >= MIN_5XX_BEFORE) {
      const sentryNote =
        input.sentry.status === "absent"
          ? `the Sentry issue not read: ${input.sentry.why}`
          : "no event of the Sentry issue on either side to compare";
      return verdict(
        "resolved",
        `decided by the target 5xx: ${fivexx.text} ${deployed}; ${sentryNote}${latency ? `; ${latency.text}` : ""}`,
        ["5xx", ...(latency ? (["latency"] as const) : [])],
        deploy,
      );
    }
  }
  const sentryText =
    input.sentry.status === "absent"
      ? `the Sentry issue not read (${input.sentry.why})`
      : `no event of the Sentry issue in the ${minutes(observed)} before or after ${deployed}`;
  return verdict(
    "inconclusive",
    `nothing to compare: ${sentryText}, and no clear drop in the target 5xx${noteText}`,
    ["sentry", ...(fivexx ? (["5xx"] as const) : [])],
    deploy,
  );
}
