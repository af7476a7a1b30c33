import { describe, expect, it } from "vitest";
import { MAX_ONSET_UNCERTAINTY_MINUTES } from "../../src/domain/run-onset.ts";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import type { CloudWatchReader, MetricQuery, MetricSeries } from "../tools.ts";
import type { SpecialistInput, TicketContext } from "../types.ts";
import { createAwsSpecialist } from "./index.ts";
import { fellFromLimit, sawtoothOf, ZOOM_PERIOD_SECONDS } from "./leak.ts";

/**
 * Memory killed at its limit: when the window read shows a fall from the limit, the
 * specialist zooms out over days, dates a sawtooth where its first climb began, adopts
 * the service it belongs to in an account scan, and reads the stop reasons since then.
 */

const NOW = new Date("2026-04-10T12:00:00Z");
const HOUR = 3_600_000;
/** Memory (%) at `t`: flat at 40 until `leakFrom`, then +15 %/h from 38, killed above 95. */
function memoryAt(t: number, leakFrom: number | undefined): number {
  if (leakFrom === undefined || t < leakFrom) return 40 + 0.4 * Math.sin(t / HOUR);
  const hours = ((t - leakFrom) / HOUR) % 4;
  return 38 + 15 * hours;
}
/** The series CloudWatch would answer for [start, end] at the query's period. */
function memorySeries(q: MetricQuery, leakFrom: number | undefined): MetricSeries {
  const step = q.periodSeconds * 1000;
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let t = Math.ceil(q.start.getTime() / step) * step; t <= q.end.getTime(); t += step) {
    timestamps.push(new Date(t).toISOString());
    values.push(Math.round(memoryAt(t, leakFrom) * 10) / 10);
  }
  return { label: q.metricName, timestamps, values };
}

const ticket: TicketContext = {
  snapshot: {
    ticketKey: "SUP-7",
    title: "Exports sometimes fail",
    labels: ["prode"],
    status: "Triage",
    descriptionExcerpt: "Customers say an export fails now and then; a retry works.",
    linked: { sentryIssueIds: [], awsRefs: [], requestIds: [] },
    createdAt: "2026-04-10T11:30:00.000Z",
    updatedAt: "2026-04-10T11:30:00.000Z",
    fetchedAt: "2026-04-10T12:00:00.000Z",
  },
  comments: [],
  attachments: [],
};

const ECS_DIMS = [
  { name: "ClusterName", value: "prod-batch" },
  { name: "ServiceName", value: "exporter" },
];
const oomEvent = (at: string) => ({
  "@timestamp": at.replace("T", " ").replace("Z", ""),
  "@message":
    '{"detail-type":"ECS Task State Change","detail":{"lastStatus":"STOPPED","containers":[{"exitCode":137,"reason":"OutOfMemoryError: Container killed due to memory usage"}]}}',
});

/** A CloudWatch whose memory leaks from `leakFrom`, with `kills` (ECS stop events) in its log. */
function world(
  leakFrom: number | undefined,
  kills = [oomEvent("2026-04-10T07:50:00.000Z"), oomEvent("2026-04-10T11:50:00.000Z")],
) {
  const zoomed: MetricQuery[] = [];
  const logQueries: { start: Date }[] = [];
  const reader: CloudWatchReader = {
    getMetricSeries: async (q) => {
      if (q.metricName !== "MemoryUtilization")
        return { label: q.metricName, timestamps: [], values: [] };
      if (q.periodSeconds === ZOOM_PERIOD_SECONDS) zoomed.push(q);
      return memorySeries(q, leakFrom);
    },
    listMetrics: async (q) =>
      q.namespace === "AWS/ECS" &&
      (q.metricName === undefined || q.metricName === "MemoryUtilization")
        ? [
            {
              namespace: "AWS/ECS",
              metricName: "MemoryUtilization",
              dimensions: Object.fromEntries(ECS_DIMS.map((d) => [d.name, d.value])),
            },
          ]
        : [],
    describeAlarms: async () => [],
    describeAlarmHistory: async () => [],
    listLogGroups: async (pattern) =>
      pattern === "prod-batch" ? ["/aws/events/ecs/prod-batch"] : [`/ecs/${pattern}`],
    describeHealthEvents: async () => [],
    queryLogs: async (q) => {
      if (!q.logGroupNames[0]!.startsWith("/aws/events/")) return [];
      logQueries.push({ start: q.start });
      return kills;
    },
  };
  return { reader, zoomed, logQueries };
}

const input = (cloudwatch: CloudWatchReader): SpecialistInput => ({
  question: "What does CloudWatch show?",
  ticket,
  hints: { pages: [], recipes: [], negativeControls: [] },
  tools: { cloudwatch },
  signal: new AbortController().signal,
  deadline: new Date(Date.now() + 5_000),
  now: NOW,
});

describe("memory killed at its limit", () => {
  it("sees a fall from the limit between two samples, not a fall from below it", () => {
    const at = (values: number[]) => values.map((value, i) => ({ at: i * 60_000, value }));
    expect(fellFromLimit(at([80, 88, 95, 40, 45]))).toBe(true);
    expect(fellFromLimit(at([60, 70, 85, 30, 35]))).toBe(false);
    expect(fellFromLimit(at([95, 96, 94, 90, 92]))).toBe(false);
  });

  it("makes a dated sawtooth a rise from the baseline to the peaks, windowed from its onset", () => {
    const leakFrom = NOW.getTime() - 60 * HOUR;
    const q = {
      namespace: "AWS/ECS",
      metricName: "MemoryUtilization",
      dimensions: {},
      stat: "Average" as const,
      periodSeconds: ZOOM_PERIOD_SECONDS,
      start: new Date(NOW.getTime() - 7 * 24 * HOUR),
      end: NOW,
    };
    const found = sawtoothOf(memorySeries(q, leakFrom), NOW)!;
    expect(found.change.direction).toBe("rise");
    expect(found.change.onset).toBe(new Date(leakFrom).toISOString());
    expect(found.change.before).toBeCloseTo(40, 0);
    expect(found.change.after).toBeGreaterThan(90);
    expect(found.change.windowStart).toBe(found.change.onset);
    // The whole read a sawtooth: undated, and its change is no rise.
    const always = sawtoothOf(memorySeries(q, q.start.getTime()), NOW)!;
    expect(always.change.onset).toBeUndefined();
    expect(always.change.direction).toBe("flat");
  });

  it("adopts the scanned service, dates its memory rise and its crash loop at the first climb, and reads the kills since", async () => {
    const leakFrom = NOW.getTime() - 60 * HOUR;
    const w = world(leakFrom);
    const aws = createAwsSpecialist({ services: {} });
    const out = normalizeSpecialistOutput(await aws.run(input(w.reader)));
    expect(out.status).toBe("returned");
    expect(w.zoomed).toHaveLength(1);
    const onset = new Date(leakFrom).toISOString();
    expect(out.signals).toContainEqual(
      expect.objectContaining({
        kind: "series_change",
        measure: "memory",
        direction: "rise",
        onset,
        service: "exporter",
      }),
    );
    const loops = out.signals.filter((s) => s.kind === "crash_loop");
    // Dated to the zoomed read's 30-minute sampling period, not to a 5-minute sample; the
    // restarts are the two stop events read, not the 15 falls of the series.
    expect(loops).toEqual([
      expect.objectContaining({
        reason: "out_of_memory",
        onset,
        onsetUncertaintyMinutes: ZOOM_PERIOD_SECONDS / 60,
        service: "exporter",
        restarts: 2,
        stopEvents: { outOfMemory: 2, exits: 0 },
      }),
    ]);
    expect(w.logQueries[0]!.start.getTime()).toBeLessThanOrEqual(leakFrom);
    expect(out.findings.map((f) => f.fact)).toContainEqual(
      expect.stringContaining("falls back at once, 15 times since"),
    );
  });

  it("makes no crash loop of a sawtooth whose tasks no stop event shows killed (a cache flushed on a schedule)", async () => {
    const leakFrom = NOW.getTime() - 60 * HOUR;
    const w = world(leakFrom, []);
    const named = { ...input(w.reader), ticket: { ...ticket, service: "exporter" } };
    const aws = createAwsSpecialist({ services: { exporter: { cluster: "prod-batch" } } });
    const out = normalizeSpecialistOutput(await aws.run(named));
    expect(w.logQueries.length).toBeGreaterThan(0);
    expect(out.signals.filter((s) => s.kind === "crash_loop")).toEqual([]);
    // The shape is still evidence: a finding and the memory series' rise.
    expect(out.findings.map((f) => f.fact)).toContainEqual(
      expect.stringContaining("no task was seen killed out of memory"),
    );
    expect(out.signals).toContainEqual(
      expect.objectContaining({ kind: "series_change", measure: "memory", direction: "rise" }),
    );
  });

  it("places a sawtooth older than the zoomed read at the read's start, ± the read's length: it dates nothing and never follows a release inside the read", async () => {
    const w = world(NOW.getTime() - 30 * 24 * HOUR);
    const named = { ...input(w.reader), ticket: { ...ticket, service: "exporter" } };
    const aws = createAwsSpecialist({ services: { exporter: { cluster: "prod-batch" } } });
    const out = normalizeSpecialistOutput(await aws.run(named));
    const loop = out.signals.find((s) => s.kind === "crash_loop") as
      | { onset?: string; onsetUncertaintyMinutes?: number }
      | undefined;
    expect(loop?.onset).toBeDefined();
    expect(Date.parse(loop!.onset!)).toBeLessThanOrEqual(NOW.getTime() - 7 * 24 * HOUR + HOUR);
    expect(loop!.onsetUncertaintyMinutes).toBeGreaterThanOrEqual(7 * 24 * 60 - 60);
    expect(loop!.onsetUncertaintyMinutes).toBeGreaterThan(MAX_ONSET_UNCERTAINTY_MINUTES);
    // The window's tooth is no rise of its own: the memory has done this all week.
    expect(out.signals).toContainEqual(
      expect.objectContaining({ kind: "series_change", measure: "memory", direction: "flat" }),
    );
  });

  it("does not adopt a scanned service whose memory has been a sawtooth all along", async () => {
    const w = world(NOW.getTime() - 30 * 24 * HOUR);
    const out = normalizeSpecialistOutput(
      await createAwsSpecialist({ services: {} }).run(input(w.reader)),
    );
    expect(
      out.signals.filter((s) => s.kind === "crash_loop" || s.kind === "series_change"),
    ).toEqual([]);
  });

  it("does not zoom out on memory that never fell from its limit", async () => {
    const w = world(undefined);
    await createAwsSpecialist({ services: {} }).run(input(w.reader));
    expect(w.zoomed).toHaveLength(0);
    expect(w.logQueries).toHaveLength(0);
  });
});
