import { describe, expect, it } from "vitest";
import type { MetricSeries } from "../tools.ts";
import {
  assessErrorRate,
  crossedAt,
  dominantRoute,
  droppedBelowAt,
  infraEventsOf,
  insightsTimeToIso,
  summarizeCapacityEvents,
  summarizeErrorRows,
  sustainedShortfallSince,
} from "./analysis.ts";
import { poisonInLogs } from "./emit.ts";
import type { SeriesChange } from "./series.ts";

const NOW = new Date("2026-11-20T14:35:00Z");

/** One datapoint per minute for the hour before NOW, valued by minutes-before-now. */
function perMinuteSeries(value: (minutesAgo: number) => number): MetricSeries {
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let ago = 60; ago >= 1; ago--) {
    timestamps.push(new Date(NOW.getTime() - ago * 60_000).toISOString());
    values.push(value(ago));
  }
  return { label: "m", timestamps, values };
}

const EMPTY: MetricSeries = { label: "m", timestamps: [], values: [] };

describe("assessErrorRate", () => {
  it("reads a 5xx jump in the last half hour as a rise, with the error share", () => {
    const errors = perMinuteSeries((ago) => (ago <= 30 ? 12 : 1));
    const requests = perMinuteSeries(() => 400);
    const reading = assessErrorRate(errors, requests, NOW);
    expect(reading).toMatchObject({ from: 1, to: 12, rising: true, ratioFrom: 0.25, ratioTo: 3 });
  });

  it("does not call a traffic surge with a steady error share a rise", () => {
    const errors = perMinuteSeries((ago) => (ago <= 30 ? 10 : 2));
    const requests = perMinuteSeries((ago) => (ago <= 30 ? 5000 : 1000));
    expect(assessErrorRate(errors, requests, NOW)?.rising).toBe(false);
  });

  it("does not call a tiny absolute change a rise even when it doubles", () => {
    const errors = perMinuteSeries((ago) => (ago <= 30 ? (ago % 5 === 0 ? 1 : 0) : 0));
    expect(assessErrorRate(errors, undefined, NOW)?.rising).toBe(false);
  });

  it("reads an empty 5xx series with requests as zero errors, and no data at all as unknown", () => {
    expect(
      assessErrorRate(
        EMPTY,
        perMinuteSeries(() => 300),
        NOW,
      ),
    ).toMatchObject({
      from: 0,
      to: 0,
      rising: false,
    });
    expect(assessErrorRate(EMPTY, EMPTY, NOW)).toBeUndefined();
    expect(assessErrorRate(EMPTY, undefined, NOW)).toBeUndefined();
  });
});

describe("series helpers", () => {
  const series: MetricSeries = {
    label: "age",
    timestamps: [
      "2026-11-21T02:00:00Z",
      "2026-11-21T02:01:00Z",
      "2026-11-21T02:02:00Z",
      "2026-11-21T02:03:00Z",
    ],
    values: [950, 100, 901, 1200],
  };

  it("crossedAt finds when the series went above and stayed above", () => {
    expect(crossedAt(series, 900)).toBe("2026-11-21T02:02:00Z");
    expect(crossedAt(series, 5000)).toBeUndefined();
  });

  it("droppedBelowAt finds when the series went below and stayed below", () => {
    const running: MetricSeries = { ...series, values: [8, 5, 8, 2] };
    expect(droppedBelowAt(running, 8)).toBe("2026-11-21T02:03:00Z");
  });

  it("converts Logs Insights times to ISO and leaves other text alone", () => {
    expect(insightsTimeToIso("2026-11-21 01:52:03.000")).toBe("2026-11-21T01:52:03.000Z");
    expect(insightsTimeToIso("yesterday")).toBe("yesterday");
  });
});

describe("summarizeErrorRows", () => {
  const rows: Record<string, string>[] = [
    {
      "err.type": "TypeError",
      method: "POST",
      path: "/v1/onboarding/complete",
      req_id: "req_01AAAAAAAAAA",
    },
    {
      "err.type": "TypeError",
      method: "POST",
      path: "/v1/onboarding/complete",
      req_id: "req_01BBBBBBBBBB",
    },
    { "error.type": "Timeout", method: "GET", path: "/v1/me", requestId: "not an id!" },
  ];

  it("counts types and routes and keeps only well-formed request ids", () => {
    const summary = summarizeErrorRows(rows);
    expect(summary.lines).toBe(3);
    expect(summary.types).toEqual([
      { type: "TypeError", count: 2 },
      { type: "Timeout", count: 1 },
    ]);
    expect(summary.routes[0]).toEqual({ route: "POST /v1/onboarding/complete", count: 2 });
    expect(summary.requestIds).toEqual(["req_01AAAAAAAAAA", "req_01BBBBBBBBBB"]);
  });

  it("names a dominant route only when it holds at least 60% of the lines", () => {
    expect(dominantRoute(summarizeErrorRows(rows))).toBe("POST /v1/onboarding/complete");
    expect(dominantRoute(summarizeErrorRows([...rows, rows[2]!]))).toBeUndefined();
  });
});

describe("buckets in error lines", () => {
  it("keeps the buckets the error lines name, once each", () => {
    const summary = summarizeErrorRows([
      { level: "error", bucket: "acme-photos-prod" },
      { level: "error", bucket: "acme-photos-prod" },
      { level: "error", "s3.bucket": "acme-exports-prod" },
      { level: "error", path: "/v1/me" },
    ]);
    expect(summary.buckets).toEqual(["acme-exports-prod", "acme-photos-prod"]);
  });
});

describe("summarizeCapacityEvents", () => {
  it("counts a placement failure reported as event and message once, with its reason", () => {
    const events = summarizeCapacityEvents([
      {
        "@timestamp": "2026-11-21 01:52:03.000",
        "@message":
          '{"detail":{"eventName":"SERVICE_TASK_PLACEMENT_FAILURE","reason":"RESOURCE:MEMORY"}}',
      },
      {
        "@timestamp": "2026-11-21 01:52:04.000",
        "@message":
          "(service w) was unable to place a task because … has insufficient memory available.",
      },
      {
        "@timestamp": "2026-11-21 02:20:05.000",
        "@message":
          "(service w) was unable to place a task because … has insufficient memory available.",
      },
      {
        "@timestamp": "2026-11-21 01:53:40.000",
        "@message": "(service w) has stopped 6 running tasks: (task a)",
      },
      {
        "@timestamp": "2026-11-21 01:50:00.000",
        "@message":
          "Executing scheduled action night-scale-in. Changing the desired capacity from 4 to 2.",
      },
    ]);
    expect(events).toEqual({
      placementFailures: 2,
      placementReasons: ["memory"],
      tasksStopped: 6,
      capacityChanges: [{ from: 4, to: 2, at: "2026-11-21T01:50:00.000Z" }],
      outOfMemory: 0,
      containerExits: 0,
      firstAt: "2026-11-21T01:50:00.000Z",
    });
  });

  it("finds nothing in unrelated lines", () => {
    expect(summarizeCapacityEvents([{ "@message": "batch processed" }])).toMatchObject({
      placementFailures: 0,
      tasksStopped: 0,
      capacityChanges: [],
    });
  });
});

describe("infraEventsOf", () => {
  it("keeps infrastructure events on our resources, with their category", () => {
    const rows = [
      {
        "@timestamp": "2026-01-01 10:00:00.000",
        "@message": JSON.stringify({
          detail: { EventCategories: ["failover"], SourceIdentifier: "ours-db", Message: "x" },
        }),
      },
      {
        "@timestamp": "2026-01-01 10:01:00.000",
        "@message": JSON.stringify({
          detail: { EventCategories: ["failover"], SourceIdentifier: "other-db", Message: "x" },
        }),
      },
      {
        "@timestamp": "2026-01-01 10:02:00.000",
        "@message": JSON.stringify({
          detail: { EventCategories: ["backup"], SourceIdentifier: "ours-db", Message: "done" },
        }),
      },
      { "@timestamp": "2026-01-01 10:03:00.000", "@message": "Replacing node 0001 of ours-cache" },
    ];
    expect(infraEventsOf(rows, ["ours-db", "ours-cache"])).toEqual([
      { at: "2026-01-01T10:00:00.000Z", resource: "ours-db", what: "failover" },
      { at: "2026-01-01T10:03:00.000Z", resource: "ours-cache", what: "replacing" },
    ]);
    expect(infraEventsOf(rows, [])).toEqual([]);
  });
});

describe("poison and capacity evidence in log lines", () => {
  it("counts how many times one message was received: its receive count, else its repeated id", () => {
    const stated = summarizeErrorRows([
      { level: "error", message_id: "m-1", receive_count: "1" },
      { level: "error", message_id: "m-1", receive_count: "42" },
    ]);
    expect(stated.redelivered).toBe(42);
    const repeated = summarizeErrorRows([
      { level: "error", messageId: "m-9" },
      { level: "error", messageId: "m-9" },
      { level: "error", messageId: "m-9" },
      { level: "error", messageId: "m-2" },
    ]);
    expect(repeated.redelivered).toBe(3);
    expect(summarizeErrorRows([{ level: "error", path: "/a" }]).redelivered).toBe(0);
  });

  it("reads the scaling ceiling and a desired count set by Application Auto Scaling", () => {
    const events = summarizeCapacityEvents([
      {
        "@timestamp": "2026-11-20 14:00:00.000",
        "@message": "Successfully set desired count to 18. Change successfully fulfilled by ecs.",
      },
      {
        "@timestamp": "2026-11-20 14:10:00.000",
        "@message":
          "Failed to set desired count to 30: the desired count would exceed the maximum capacity of 18.",
      },
    ]);
    expect(events.maxCapacity).toBe(18);
    expect(events.capacityChanges.map((c) => c.to)).toEqual([18]);
  });
});

describe("redeliveries that are poison, and those that are an outage", () => {
  const deletes = (direction: SeriesChange["direction"], latest: number): SeriesChange => ({
    direction,
    before: 400,
    after: latest,
    windowStart: "2026-11-20T14:00:00Z",
    windowEnd: "2026-11-20T14:35:00Z",
    level: latest,
    total: latest * 30,
    latest,
    peak: 400,
    samples: [],
  });
  /** `ids` messages, each named in error lines with a stated receive count. */
  const failing = (ids: number, receives: number) =>
    Array.from({ length: ids }, (_, n) => ({
      level: "error",
      message_id: `m-${n}`,
      receive_count: String(receives),
    }));

  it("one message received many times while the others are deleted is poison", () => {
    const logs = summarizeErrorRows(failing(1, 40));
    expect(logs).toMatchObject({ messages: 1, redeliveredMessages: 1 });
    expect(poisonInLogs(logs, deletes("flat", 400))).toBe(true);
  });

  it("many messages redelivered (a dependency or vendor down) is not", () => {
    const logs = summarizeErrorRows(failing(25, 30));
    expect(logs.redeliveredMessages).toBe(25);
    expect(poisonInLogs(logs, deletes("flat", 400))).toBe(false);
  });

  it("a few receives per message is a retry, not a redelivery loop", () => {
    // Three receives: what one blip or a consumer restart gives any message.
    const logs = summarizeErrorRows(failing(1, 3));
    expect(logs.redeliveredMessages).toBe(0);
    expect(poisonInLogs(logs, deletes("flat", 400))).toBe(false);
  });

  it("deletes that dropped, or were never read, leave it unproven", () => {
    const logs = summarizeErrorRows(failing(1, 40));
    expect(poisonInLogs(logs, deletes("drop", 3))).toBe(false);
    expect(poisonInLogs(logs, undefined)).toBe(false);
  });
});

describe("a sustained shortfall of running tasks", () => {
  const at = (minute: number) => new Date(Date.parse("2026-11-20T14:00:00Z") + minute * 60_000);
  const perMinute = (value: (minute: number) => number, minutes = 30): MetricSeries => ({
    label: "m",
    timestamps: Array.from({ length: minutes }, (_, m) => at(m).toISOString()),
    values: Array.from({ length: minutes }, (_, m) => value(m)),
  });

  it("is dated where running fell below an unchanged desired count", () => {
    const since = sustainedShortfallSince(
      perMinute((m) => (m < 10 ? 6 : 3)),
      perMinute(() => 6),
    );
    expect(since).toBe(at(10).toISOString());
  });

  it("is none during a scale-out (desired just raised, new tasks starting) or a brief dip", () => {
    expect(
      sustainedShortfallSince(
        perMinute(() => 4),
        perMinute((m) => (m < 28 ? 4 : 6)),
      ),
    ).toBeUndefined();
    expect(
      sustainedShortfallSince(
        perMinute((m) => (m < 25 ? 6 : 5)),
        perMinute(() => 6),
      ),
    ).toBeUndefined();
  });
});
