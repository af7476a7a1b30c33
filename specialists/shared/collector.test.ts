import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { SpecialistOutputSchema } from "../../src/domain/specialist-output.ts";
import {
  CHECK_RULES,
  type ConfidenceRules,
  EvidenceCollector,
  isNotFound,
  READ_RULES,
  settle,
} from "./collector.ts";
import { DeadlineReached } from "./deadline.ts";

const AT = new Date("2026-11-20T14:35:00.000Z");

const collector = (rules: ConfidenceRules) =>
  new EvidenceCollector({
    specialistId: "test",
    question: "What?",
    at: AT,
    deadlineMs: 45_000,
    rules,
  });

/** A collector with one source, `gaps` points of gaps and a signal if asked. */
function gathered(rules: ConfidenceRules, { gaps = 0, signal = false } = {}) {
  const ev = collector(rules);
  const ref = ev.source({ kind: "sentry_issue", ref: "sentry_issue:1" });
  ev.finding({ fact: "seen", source: ref });
  if (signal) ev.signal({ source: ref, kind: "no_5xx_rise", service: "api", windowMinutes: 30 });
  if (gaps > 0) ev.gap({ what: "events unavailable", confidenceImpact: gaps });
  return ev;
}

describe("EvidenceCollector", () => {
  it("lists a source once, cites it by name, defaults times to the run's start and validates", () => {
    const ev = collector(READ_RULES);
    const ref = ev.source({ kind: "sentry_issue", ref: "sentry_issue:1" });
    ev.source({ kind: "sentry_issue", ref: "sentry_issue:1", fetchedAt: new Date(0) });
    ev.finding({ fact: "fact", source: ref });
    ev.finding({ fact: "later", source: ref, observedAt: "2026-11-20T14:40:00.000Z" });
    ev.correlate({ kind: "request_id", value: "req_1" });
    ev.correlate({ kind: "request_id", value: "req_1" });
    ev.correlate({ kind: "request_id", value: "" });
    const out = SpecialistOutputSchema.parse(ev.returned("next"));
    expect(out.sources).toEqual([
      { kind: "sentry_issue", ref: "sentry_issue:1", fetchedAt: AT.toISOString() },
    ]);
    expect(out.findings).toEqual([
      { fact: "fact", sourceRef: "sentry_issue:1", observedAt: AT.toISOString() },
      { fact: "later", sourceRef: "sentry_issue:1", observedAt: "2026-11-20T14:40:00.000Z" },
    ]);
    expect(out.correlationIds).toEqual([{ kind: "request_id", value: "req_1" }]);
    expect(out.nextPivot).toBe("next");
  });

  it("accepts only a registered source's ref where a finding or signal cites one", () => {
    const ev = collector(CHECK_RULES);
    const ref = ev.source({ kind: "db_query", ref: "db_query:q" });
    // Checked by tsc, never run: each line would be a compile error without its comment.
    const _wontCompile = () => {
      // @ts-expect-error a plain string (a fact) is not a SourceRef: a swap does not compile
      ev.finding({ fact: ref, source: "3 of 10 rows are stale" });
      // @ts-expect-error a signal cites `source`, not a raw `sourceRef`
      ev.signal({ sourceRef: ref, kind: "derived_rows_consistent", table: "t" });
    };
    ev.signal({ source: ref, kind: "derived_rows_consistent", table: "t" });
    expect(ev.signals).toEqual([
      { kind: "derived_rows_consistent", table: "t", sourceRef: "db_query:q" },
    ]);
  });

  it("clamps a gap's impact to 0–100", () => {
    const ev = collector(CHECK_RULES);
    ev.gap({ what: "a", confidenceImpact: 150 });
    ev.gap({ what: "b", confidenceImpact: -5 });
    expect(ev.returned().gaps.map((g) => g.confidenceImpact)).toEqual([100, 0]);
  });
});

describe("confidence rules", () => {
  it("check-based: 85 with a signal, 60 without, 0 without a source, less the gaps", () => {
    expect(gathered(CHECK_RULES, { signal: true, gaps: 10 }).returned().confidence).toBe(75);
    expect(gathered(CHECK_RULES, { gaps: 10 }).returned().confidence).toBe(50);
    expect(collector(CHECK_RULES).returned().confidence).toBe(0);
    expect(gathered(CHECK_RULES, { gaps: 90 }).returned().confidence).toBe(0);
  });

  it("check-based: a timed-out run keeps half, rounded", () => {
    expect(gathered(CHECK_RULES, { signal: true, gaps: 10 }).timedOut()).toMatchObject({
      status: "timed_out",
      confidence: 38,
      deadlineMs: 45_000,
    });
  });

  it("read-based: a flat 85 less the gaps, signal or not, and at most 30 when timed out", () => {
    expect(gathered(READ_RULES, { gaps: 15 }).returned().confidence).toBe(70);
    expect(gathered(READ_RULES, { signal: true, gaps: 15 }).returned().confidence).toBe(70);
    expect(gathered(READ_RULES, { gaps: 15 }).timedOut().confidence).toBe(30);
    expect(gathered(READ_RULES, { gaps: 70 }).timedOut().confidence).toBe(15);
    expect(collector(READ_RULES).timedOut().confidence).toBe(30);
  });

  it("skipped and failed runs are 0 whatever they gathered", () => {
    expect(gathered(CHECK_RULES, { signal: true }).skipped("n/a").confidence).toBe(0);
    expect(gathered(READ_RULES).failed(new Error("x")).confidence).toBe(0);
  });
});

describe("check-based runs", () => {
  const live = () => new AbortController().signal;
  const ok = { what: "ok", confidenceImpact: 10, run: async () => {} };
  const down = (code: ErrorCode = ErrorCode.UpstreamUnavailable) => ({
    what: "5xx rate of alb",
    confidenceImpact: 15,
    run: () => Promise.reject(new AppError(code, "503", { retryable: true })),
  });

  it("fails with the first error when every check failed upstream, each one a gap", async () => {
    const ev = collector(CHECK_RULES);
    await ev.check(down(), live());
    await ev.check(down(ErrorCode.Timeout), live());
    const out = ev.finish(live(), "pivot");
    expect(out).toMatchObject({
      status: "failed",
      confidence: 0,
      error: { code: ErrorCode.UpstreamUnavailable, retryable: true },
    });
    expect(out.gaps).toEqual([
      { what: "5xx rate of alb unavailable (upstream_unavailable): 503", confidenceImpact: 15 },
      { what: "5xx rate of alb unavailable (timeout): 503", confidenceImpact: 15 },
    ]);
  });

  it("returns when one check succeeded, with the failed one's gap priced", async () => {
    const ev = collector(CHECK_RULES);
    ev.source({ kind: "cloudwatch_metric", ref: "m" });
    await ev.check(ok, live());
    await ev.check(down(), live());
    expect(ev.finish(live(), "pivot")).toMatchObject({
      status: "returned",
      confidence: 45,
      nextPivot: "pivot",
    });
  });

  it("a check that outlives the deadline is no failure, and the run ends timed out", async () => {
    const ev = collector(CHECK_RULES);
    await ev.check({ ...ok, run: () => new Promise(() => {}) }, AbortSignal.abort());
    const out = ev.finish(AbortSignal.abort());
    expect(out).toMatchObject({ status: "timed_out", deadlineMs: 45_000 });
    expect(out.gaps).toEqual([]);
  });
});

describe("read-based runs", () => {
  it("end timed out when the deadline threw, failed with the error's code otherwise", () => {
    const ev = gathered(READ_RULES);
    expect(ev.thrown(new DeadlineReached())).toMatchObject({ status: "timed_out" });
    expect(ev.thrown(new Error("boom"))).toMatchObject({
      status: "failed",
      error: { code: ErrorCode.Internal, retryable: false },
    });
    expect(ev.failed(new AppError(ErrorCode.NotFound, "gone"), "retry")).toMatchObject({
      error: { code: ErrorCode.NotFound },
      nextPivot: "retry",
    });
  });

  it("settle returns upstream failures as values and only throws for the deadline", async () => {
    const signal = new AbortController().signal;
    const read = await settle(() => Promise.reject(new Error("500")), signal);
    expect(read).toMatchObject({ ok: false, error: { code: ErrorCode.UpstreamUnavailable } });
    await expect(settle(() => Promise.resolve(3), signal)).resolves.toEqual({ ok: true, value: 3 });
    await expect(settle(() => Promise.resolve(3), AbortSignal.abort())).rejects.toBeInstanceOf(
      DeadlineReached,
    );
  });

  it("only NotFound means there is no such thing; bad input is a failure to look", () => {
    expect(isNotFound(new AppError(ErrorCode.NotFound, "no issue"))).toBe(true);
    expect(isNotFound(new AppError(ErrorCode.BadInput, "tag identifies people"))).toBe(false);
  });
});
