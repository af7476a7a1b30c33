import { describe, expect, it } from "vitest";
import {
  decideMonitor,
  type MonitorInput,
  type SeriesPoints,
  seriesSpan,
} from "./post-merge-monitor-verdict.ts";

const SHA = "a".repeat(40);
const MIN = 60_000;
const deploy = { id: 7, sha: SHA, createdAt: "2026-03-01T12:00:00.000Z" };
const DEPLOYED = Date.parse(deploy.createdAt);
const at = (minutesFromDeploy: number) => new Date(DEPLOYED + minutesFromDeploy * MIN);

/** One point a minute over [from, to) minutes from the deploy, valued by `value(minute)`. */
function series(from: number, to: number, value: (m: number) => number): SeriesPoints {
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let m = from; m < to; m += 1) {
    timestamps.push(at(m).toISOString());
    values.push(value(m));
  }
  return { timestamps, values };
}

const ok = <T>(data: T) => ({ status: "ok", data }) as const;
const base: MonitorInput = {
  mergeSha: SHA,
  since: at(-10),
  now: at(60),
  timing: { windowMs: 120 * MIN, recheckMs: 10 * MIN, minObservationMs: 30 * MIN },
  deploy: ok(deploy),
  sentry: ok({ dates: [at(-50).toISOString(), at(-20).toISOString()] }),
  // 4 errors a minute before the deploy, none after.
  errors5xx: ok(series(-60, 60, (m) => (m < 0 ? 4 : 0))),
  latency: ok(series(-60, 60, () => 0.3)),
};

describe("the post-merge verdict", () => {
  it("is resolved when the Sentry issue stops after the deploy and the 5xx fall with it", () => {
    const r = decideMonitor(base);
    expect(r).toMatchObject({ kind: "verdict", verdict: "resolved", deploy });
    if (r.kind !== "verdict") return;
    expect(r.decidedBy).toEqual(["sentry", "5xx", "latency"]);
    expect(r.reason).toMatch(
      /^decided by Sentry: no event .* 60 min after deploy 7 .*2 in the same span before/,
    );
    expect(r.reason).toMatch(/target 5xx 0\.0\/min after vs 4\.0\/min before/);
  });

  it("is still recurring at once when the issue comes back after the deploy, before the quiet period", () => {
    const r = decideMonitor({
      ...base,
      now: at(10),
      sentry: ok({ dates: [at(-20).toISOString(), at(5).toISOString()] }),
    });
    expect(r).toMatchObject({ kind: "verdict", verdict: "still_recurring", decidedBy: ["sentry"] });
    if (r.kind === "verdict") expect(r.reason).toMatch(/1 event\(s\) since deploy 7.*12:05/);
  });

  it("waits for the deploy until the window ends, then is inconclusive: not deployed within the window", () => {
    const early = decideMonitor({ ...base, deploy: ok(undefined), now: at(0) });
    expect(early).toEqual({
      kind: "wait",
      at: at(10),
      reason: "not deployed yet: no deployment containing aaaaaaa",
    });
    // The last re-check lands on the window's end, never past it.
    const last = decideMonitor({ ...base, deploy: ok(undefined), now: at(105) });
    expect(last).toMatchObject({ kind: "wait", at: at(110) });
    const ended = decideMonitor({ ...base, deploy: ok(undefined), now: at(110) });
    expect(ended).toMatchObject({
      kind: "verdict",
      verdict: "inconclusive",
      decidedBy: ["deploy"],
    });
    if (ended.kind === "verdict") {
      expect(ended.reason).toBe(
        "not deployed within the window: no deployment containing aaaaaaa by 2026-03-01T13:50:00.000Z (120 min after the merge)",
      );
    }
  });

  it("waits out the minimum observation after a deploy, even one late in the window", () => {
    const r = decideMonitor({ ...base, since: at(-115), now: at(12) });
    expect(r).toMatchObject({ kind: "wait", at: at(22), deploy });
    if (r.kind === "wait")
      expect(r.reason).toMatch(/only 12 min since deploy 7 .*; 30 min without the error/);
    // Window over (ended at +5 min), observation not: the next check is still due.
    expect(decideMonitor({ ...base, since: at(-115), now: at(25) })).toMatchObject({
      kind: "wait",
      at: at(30),
    });
  });

  it("never says resolved when a source failed: waits while the window is open, then names the gap", () => {
    const failing = { ...base, sentry: { status: "failed", why: "UpstreamUnavailable" } } as const;
    expect(decideMonitor(failing)).toMatchObject({ kind: "wait", at: at(70) });
    const ended = decideMonitor({ ...failing, now: at(111) });
    expect(ended).toMatchObject({
      kind: "verdict",
      verdict: "inconclusive",
      decidedBy: ["sentry"],
    });
    if (ended.kind === "verdict")
      expect(ended.reason).toMatch(/^Sentry unavailable: UpstreamUnavailable/);
    const cw = decideMonitor({
      ...base,
      now: at(111),
      latency: { status: "failed", why: "Throttled" },
    });
    expect(cw).toMatchObject({ verdict: "inconclusive", decidedBy: ["latency"] });
    // Deployments that cannot be read at all (GitHub not configured) end the watch at once.
    expect(
      decideMonitor({ ...base, deploy: { status: "absent", why: "GitHub is not configured" } }),
    ).toMatchObject({
      kind: "verdict",
      verdict: "inconclusive",
      reason: "no deployments to watch: GitHub is not configured",
    });
    const gh = decideMonitor({
      ...base,
      now: at(111),
      deploy: { status: "failed", why: "RateLimited" },
    });
    expect(gh).toMatchObject({ verdict: "inconclusive", decidedBy: ["deploy"] });
  });

  it("is inconclusive, decided by the 5xx, when Sentry went quiet but the load balancer's 5xx did not fall", () => {
    const r = decideMonitor({ ...base, errors5xx: ok(series(-60, 60, () => 4)) });
    expect(r).toMatchObject({ verdict: "inconclusive", decidedBy: ["5xx", "sentry"] });
    if (r.kind === "verdict")
      expect(r.reason).toMatch(/^decided by the target 5xx: .*did not fall/);
  });

  it("is inconclusive, decided by latency, when p99 latency rose after the deploy", () => {
    const r = decideMonitor({ ...base, latency: ok(series(-60, 60, (m) => (m < 0 ? 0.3 : 1.2))) });
    expect(r).toMatchObject({ verdict: "inconclusive", decidedBy: ["latency", "sentry"] });
    if (r.kind === "verdict")
      expect(r.reason).toMatch(/p99 latency 1\.20 s after vs 0\.30 s before/);
  });

  it("lets the 5xx alone show the fix when the ticket links no Sentry issue, and names the gap", () => {
    const r = decideMonitor({
      ...base,
      sentry: { status: "absent", why: "the ticket links no Sentry issue" },
    });
    expect(r).toMatchObject({ verdict: "resolved", decidedBy: ["5xx", "latency"] });
    if (r.kind === "verdict")
      expect(r.reason).toMatch(
        /^decided by the target 5xx: .*the Sentry issue not read: the ticket links no Sentry issue/,
      );
  });

  it("is inconclusive when there is nothing to compare", () => {
    const r = decideMonitor({
      ...base,
      sentry: ok({ dates: [] }),
      errors5xx: ok({ timestamps: [], values: [] }),
      latency: { status: "absent", why: "no CloudWatch connector" },
    });
    expect(r).toMatchObject({ verdict: "inconclusive" });
    if (r.kind === "verdict") {
      expect(r.reason).toMatch(
        /^nothing to compare: no event of the Sentry issue in the 60 min before or after deploy 7/,
      );
      expect(r.reason).toMatch(/latency not compared: no CloudWatch connector/);
    }
  });

  it("reads the series only once the deploy was watched long enough, over equal spans around it", () => {
    expect(seriesSpan(deploy, at(29), 30 * MIN)).toBeUndefined();
    expect(seriesSpan(deploy, at(40), 30 * MIN)).toEqual({ start: at(-40), end: at(40) });
  });
});
