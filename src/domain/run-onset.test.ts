import { describe, expect, it } from "vitest";
import { returnedOutput, skippedOutput } from "../../test/setup/classifier-fixtures.ts";
import { CRASH_LOOP_ONSET_UNCERTAINTY_MINUTES, runOnset } from "./run-onset.ts";
import type { SeriesMeasure } from "./signals.ts";

const rise = (measure: SeriesMeasure, onset: string, uncertainty = 2) =>
  ({
    kind: "series_change",
    measure,
    direction: "rise",
    before: 1,
    after: 10,
    onset,
    onsetUncertaintyMinutes: uncertainty,
  }) as const;

describe("runOnset", () => {
  it("picks the earliest credible rise among every specialist's symptom series", () => {
    const onset = runOnset([
      returnedOutput("sentry", { kind: "sentry_issue", ref: "sentry_issue:1" }, [
        rise("error_events", "2026-11-20T14:06:00Z", 0),
      ]),
      returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cw:alb" }, [
        rise("errors_5xx", "2026-11-20T14:02:30Z", 2.5),
      ]),
    ]);
    expect(onset).toMatchObject({
      at: "2026-11-20T14:02:30Z",
      specialistId: "aws",
      source: "series",
      measure: "errors_5xx",
      uncertaintyMinutes: 2.5,
      sourceRef: "cw:alb",
      candidates: 2,
    });
  });

  it("ignores load and dependency measures, flat series and onsets known only coarsely", () => {
    const onset = runOnset([
      returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cw:a" }, [
        rise("cpu", "2026-11-20T10:00:00Z"),
        rise("requests", "2026-11-20T10:00:00Z"),
        rise("latency_p99", "2026-11-19T00:00:00Z", 720),
        { kind: "series_change", measure: "errors_5xx", direction: "flat", before: 1, after: 1 },
        rise("latency_p99", "2026-11-20T12:00:00Z", 5),
      ]),
    ]);
    expect(onset?.at).toBe("2026-11-20T12:00:00Z");
    expect(onset?.candidates).toBe(1);
  });

  it("dates the symptom by a 4xx rise only when no other symptom series rose", () => {
    const aws = (...signals: ReturnType<typeof rise>[]) =>
      returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cw:alb" }, [...signals]);
    expect(runOnset([aws(rise("errors_4xx", "2026-11-20T10:00:00Z"))])).toMatchObject({
      at: "2026-11-20T10:00:00Z",
      measure: "errors_4xx",
    });
    const both = runOnset([
      aws(rise("errors_4xx", "2026-11-20T10:00:00Z"), rise("latency_p99", "2026-11-20T11:00:00Z")),
    ]);
    expect(both).toMatchObject({ at: "2026-11-20T11:00:00Z", measure: "latency_p99" });
  });

  it("dates the symptom by tasks lost below an unchanged desired count when no symptom series rose, never by a scale-in", () => {
    const drop = {
      kind: "series_change",
      measure: "running_tasks",
      direction: "drop",
      before: 6,
      after: 4,
      service: "svc",
      onset: "2026-11-20T10:04:00Z",
      onsetUncertaintyMinutes: 0.5,
    } as const;
    const health = (healthy: number, desired: number) =>
      ({ kind: "task_health", service: "svc", healthy, desired }) as const;
    const aws = (...signals: Parameters<typeof returnedOutput>[2]) =>
      returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cw:ecs" }, signals);
    expect(runOnset([aws(drop, health(4, 6), rise("cpu", "2026-11-20T09:00:00Z"))])).toMatchObject({
      at: "2026-11-20T10:04:00Z",
      measure: "running_tasks",
      uncertaintyMinutes: 0.5,
      service: "svc",
    });
    // A scale-in lowers the desired count with the running one: nothing was lost.
    expect(runOnset([aws(drop, health(4, 4))])).toBeUndefined();
    // A scale-out (more tasks running) is no symptom either, even with tasks short.
    const more = { ...drop, direction: "rise", before: 4, after: 6 } as const;
    expect(runOnset([aws(more, health(5, 6))])).toBeUndefined();
    // A symptom series that rose dates the symptom, even a later one.
    expect(
      runOnset([aws(drop, health(4, 6), rise("errors_5xx", "2026-11-20T10:06:00Z"))]),
    ).toMatchObject({ at: "2026-11-20T10:06:00Z", measure: "errors_5xx" });
  });

  it("carries the service the onset's series names", () => {
    const onset = runOnset([
      returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cw:q" }, [
        { ...rise("queue_age", "2026-11-20T10:00:00Z"), service: "svc-worker" },
      ]),
    ]);
    expect(onset?.service).toBe("svc-worker");
  });

  it("counts a new exception's first event as a measured rise of its error events", () => {
    const onset = runOnset([
      returnedOutput("sentry", { kind: "sentry_issue", ref: "sentry_issue:9" }, [
        {
          kind: "new_exception",
          issueId: "9",
          path: "POST /v1/x",
          firstSeen: "2026-11-20T14:06:11Z",
          culprit: "f(x.ts)",
        },
      ]),
    ]);
    expect(onset).toMatchObject({
      at: "2026-11-20T14:06:11Z",
      measure: "error_events",
      uncertaintyMinutes: 0,
      sourceRef: "sentry_issue:9",
    });
  });

  it("dates the symptom by a crash loop's onset, as a rise of restarts, when it came first", () => {
    const loop = (onset?: string, restarts = 12) =>
      ({
        kind: "crash_loop",
        reason: "out_of_memory",
        restarts,
        service: "svc-render",
        ...(onset ? { onset } : {}),
      }) as const;
    const onset = runOnset([
      returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cw:mem" }, [
        loop("2026-11-16T10:00:00Z"),
        rise("latency_p99", "2026-11-18T10:00:00Z"),
      ]),
    ]);
    expect(onset).toMatchObject({
      at: "2026-11-16T10:00:00Z",
      measure: "restarts",
      service: "svc-render",
      uncertaintyMinutes: CRASH_LOOP_ONSET_UNCERTAINTY_MINUTES,
      sourceRef: "cw:mem",
      candidates: 2,
    });
    // Undated, or no restart at all: nothing to date.
    const aws = returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cw:mem" }, [
      loop(undefined),
      loop("2026-11-16T10:00:00Z", 0),
    ]);
    expect(runOnset([aws])).toBeUndefined();
  });

  it("states a crash loop's onset with the loop's own uncertainty, and skips a loop older than the read", () => {
    const loop = (onset: string, uncertainty: number) =>
      ({
        kind: "crash_loop",
        reason: "out_of_memory",
        restarts: 3,
        onset,
        onsetUncertaintyMinutes: uncertainty,
      }) as const;
    const at = (...signals: ReturnType<typeof loop | typeof rise>[]) =>
      runOnset([returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cw:mem" }, signals)]);
    // A memory climb sampled every 30 min is dated to ±30 min, not to a 5-minute sample.
    expect(at(loop("2026-11-16T10:00:00Z", 30))).toMatchObject({
      at: "2026-11-16T10:00:00Z",
      measure: "restarts",
      uncertaintyMinutes: 30,
    });
    // A sawtooth from the read's first sample began before it: ± the read's length dates
    // nothing, so the later symptom that is dated stands as the onset.
    const week = 7 * 24 * 60;
    expect(at(loop("2026-11-09T12:00:00Z", week))).toBeUndefined();
    expect(
      at(loop("2026-11-09T12:00:00Z", week), rise("latency_p99", "2026-11-15T08:00:00Z")),
    ).toMatchObject({ at: "2026-11-15T08:00:00Z", measure: "latency_p99", candidates: 1 });
  });

  it("dates a long-lived issue that spikes by its own series' rise, not by its first event months ago", () => {
    const oldIssue = {
      kind: "new_exception",
      issueId: "7",
      path: "job nightly",
      firstSeen: "2026-08-02T03:00:00Z",
      culprit: "f(x.ts)",
    } as const;
    const spiking = runOnset([
      returnedOutput("sentry", { kind: "sentry_issue", ref: "sentry_issue:7" }, [
        oldIssue,
        rise("error_events", "2026-11-20T03:00:00Z", 30),
      ]),
    ]);
    expect(spiking).toMatchObject({ at: "2026-11-20T03:00:00Z", uncertaintyMinutes: 30 });
    const steady = runOnset([
      returnedOutput("sentry", { kind: "sentry_issue", ref: "sentry_issue:7" }, [
        oldIssue,
        { kind: "series_change", measure: "error_events", direction: "flat", before: 2, after: 2 },
      ]),
    ]);
    // A steady old issue: its first event still dates when the defect appeared.
    expect(steady).toMatchObject({ at: "2026-08-02T03:00:00Z" });
  });

  it("falls back to the oldest stale derived row, marked as data state", () => {
    const onset = runOnset([
      returnedOutput("db", { kind: "db_query", ref: "db_query:q1" }, [
        {
          kind: "stale_derived_rows",
          table: "t",
          staleCount: 3,
          totalCount: 10,
          oldestStaleAt: "2026-11-13T08:14:22Z",
        },
      ]),
    ]);
    expect(onset).toMatchObject({ source: "data_state", at: "2026-11-13T08:14:22Z" });
  });

  it("dates a data-state onset by the edit of a reference row the rows shifted at", () => {
    const onset = runOnset([
      returnedOutput("db", { kind: "db_query", ref: "db_query:q2" }, [
        {
          kind: "reference_edit",
          table: "t",
          named: "Name",
          editedAt: "2026-11-12T10:12:41Z",
          datedBy: "audit_trail",
          referringTable: "r",
          rowsBefore: 100,
          rowsSince: 40,
          shifted: [{ column: "amount", before: 10, after: 0 }],
        },
      ]),
    ]);
    expect(onset).toMatchObject({ source: "data_state", at: "2026-11-12T10:12:41Z" });
    expect(onset?.what).toContain("edit of the t row");
  });

  it("is undefined when nothing returned dates the symptom", () => {
    expect(runOnset([skippedOutput("aws", "no tool")])).toBeUndefined();
  });
});
