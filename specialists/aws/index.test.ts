import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import {
  normalizeSpecialistOutput,
  type RawSpecialistOutput,
} from "../../src/domain/specialist-output.ts";
import type { CloudWatchReader, MetricQuery, MetricSeries } from "../tools.ts";
import type { SpecialistInput, TicketContext } from "../types.ts";
import { createAwsSpecialist } from "./index.ts";

/**
 * The specialist's decisions over a CloudWatchReader double (the port, not the SDK):
 * which signal a reading becomes, and how failures and the deadline shape the output.
 * The real reads run against the simulated world in test/integration.
 */

const NOW = new Date("2026-11-21T02:40:00Z");

function minutes(value: (ago: number) => number): MetricSeries {
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let ago = 60; ago >= 1; ago--) {
    timestamps.push(new Date(NOW.getTime() - ago * 60_000).toISOString());
    values.push(value(ago));
  }
  return { label: "m", timestamps, values };
}

const ticket: TicketContext = {
  snapshot: {
    ticketKey: "OPS-9",
    title: "ALARM: orders-age",
    labels: ["prode"],
    status: "Triage",
    descriptionExcerpt:
      "Metric: AWS/SQS ApproximateAgeOfOldestMessage, QueueName = orders, greater than the threshold (600.0)",
    linked: { sentryIssueIds: [], awsRefs: ["orders-age"], requestIds: [] },
    createdAt: "2026-11-21T02:14:09.000Z",
    updatedAt: "2026-11-21T02:14:09.000Z",
    fetchedAt: "2026-11-21T02:20:00.000Z",
  },
  service: "orders-worker",
  comments: [],
  attachments: [],
};

const catalog = {
  "orders-worker": { cluster: "prod-workers", loadBalancer: "app/orders/0123456789abcdef" },
};

function input(
  cloudwatch: CloudWatchReader,
  overrides: Partial<SpecialistInput> = {},
): SpecialistInput {
  return {
    question: "What does CloudWatch show?",
    ticket,
    hints: { pages: [], recipes: [], negativeControls: [] },
    tools: { cloudwatch },
    signal: new AbortController().signal,
    deadline: new Date(Date.now() + 5_000),
    now: NOW,
    ...overrides,
  };
}

const healthy: Record<string, MetricSeries> = {
  ApproximateAgeOfOldestMessage: minutes((ago) => 2000 - ago * 10),
  RunningTaskCount: minutes(() => 8),
  DesiredTaskCount: minutes(() => 8),
  HTTPCode_Target_5XX_Count: minutes(() => 1),
  RequestCount: minutes(() => 500),
};

function reader(
  metric: (q: MetricQuery) => Promise<MetricSeries>,
  logs: () => Promise<Record<string, string>[]> = async () => [],
  more: Partial<CloudWatchReader> = {},
): CloudWatchReader {
  return {
    getMetricSeries: metric,
    queryLogs: logs,
    listMetrics: async () => [],
    describeAlarms: async () => [],
    describeAlarmHistory: async () => [],
    listLogGroups: async (pattern) => [`/ecs/${pattern}`],
    describeHealthEvents: async () => [],
    ...more,
  };
}

const fromTable = (q: MetricQuery) =>
  Promise.resolve(healthy[q.metricName] ?? { label: q.metricName, timestamps: [], values: [] });

describe("aws specialist decisions", () => {
  it("turns an old queue and full task count into queue_saturation, task_health and no_5xx_rise", async () => {
    const aws = createAwsSpecialist({ services: catalog });
    const out = normalizeSpecialistOutput(await aws.run(input(reader(fromTable))));
    expect(out.status).toBe("returned");
    expect(out.signals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: "queue_saturation",
          queue: "orders",
          threshold: 600,
          ageSeconds: 1990,
        }),
        expect.objectContaining({
          kind: "task_health",
          service: "orders-worker",
          healthy: 8,
          desired: 8,
        }),
        expect.objectContaining({
          kind: "no_5xx_rise",
          service: "orders-worker",
          windowMinutes: 60,
        }),
      ]),
    );
  });

  it("records a failed read as a gap and keeps the others", async () => {
    const aws = createAwsSpecialist({ services: catalog });
    const throttled = (q: MetricQuery) =>
      q.namespace === "AWS/SQS"
        ? Promise.reject(
            new AppError(ErrorCode.UpstreamRateLimited, "Rate exceeded", { retryable: true }),
          )
        : fromTable(q);
    const out = normalizeSpecialistOutput(await aws.run(input(reader(throttled))));
    expect(out.status).toBe("returned");
    expect(out.signals.map((s) => s.kind)).not.toContain("queue_saturation");
    expect(out.gaps).toContainEqual({
      what: expect.stringContaining("age of queue orders unavailable (upstream_rate_limited)"),
      confidenceImpact: 20,
    });
  });

  it("fails with the upstream error when every read fails", async () => {
    const aws = createAwsSpecialist({ services: catalog });
    const denied = () => Promise.reject(new AppError(ErrorCode.Unauthorized, "AccessDenied"));
    const out = normalizeSpecialistOutput(
      await aws.run(
        input(
          reader(denied, denied, {
            listMetrics: denied,
            describeAlarms: denied,
            describeAlarmHistory: denied,
            listLogGroups: denied,
            describeHealthEvents: denied,
          }),
        ),
      ),
    );
    expect(out).toMatchObject({
      status: "failed",
      error: { code: "unauthorized", retryable: false },
    });
  });

  it("returns timed_out at the deadline with what it had already read", async () => {
    const aws = createAwsSpecialist({ services: catalog, timeoutMs: 200 });
    const hanging = reader(fromTable, () => new Promise(() => {}));
    const started = Date.now();
    const out = normalizeSpecialistOutput(
      await aws.run(input(hanging, { deadline: new Date(Date.now() + 200) })),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(out).toMatchObject({ status: "timed_out", deadlineMs: 200 });
    expect(out.findings.some((f) => f.fact.includes("oldest message in orders"))).toBe(true);
  });

  it("stops when the caller aborts", async () => {
    const aws = createAwsSpecialist({ services: catalog });
    const controller = new AbortController();
    const pending = aws.run(
      input(
        reader(() => new Promise(() => {})),
        { signal: controller.signal },
      ),
    );
    controller.abort();
    expect((await pending).status).toBe("timed_out");
  });

  it("is skipped without a CloudWatch reader; routed whenever AWS is configured", async () => {
    const aws = createAwsSpecialist({ services: {} });
    const none = await aws.run({ ...input(reader(fromTable)), tools: {} });
    expect(none).toMatchObject({
      status: "skipped",
      reason: expect.stringContaining("aws connector"),
    });
    const bare: TicketContext = {
      ...ticket,
      service: undefined,
      snapshot: {
        ...ticket.snapshot,
        descriptionExcerpt: "something odd",
        linked: { ...ticket.snapshot.linked, awsRefs: [] },
      },
    };
    // Nothing named: it still runs (the account's alarms and AWS Health) and says so.
    const unknown = await aws.run({ ...input(reader(fromTable)), ticket: bare });
    expect(unknown.status).toBe("returned");
    expect(unknown.gaps.map((g) => g.what).join("; ")).toContain("no service and no AWS resource");
    const hints = input(reader(fromTable)).hints;
    expect(aws.appliesTo(bare, [], hints).applies).toBe(false);
    const configured = [
      { connector: "aws" as const, status: "available" as const, confidenceImpact: 0 },
    ];
    expect(aws.appliesTo(bare, configured, hints)).toMatchObject({
      applies: true,
      required: false,
    });
  });

  it("is required for alarms and HTTP failures, optional otherwise", () => {
    const aws = createAwsSpecialist({ services: catalog });
    const hints = { pages: [], recipes: [], negativeControls: [] };
    expect(aws.appliesTo(ticket, [], hints)).toMatchObject({ applies: true, required: true });
    const billing: TicketContext = {
      ...ticket,
      snapshot: {
        ...ticket.snapshot,
        title: "Invoice total looks wrong",
        descriptionExcerpt: "The dashboard total disagrees with the invoice list.",
        linked: { ...ticket.snapshot.linked, awsRefs: [] },
      },
    };
    expect(aws.appliesTo(billing, [], hints)).toMatchObject({ applies: true, required: false });
  });
});

describe("aws specialist: generic reads over the port", () => {
  it("records failed discovery as a gap and still reads what the ticket names", async () => {
    const aws = createAwsSpecialist({ services: {} });
    const denied = () => Promise.reject(new AppError(ErrorCode.Unauthorized, "AccessDenied"));
    const out = normalizeSpecialistOutput(
      await aws.run(input(reader(fromTable, async () => [], { listMetrics: denied }))),
    );
    expect(out.status).toBe("returned");
    expect(out.gaps).toContainEqual({
      what: expect.stringContaining("AWS resource discovery (CloudWatch ListMetrics) unavailable"),
      confidenceImpact: 10,
    });
    expect(out.signals.map((s) => s.kind)).toContain("queue_saturation");
    const ages = out.signals.filter((s) => s.kind === "series_change" && s.measure === "queue_age");
    expect(ages).toHaveLength(1);
  });

  it("reads a crash loop out of memory from the cluster's ECS events when tasks run short", async () => {
    const aws = createAwsSpecialist({ services: {} });
    const short: Record<string, MetricSeries> = {
      ...healthy,
      RunningTaskCount: minutes((ago) => (ago > 20 ? 6 : 3)),
      DesiredTaskCount: minutes(() => 6),
    };
    const oom = Array.from({ length: 4 }, (_, i) => ({
      "@timestamp": `2026-11-21 02:2${i}:00.000`,
      "@message": `(service orders-worker) task ${i} stopped: OutOfMemoryError: Container killed due to memory usage`,
    }));
    const out = normalizeSpecialistOutput(
      await aws.run(
        input(
          reader(
            (q) =>
              Promise.resolve(short[q.metricName] ?? { label: "m", timestamps: [], values: [] }),
            async () => oom,
            {
              listMetrics: async (q) =>
                q.namespace === "ECS/ContainerInsights"
                  ? [
                      {
                        namespace: "ECS/ContainerInsights",
                        metricName: "RunningTaskCount",
                        dimensions: { ClusterName: "c9", ServiceName: "orders-worker" },
                      },
                    ]
                  : [],
              listLogGroups: async (p) => (p === "c9" ? ["/aws/events/ecs/c9"] : []),
            },
          ),
        ),
      ),
    );
    expect(out.signals).toContainEqual(
      expect.objectContaining({ kind: "task_health", healthy: 3, desired: 6 }),
    );
    // The stop events by reason: what lets a code defect argued from these kills do
    // without Sentry (classifier-requirements-basis.ts).
    expect(out.signals).toContainEqual(
      expect.objectContaining({
        kind: "crash_loop",
        reason: "out_of_memory",
        restarts: 4,
        stopEvents: { outOfMemory: 4, exits: 0 },
      }),
    );
    expect(out.signals).toContainEqual(
      expect.objectContaining({
        kind: "series_change",
        measure: "running_tasks",
        direction: "drop",
      }),
    );
  });
});

describe("aws specialist: the ticket's own alarm", () => {
  it("looks the alarm up by name whatever its state, and reads the resource it watches", async () => {
    const aws = createAwsSpecialist({ services: {} });
    const asked: { state?: string; names?: string[] }[] = [];
    const out = normalizeSpecialistOutput(
      await aws.run(
        input(
          reader(fromTable, async () => [], {
            describeAlarms: async (q) => {
              asked.push(q);
              return q.names?.includes("orders-age")
                ? [
                    {
                      name: "orders-age",
                      state: "OK",
                      stateReason: "back under",
                      stateUpdatedAt: "2026-11-21T02:35:00.000Z",
                      namespace: "AWS/SQS",
                      metricName: "ApproximateAgeOfOldestMessage",
                      dimensions: { QueueName: "orders-jobs" },
                      threshold: 450,
                    },
                  ]
                : [];
            },
          }),
        ),
      ),
    );
    expect(asked).toContainEqual({ names: ["orders-age"] });
    expect(out.findings.map((f) => f.fact)).toContainEqual(
      expect.stringContaining("alarm orders-age is in OK since 2026-11-21T02:35:00.000Z"),
    );
    expect(out.signals).toContainEqual(
      expect.objectContaining({ kind: "queue_saturation", queue: "orders-jobs", threshold: 450 }),
    );
  });
});

describe("aws specialist: a second wave for an earlier onset", () => {
  const output = (fetchedAt: string): RawSpecialistOutput => ({
    schemaVersion: 1,
    specialistId: "aws",
    question: "q",
    status: "returned",
    sources: [{ kind: "cloudwatch_metric", ref: "cloudwatch_metric:x", fetchedAt }],
    findings: [],
    correlationIds: [],
    signals: [],
    confidence: 85,
    gaps: [],
  });

  it("asks again when the onset lies before the series it read, with an hour to spare", () => {
    const aws = createAwsSpecialist();
    const onset = (at: string) => ({ at, what: "a Sentry spike", specialistId: "sentry" });
    const out = output("2026-11-21T12:00:00.000Z");
    expect(aws.wantsOnset?.(out, onset("2026-11-21T07:30:00.000Z"))).toBe(true);
    expect(aws.wantsOnset?.(out, onset("2026-11-21T10:30:00.000Z"))).toBe(false);
    expect(aws.wantsOnset?.({ ...out, sources: [] }, onset("2026-11-21T07:30:00.000Z"))).toBe(
      false,
    );
  });

  it("reads from an hour before an onset it is handed", async () => {
    const aws = createAwsSpecialist({ services: catalog });
    const starts: number[] = [];
    await aws.run(
      input(
        reader((q) => {
          starts.push(q.start.getTime());
          return fromTable(q);
        }),
        { onset: { at: "2026-11-20T20:40:00.000Z", what: "x", specialistId: "sentry" } },
      ),
    );
    expect(Math.min(...starts)).toBe(Date.parse("2026-11-20T19:40:00.000Z"));
  });

  /** The crash_loop signals one OOM stop yields under the given task-count series. */
  async function oneStopLoops(running: MetricSeries, desired: MetricSeries) {
    const aws = createAwsSpecialist({ services: {} });
    const table: Record<string, MetricSeries> = {
      ...healthy,
      RunningTaskCount: running,
      DesiredTaskCount: desired,
    };
    const stop = [
      {
        "@timestamp": "2026-11-21 02:38:00.000",
        "@message":
          "(service orders-worker) task 1 stopped: OutOfMemoryError: Container killed due to memory usage",
      },
    ];
    const out = normalizeSpecialistOutput(
      await aws.run(
        input(
          reader(
            (q) =>
              Promise.resolve(table[q.metricName] ?? { label: "m", timestamps: [], values: [] }),
            async () => stop,
            {
              listMetrics: async (q) =>
                q.namespace === "ECS/ContainerInsights"
                  ? [
                      {
                        namespace: "ECS/ContainerInsights",
                        metricName: "RunningTaskCount",
                        dimensions: { ClusterName: "c9", ServiceName: "orders-worker" },
                      },
                    ]
                  : [],
              listLogGroups: async (p) => (p === "c9" ? ["/aws/events/ecs/c9"] : []),
            },
          ),
        ),
      ),
    );
    return out.signals.filter((s) => s.kind === "crash_loop");
  }

  it("one stop during a scale-out (desired just raised, new tasks starting) is no crash loop", async () => {
    // Desired raised from 4 to 6 two minutes ago; running is 4 until the new tasks start.
    const loops = await oneStopLoops(
      minutes(() => 4),
      minutes((ago) => (ago > 2 ? 4 : 6)),
    );
    expect(loops).toEqual([]);
  });

  it("one stop while an unchanged desired count has run short for a sustained stretch is", async () => {
    const loops = await oneStopLoops(
      minutes((ago) => (ago > 20 ? 6 : 3)),
      minutes(() => 6),
    );
    expect(loops).toEqual([expect.objectContaining({ kind: "crash_loop", restarts: 1 })]);
  });
});
