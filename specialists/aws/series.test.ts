import { describe, expect, it } from "vitest";
import type { MetricSeries } from "../tools.ts";
import { takesHeadroom } from "./change-sensitivity.ts";
import { kindSpec, type SeriesSpec } from "./measures.ts";
import {
  assessPoison,
  assessSeries,
  crashLoopOf,
  crashReasonOf,
  impactOf,
  type SeriesChange,
  saturationOf,
  toSamples,
} from "./series.ts";

const NOW = new Date("2026-05-04T09:00:00Z");
const MIN = 60_000;

/** One value a minute for `count` minutes ending a minute before now. */
function series(value: (ago: number) => number | undefined, count = 120): MetricSeries {
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let ago = count; ago >= 1; ago--) {
    const v = value(ago);
    if (v === undefined) continue;
    timestamps.push(new Date(NOW.getTime() - ago * MIN).toISOString());
    values.push(v);
  }
  return { label: "m", timestamps, values };
}

const spec = (kind: Parameters<typeof kindSpec>[0], metric: string): SeriesSpec =>
  kindSpec(kind).series.find((s) => s.metricName === metric)!;
const FIVE_XX = spec("alb", "HTTPCode_Target_5XX_Count");
const LATENCY = spec("alb", "TargetResponseTime");
const CONNECTIONS = spec("rds", "DatabaseConnections");

describe("toSamples", () => {
  it("fills a sparse count's quiet minutes with zeros from when the resource was active", () => {
    const sparse = series((ago) => (ago === 3 ? 5 : undefined), 10);
    const active = NOW.getTime() - 10 * MIN;
    const samples = toSamples(sparse, { sparse: true, activeSince: active, now: NOW });
    expect(samples).toHaveLength(10);
    expect(samples.map((s) => s.value)).toEqual([0, 0, 0, 0, 0, 0, 0, 5, 0, 0]);
  });

  it("assumes nothing before the resource was active, and leaves dense series as read", () => {
    const sparse = series((ago) => (ago === 3 ? 5 : undefined), 10);
    expect(toSamples(sparse, { sparse: true, now: NOW }).map((s) => s.value)).toEqual([5, 0, 0]);
    expect(
      toSamples(
        series(() => 1, 4),
        { now: NOW },
      ),
    ).toHaveLength(4);
    expect(
      toSamples({ label: "m", timestamps: [], values: [] }, { sparse: true, now: NOW }),
    ).toEqual([]);
  });
});

describe("assessSeries", () => {
  it("anchors the window to the onset of a rise long before the last half hour", () => {
    const s = series((ago) => (ago > 75 ? 0.2 : 1.8));
    const change = assessSeries(s, LATENCY, { now: NOW })!;
    expect(change.direction).toBe("rise");
    expect(change.onset).toBe(new Date(NOW.getTime() - 75 * MIN).toISOString());
    expect(change.windowStart).toBe(change.onset);
    expect(change.windowEnd).toBe(NOW.toISOString());
    expect(change.before).toBeCloseTo(0.2);
    expect(change.after).toBeCloseTo(1.8);
    expect(change.uncertaintyMinutes).toBe(0.5);
  });

  it("calls a latency step smaller than 100 ms flat, however large in relative terms", () => {
    const s = series((ago) => (ago > 60 ? 0.01 : 0.05));
    expect(assessSeries(s, LATENCY, { now: NOW })!.direction).toBe("flat");
  });

  it("reads a flat series over the whole window read, its level over the last half hour", () => {
    const s = series((ago) => (ago % 2 ? 3 : 4));
    const change = assessSeries(s, FIVE_XX, { now: NOW })!;
    expect(change.direction).toBe("flat");
    expect(change.onset).toBeUndefined();
    expect(change.windowStart).toBe(new Date(NOW.getTime() - 120 * MIN).toISOString());
    expect(change.level).toBeCloseTo(3.5, 1);
  });

  it("finds a rise in a sparse 5xx series only once its quiet minutes count as zeros", () => {
    const s = series((ago) => (ago <= 20 ? 12 : undefined));
    const active = NOW.getTime() - 120 * MIN;
    const anchored = assessSeries(s, FIVE_XX, { now: NOW, activeSince: active })!;
    expect(anchored.direction).toBe("rise");
    expect(anchored.before).toBe(0);
    // Without knowing the load balancer was serving, there is nothing before the first error.
    expect(assessSeries(s, FIVE_XX, { now: NOW })!.direction).toBe("flat");
  });

  it("is undefined without datapoints", () => {
    expect(
      assessSeries(
        series(() => undefined),
        LATENCY,
        { now: NOW },
      ),
    ).toBeUndefined();
  });
});

const change = (over: Partial<SeriesChange>): SeriesChange => ({
  direction: "flat",
  before: 0,
  after: 0,
  windowStart: NOW.toISOString(),
  windowEnd: NOW.toISOString(),
  level: 0,
  total: 0,
  peak: 0,
  samples: [],
  ...over,
});

describe("saturationOf", () => {
  it("counts connections against max_connections, and not at all without it", () => {
    const rising = change({
      direction: "rise",
      before: 40,
      after: 93,
      peak: 95,
      onset: NOW.toISOString(),
    });
    expect(
      saturationOf(kindSpec("rds"), CONNECTIONS, rising, { maxConnections: 100 }),
    ).toMatchObject({
      dependency: "database",
      measure: "connections",
      value: 95,
      limit: 100,
      onset: NOW.toISOString(),
    });
    expect(
      saturationOf(kindSpec("rds"), CONNECTIONS, rising, { maxConnections: 500 }),
    ).toBeUndefined();
    expect(saturationOf(kindSpec("rds"), CONNECTIONS, rising)).toBeUndefined();
  });

  it("calls CPU and memory at 90% of 100 saturated, by the dependency they belong to", () => {
    const hot = change({ level: 94 });
    expect(saturationOf(kindSpec("cache"), spec("cache", "CPUUtilization"), hot)).toMatchObject({
      dependency: "cache",
      measure: "cpu",
      limit: 100,
    });
    expect(
      saturationOf(kindSpec("ecs_service"), spec("ecs_service", "MemoryUtilization"), hot),
    ).toMatchObject({ dependency: "memory", measure: "memory" });
    expect(
      saturationOf(kindSpec("rds"), spec("rds", "CPUUtilization"), change({ level: 70 })),
    ).toBeUndefined();
  });

  it("reads free memory falling to a tenth as memory pressure, a milder drop as none", () => {
    const free = spec("rds", "FreeableMemory");
    const gone = change({ direction: "drop", before: 4e9, after: 2e8, onset: NOW.toISOString() });
    expect(saturationOf(kindSpec("rds"), free, gone)).toMatchObject({
      dependency: "database",
      measure: "memory",
    });
    const milder = change({ direction: "drop", before: 4e9, after: 2e9 });
    expect(saturationOf(kindSpec("rds"), free, milder)).toBeUndefined();
  });

  it("takes rising evictions and any steady throttling as saturation", () => {
    const evictions = spec("cache", "Evictions");
    expect(
      saturationOf(
        kindSpec("cache"),
        evictions,
        change({ direction: "rise", before: 0, after: 40 }),
      ),
    ).toMatchObject({ dependency: "cache", measure: "evictions", value: 40 });
    expect(saturationOf(kindSpec("cache"), evictions, change({ level: 40 }))).toBeUndefined();
    const throttles = spec("function", "Throttles");
    expect(saturationOf(kindSpec("function"), throttles, change({ level: 3 }))).toMatchObject({
      dependency: "compute",
      measure: "throttles",
    });
    expect(saturationOf(kindSpec("function"), throttles, change({ level: 0 }))).toBeUndefined();
  });
});

/** A per-minute series of `per` from `since` minutes ago (zero before), as a change. */
function counts(per: number, since = 30, dir: SeriesChange["direction"] = "flat"): SeriesChange {
  const samples = [];
  for (let ago = 60; ago >= 1; ago--) {
    samples.push({ at: NOW.getTime() - ago * MIN, value: ago <= since ? per : 0 });
  }
  return change({
    direction: dir,
    samples,
    ...(dir !== "flat" ? { onset: new Date(NOW.getTime() - since * MIN).toISOString() } : {}),
  });
}

describe("assessPoison", () => {
  it("calls receives three times the deletes poison, with the dead-letter queue's depth", () => {
    const dlq = change({ direction: "rise", latest: 57, samples: [] });
    const poison = assessPoison(counts(90), counts(20), dlq, NOW);
    expect(poison).toEqual({ repeatedReceives: 2100, dlqDepth: 57, clean: false });
  });

  it("calls a growing dead-letter queue poison even below the ratio", () => {
    const dlq = change({ direction: "rise", latest: 9, samples: [] });
    expect(assessPoison(counts(30), counts(25), dlq, NOW)).toMatchObject({
      clean: false,
      dlqDepth: 9,
    });
  });

  it("calls nothing poison when the queue's deletes dropped: the consumer fails on every message", () => {
    // A dependency or vendor down: every message comes back and dead-letters, deletes stop.
    const dlq = change({ direction: "rise", latest: 400, samples: [] });
    expect(assessPoison(counts(90), counts(2, 30, "drop"), dlq, NOW)).toBeUndefined();
    expect(assessPoison(counts(90), counts(20, 30, "drop"), undefined, NOW)).toBeUndefined();
  });

  it("calls balanced receives and deletes with an empty DLQ clean, a backlog neither", () => {
    expect(assessPoison(counts(50), counts(48), change({ latest: 0 }), NOW)).toEqual({
      repeatedReceives: 0,
      dlqDepth: 0,
      clean: true,
    });
    expect(assessPoison(counts(50), counts(30), undefined, NOW)).toBeUndefined();
    expect(assessPoison(counts(50), undefined, undefined, NOW)).toBeUndefined();
  });

  it("does not call a trickle of receives poison", () => {
    expect(assessPoison(counts(1, 5), counts(0, 5), undefined, NOW)).toBeUndefined();
  });
});

describe("crashLoopOf and impactOf", () => {
  it("counts three restarts in the window as a loop, fewer as none", () => {
    expect(crashLoopOf(change({ total: 4, onset: NOW.toISOString() }))).toEqual({
      restarts: 4,
      onset: NOW.toISOString(),
    });
    expect(crashLoopOf(change({ total: 2 }))).toBeUndefined();
  });

  it("names the zones and resources whose symptom series rose, not those of causes", () => {
    expect(
      impactOf([
        { measure: "errors_5xx", direction: "rise", resource: "lb", zone: "z1" },
        { measure: "errors_5xx", direction: "flat", resource: "lb", zone: "z2" },
        { measure: "unhealthy_hosts", direction: "rise", resource: "lb", zone: "z3" },
        { measure: "connections", direction: "rise", resource: "db" },
      ]),
    ).toEqual({ zones: ["z1", "z3"], resources: ["lb"], zonesRead: ["z1", "z2", "z3"] });
    expect(
      impactOf([{ measure: "connections", direction: "rise", resource: "db" }]),
    ).toBeUndefined();
  });
});

describe("crashReasonOf", () => {
  const MEMORY = spec("ecs_service", "MemoryUtilization");
  it("reads the reason from stop reasons, log lines and the memory series", () => {
    expect(crashReasonOf({})).toBe("unknown");
    expect(crashReasonOf({ events: { outOfMemory: 3, containerExits: 1 } })).toBe("out_of_memory");
    expect(crashReasonOf({ events: { outOfMemory: 0, containerExits: 4 } })).toBe("exit");
    expect(crashReasonOf({ errorTexts: ["java.lang.OutOfMemoryError"] })).toBe("out_of_memory");
    expect(crashReasonOf({ errorTexts: ["container exited with code 137"] })).toBe("out_of_memory");
    expect(crashReasonOf({ errorTexts: ["TimeoutError"] })).toBe("unknown");
    const atLimit = assessSeries(
      series((ago) => (ago > 60 ? 40 : 97)),
      MEMORY,
      { now: NOW },
    )!;
    expect(crashReasonOf({ memory: atLimit })).toBe("out_of_memory");
    const steady = assessSeries(
      series(() => 45),
      MEMORY,
      { now: NOW },
    )!;
    expect(crashReasonOf({ memory: steady })).toBe("unknown");
  });
});

describe("per-measure sensitivity and climbs into a limit", () => {
  const REQUESTS = spec("alb", "RequestCount");
  const CACHE_MEMORY = spec("cache", "DatabaseMemoryUsagePercentage");
  const ECS_CPU = spec("ecs_service", "CPUUtilization");
  const ECS_MEMORY = spec("ecs_service", "MemoryUtilization");
  /** ±1.5% deterministic wobble, so the series is not perfectly smooth. */
  const wobble = (ago: number) => 1 + ((ago * 7) % 5) * 0.0075 - 0.015;
  /** A share of a limit: `before` until `at` minutes ago, `after` since, ±1 point. */
  const stepped = (before: number, after: number, at = 30) =>
    series((ago) => (ago > at ? before : after) + (ago % 3) - 1, 90);

  it("reads a sustained ramp to ×1.5 in request volume as a rise from where it began", () => {
    // 1000/min, then from 40 min ago a climb to ~1500/min.
    const s = series((ago) => (ago > 40 ? 1000 : 1000 + (40 - ago) * 12.5) * wobble(ago), 90);
    const change = assessSeries(s, REQUESTS, { now: NOW })!;
    expect(change.direction).toBe("rise");
    expect(Date.parse(change.onset!)).toBeLessThanOrEqual(NOW.getTime() - 35 * MIN);
  });

  it("keeps a ±10% wobble in request volume flat", () => {
    const s = series((ago) => 1000 * (ago % 3 === 0 ? 1.1 : 0.95), 90);
    expect(assessSeries(s, REQUESTS, { now: NOW })!.direction).toBe("flat");
  });

  it("dates a share of a limit that climbs into 100% and stays there where the climb began", () => {
    // 40% until 90 min ago, +1.5 points a minute to 100% (50 min ago), then at the limit.
    const s = series(
      (ago) => (ago > 90 ? 40 : Math.min(100, 40 + (90 - ago) * 1.5)) - (ago % 2),
      120,
    );
    const change = assessSeries(s, CACHE_MEMORY, { now: NOW })!;
    expect(change.direction).toBe("rise");
    const onset = Date.parse(change.onset!);
    expect(Math.abs(onset - (NOW.getTime() - 90 * MIN))).toBeLessThanOrEqual(3 * MIN);
    expect(change.before).toBeLessThan(42);
  });

  it("dates a count that climbs into its limit and pins there where the climb began", () => {
    // ~86 connections until 70 min ago, +9 a minute to a ceiling of 397 (35 min ago),
    // then pinned: the one-step model alone dates it halfway up the climb.
    const s = series(
      (ago) => (ago > 70 ? 86 + (ago % 5) - 2 : Math.min(397, 86 + (70 - ago) * 9)),
      120,
    );
    const change = assessSeries(s, CONNECTIONS, { now: NOW })!;
    expect(change.direction).toBe("rise");
    const onset = Date.parse(change.onset!);
    expect(Math.abs(onset - (NOW.getTime() - 70 * MIN))).toBeLessThanOrEqual(3 * MIN);
    expect(change.before).toBeLessThan(90);
  });

  it("keeps a plain step in a count dated at the step", () => {
    const s = series((ago) => (ago > 30 ? 80 + (ago % 3) : 300 + (ago % 3)), 120);
    expect(Date.parse(assessSeries(s, CONNECTIONS, { now: NOW })!.onset!)).toBe(
      NOW.getTime() - 30 * MIN,
    );
  });

  it("counts a quarter of the level gained as a rise, ±3 points as flat", () => {
    expect(assessSeries(stepped(40, 60), ECS_CPU, { now: NOW })!.direction).toBe("rise");
    const steady = series((ago) => 50 + (ago % 7) - 3, 90);
    expect(assessSeries(steady, ECS_CPU, { now: NOW })!.direction).toBe("flat");
  });

  it("counts a climb that takes half the room left below 100% as a rise, whatever the ratio", () => {
    // 20 points: a fifth of a level of 75-95%, but most of the room that was left.
    for (const [before, after] of [
      [75, 95],
      [70, 90],
      [80, 90],
    ] as const) {
      const change = assessSeries(stepped(before, after), ECS_MEMORY, { now: NOW })!;
      expect(change.direction, `${before}% → ${after}%`).toBe("rise");
      expect(Date.parse(change.onset!)).toBe(NOW.getTime() - 30 * MIN);
    }
    // The relative rule still holds low down.
    expect(assessSeries(stepped(20, 31), ECS_MEMORY, { now: NOW })!.direction).toBe("rise");
  });

  it("keeps a rise that leaves most of the room, or gains under ten points, flat", () => {
    // 12 points from 50%: a fifth of the level, a quarter of the room left.
    expect(assessSeries(stepped(50, 62), ECS_MEMORY, { now: NOW })!.direction).toBe("flat");
    // 6 points from 90%: most of the room left, but within a steady workload's wobble.
    expect(assessSeries(stepped(90, 96), ECS_MEMORY, { now: NOW })!.direction).toBe("flat");
    // A fall is not read against the room left.
    expect(assessSeries(stepped(95, 80), ECS_MEMORY, { now: NOW })!.direction).toBe("flat");
  });
});

describe("takesHeadroom", () => {
  it("needs half the room left and ten points", () => {
    expect(takesHeadroom(75, 95)).toBe(true);
    expect(takesHeadroom(80, 90)).toBe(true);
    expect(takesHeadroom(80, 89)).toBe(false);
    expect(takesHeadroom(50, 74)).toBe(false);
    expect(takesHeadroom(100, 100)).toBe(false);
    expect(takesHeadroom(95, 80)).toBe(false);
  });
});
