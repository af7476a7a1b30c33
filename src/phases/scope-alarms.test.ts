import { describe, expect, it } from "vitest";
import type {
  AlarmStateChange,
  CloudWatchReader,
  MetricAlarm,
  SentryReader,
  SpecialistTools,
} from "../../specialists/tools.ts";
import type { LinearTicket } from "../adapters/linear/client.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { catalogEntry, type ServiceCatalog } from "../policy/catalog.ts";
import type { LoadedPolicy } from "../policy/types.ts";
import { resolveService, resolveTicketScope } from "./scope.ts";
import { readAlarmDimensions } from "./scope-alarms.ts";

/** Alarm dimensions read back from the AWS API as a structured source of the service. */

function ticket(overrides: Partial<LinearTicket> = {}): LinearTicket {
  return {
    id: "i1",
    identifier: "OPS-12",
    title: "ALARM: some-alarm",
    description: "",
    priority: 2,
    url: "https://linear.app/x/issue/OPS-12",
    state: { name: "Triage", type: "triage" },
    team: null,
    project: null,
    labels: [],
    comments: [],
    attachments: [],
    createdAt: "2026-11-20T09:00:00.000Z",
    updatedAt: "2026-11-20T09:00:00.000Z",
    ...overrides,
  };
}

const catalog: ServiceCatalog = {
  services: {
    "svc-beta": catalogEntry("svc-beta", {
      version: 1,
      team: "team-b",
      aws: { caches: ["beta-sessions-001"] },
    }),
  },
  teams: [],
};
const dim = (name: string, value: string) => ({ alarm: "a-1", name, value });
const resolve = (
  dims: ReturnType<typeof dim>[],
  discovered: string[],
  t = ticket(),
  unread: Parameters<typeof resolveService>[0]["unread"] = {},
) =>
  resolveService({
    ticket: t,
    sentryProjects: [],
    awsRefs: [],
    catalog,
    discovered,
    alarmDimensions: dims,
    unread,
  });

describe("service resolution from an alarm's dimensions", () => {
  it("decides from a dimension that names one known service", () => {
    const r = resolve(
      [dim("ClusterName", "prod-x"), dim("ServiceName", "route-eta")],
      ["route-eta", "billing"],
    );
    expect(r).toMatchObject({ service: "route-eta", decidedBy: "aws_resource" });
  });

  it("decides from a dimension the catalog assigns", () => {
    expect(resolve([dim("CacheClusterId", "beta-sessions-001")], [])).toMatchObject({
      service: "svc-beta",
      decidedBy: "aws_resource",
    });
  });

  it("takes a resource's distinctive word to the one service whose name has it, and marks the decision weak", () => {
    const r = resolve([dim("CacheClusterId", "shelf-prod-0001-001")], ["item-shelf", "billing"]);
    expect(r).toMatchObject({ service: "item-shelf", decidedBy: "aws_resource" });
    expect(r.weakDecision).toMatchObject({ kind: "alarm_words" });
    expect(r.weakDecision?.detail).toContain("shelf-prod-0001-001");
  });

  it("reads a target group by its own name: AWS's `targetgroup/` prefix says nothing, a shared load balancer's name names no one", () => {
    const r = resolve(
      [
        dim("LoadBalancer", "app/acme-edge-prod/0a1b2c3d"),
        dim("TargetGroup", "targetgroup/widget-quotes-tg/9f8e7d6c"),
      ],
      ["widget-quotes-api", "billing"],
    );
    expect(r).toMatchObject({
      service: "widget-quotes-api",
      weakDecision: { kind: "alarm_words" },
    });
    expect(r.weakDecision?.detail).toContain("widget-quotes-tg");
  });

  it("reads a resource that spells the service's name without separators as that service's, weakly", () => {
    const r = resolve([dim("CacheClusterId", "itemshelf-prod-001")], ["item-shelf", "billing"]);
    expect(r).toMatchObject({ service: "item-shelf", weakDecision: { kind: "alarm_words" } });
    // Two services that compact to the same word: neither is chosen.
    expect(
      resolve([dim("CacheClusterId", "itemshelf-prod-001")], ["item-shelf", "items-helf"]).service,
    ).toBeUndefined();
  });

  it("marks a decision by a label's prefix as weak, and a structured one not", () => {
    const byPrefix = resolve([], ["item-shelf", "billing"], ticket({ labels: ["item"] }));
    expect(byPrefix).toMatchObject({
      service: "item-shelf",
      weakDecision: { kind: "label_prefix" },
    });
    const byName = resolve([dim("ServiceName", "item-shelf")], ["item-shelf", "billing"]);
    expect(byName.service).toBe("item-shelf");
    expect(byName.weakDecision).toBeUndefined();
  });

  it("leaves it unresolved when the word fits several services, or only generic words remain", () => {
    expect(
      resolve([dim("CacheClusterId", "shelf-prod-0001")], ["item-shelf", "shelf-admin"]).service,
    ).toBeUndefined();
    expect(resolve([dim("CacheClusterId", "prod-cache-0001")], ["item-shelf"]).service).toBe(
      undefined,
    );
  });

  it("never lets the word match dispute a stronger source", () => {
    const r = resolve([dim("CacheClusterId", "shelf-prod-0001")], ["item-shelf", "billing"], {
      ...ticket(),
      labels: ["service:billing"],
    });
    expect(r.service).toBe("billing");
    expect(r.mismatch).toBeUndefined();
    // Another alarm dimension that names a service outright is stronger too.
    const named = resolve(
      [dim("CacheClusterId", "shelf-prod-0001"), dim("ServiceName", "billing")],
      ["item-shelf", "billing"],
    );
    expect(named).toMatchObject({ service: "billing", decidedBy: "aws_resource" });
    expect(named.weakDecision).toBeUndefined();
    expect(named.mismatch).toBeUndefined();
  });

  it("counts no name match while the known services are incomplete (discovery failed), only the catalog's assignments", () => {
    const unread = { discovery: "RateLimited" };
    const r = resolve([dim("ServiceName", "route-eta")], ["route-eta"], ticket(), unread);
    expect(r.service).toBeUndefined();
    expect(r.sources.filter((v) => v.source === "aws_resource")).toEqual([]);
    expect(r.gaps.map((g) => g.what).join("\n")).toContain("Sentry organization's projects");
    const assigned = resolve([dim("CacheClusterId", "beta-sessions-001")], [], ticket(), unread);
    expect(assigned).toMatchObject({ service: "svc-beta", decidedBy: "aws_resource" });
  });

  it("asks no weakest vote while a source that may name the service is unread", () => {
    const words = [dim("CacheClusterId", "shelf-prod-0001-001")];
    for (const unread of [
      { alarms: "a-2 (RateLimited)" },
      { discovery: "Unavailable" },
      { sentryIssues: ["42 (Unavailable)"] },
    ]) {
      const r = resolve(words, ["item-shelf"], ticket({ labels: ["item"] }), unread);
      expect(r.service, JSON.stringify(unread)).toBeUndefined();
      expect(r.weakDecision).toBeUndefined();
      expect(r.gaps.some((g) => g.what.includes("weakest votes"))).toBe(true);
    }
  });

  it("ignores the ticket's prose: without the read-back there is no vote", () => {
    const t = ticket({ description: "CacheClusterId = shelf-prod-0001-001" });
    expect(resolve([], ["item-shelf"], t).service).toBeUndefined();
  });
});

const CREATED = new Date("2026-11-20T09:00:00Z");
const HOUR = 3_600_000;
const ago = (hours: number) => new Date(CREATED.getTime() - hours * HOUR).toISOString();

function alarm(overrides: Partial<MetricAlarm> = {}): MetricAlarm {
  return {
    name: "a-1",
    state: "ALARM",
    stateReason: "",
    stateUpdatedAt: ago(0.1),
    namespace: "AWS/ElastiCache",
    metricName: "Evictions",
    dimensions: { CacheClusterId: "shelf-prod-0001-001" },
    ...overrides,
  };
}

/** A CloudWatch reader with these alarms and, per alarm, this history (or a failing one). */
function cloudwatch(
  alarms: MetricAlarm[] | Error,
  history: Record<string, AlarmStateChange[] | Error> = {},
): CloudWatchReader & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    asked,
    describeAlarms: async (input: { names?: string[] }) => {
      asked.push(input.names ?? []);
      if (alarms instanceof Error) throw alarms;
      return input.names ? alarms.filter((a) => input.names?.includes(a.name)) : alarms;
    },
    describeAlarmHistory: async (input: { alarmName: string; start: Date; end: Date }) => {
      const h = history[input.alarmName] ?? [];
      if (h instanceof Error) throw h;
      return h.filter((c) => {
        const at = Date.parse(c.at);
        return at >= input.start.getTime() && at <= input.end.getTime();
      });
    },
  } as unknown as CloudWatchReader & { asked: string[][] };
}
const change = (hoursAgo: number, to: "ALARM" | "OK"): AlarmStateChange => ({
  alarmName: "a-1",
  at: ago(hoursAgo),
  from: to === "ALARM" ? "OK" : "ALARM",
  to,
  summary: "",
});
const throttled = () =>
  new AppError(ErrorCode.UpstreamRateLimited, "throttled", { retryable: true });

describe("readAlarmDimensions", () => {
  it("reads the quoted alarms by name and returns the dimensions of one in ALARM", async () => {
    const reader = cloudwatch([alarm()]);
    const read = await readAlarmDimensions(reader, ["alarm:a-1", "/ecs/x"], CREATED);
    expect(read.dimensions).toEqual([
      { alarm: "a-1", name: "CacheClusterId", value: "shelf-prod-0001-001" },
    ]);
    expect(read.unread).toBeUndefined();
    expect(reader.asked).toEqual([["a-1"]]);
  });

  it("lets an alarm back to OK vote when it went into ALARM within a day before the ticket", async () => {
    const ok = alarm({
      state: "OK",
      stateUpdatedAt: new Date(CREATED.getTime() + HOUR).toISOString(),
    });
    const recent = cloudwatch([ok], { "a-1": [change(-1, "OK"), change(2, "ALARM")] });
    expect((await readAlarmDimensions(recent, ["alarm:a-1"], CREATED)).dimensions).toHaveLength(1);
  });

  it("keeps an alarm out that was not in ALARM within a day before the ticket, with the reason", async () => {
    const quiet = alarm({ state: "OK", stateUpdatedAt: ago(72) });
    const old = cloudwatch([quiet], { "a-1": [change(72, "OK"), change(80, "ALARM")] });
    const read = await readAlarmDimensions(old, ["alarm:a-1"], CREATED);
    expect(read.dimensions).toEqual([]);
    expect(read.gaps[0]?.what).toContain("a-1");
    // Going into ALARM only after the ticket was filed is another episode, too.
    const later = cloudwatch([quiet], { "a-1": [change(-2, "OK"), change(-1, "ALARM")] });
    expect((await readAlarmDimensions(later, ["alarm:a-1"], CREATED)).dimensions).toEqual([]);
  });

  it("falls back on the last state change when the history cannot be read", async () => {
    const fresh = alarm({ state: "OK", stateUpdatedAt: ago(3) });
    const stale = alarm({ state: "INSUFFICIENT_DATA", stateUpdatedAt: ago(30) });
    const failing = { "a-1": throttled() };
    expect(
      (await readAlarmDimensions(cloudwatch([fresh], failing), ["alarm:a-1"], CREATED)).dimensions,
    ).toHaveLength(1);
    const read = await readAlarmDimensions(cloudwatch([stale], failing), ["alarm:a-1"], CREATED);
    expect(read.dimensions).toEqual([]);
    expect(read.gaps[0]?.what).toContain(ErrorCode.UpstreamRateLimited);
  });

  it("says the alarms are unread without a reader or when DescribeAlarms fails; nothing without a quoted alarm", async () => {
    const failing = cloudwatch(throttled());
    expect(await readAlarmDimensions(undefined, ["alarm:a-1"], CREATED)).toMatchObject({
      dimensions: [],
      unread: expect.stringContaining("a-1"),
    });
    expect(await readAlarmDimensions(failing, ["/ecs/x"], CREATED)).toEqual({
      dimensions: [],
      gaps: [],
    });
    expect(await readAlarmDimensions(failing, ["alarm:a-1"], CREATED)).toMatchObject({
      dimensions: [],
      unread: expect.stringContaining(ErrorCode.UpstreamRateLimited),
    });
  });
});

describe("resolveTicketScope with quoted alarms", () => {
  const policy = {} as LoadedPolicy;
  const deps = (cw: CloudWatchReader, sentry?: Partial<SentryReader>) => ({
    tools: {
      cloudwatch: cw,
      ...(sentry ? { sentry: sentry as SentryReader } : {}),
    } as SpecialistTools,
    catalog,
    policyFor: async () => policy,
  });
  const email = (name: string) =>
    `You are receiving this because your Amazon CloudWatch Alarm "${name}" in the US East region has entered the ALARM state.`;
  const beta = alarm({
    name: "beta-evictions",
    dimensions: { CacheClusterId: "beta-sessions-001" },
  });

  it("takes the alarm from the description, never from a comment", async () => {
    const fromDescription = await resolveTicketScope(
      ticket({ description: email("beta-evictions") }),
      deps(cloudwatch([beta])),
    );
    expect(fromDescription.resolution).toMatchObject({
      service: "svc-beta",
      decidedBy: "aws_resource",
    });
    const fromComment = await resolveTicketScope(
      ticket({
        comments: [
          {
            id: "c1",
            author: "someone",
            body: email("beta-evictions"),
            createdAt: CREATED.toISOString(),
          },
        ],
      }),
      deps(cloudwatch([beta])),
    );
    expect(fromComment.resolution.service).toBeUndefined();
  });

  it("takes the alarm from a state-change notification that does not say CloudWatch", async () => {
    const r = await resolveTicketScope(
      ticket({
        description: 'Alarm "beta-evictions" in us-east-1 changed state from OK to ALARM.',
      }),
      deps(cloudwatch([beta])),
    );
    expect(r.resolution).toMatchObject({ service: "svc-beta", decidedBy: "aws_resource" });
  });

  it("takes an alarm whose name the description spells out, and links it", async () => {
    const r = await resolveTicketScope(
      ticket({ description: "the beta evictions alarm flapped twice, are we affected?" }),
      deps(cloudwatch([alarm({ ...beta, name: "svc-beta-evictions" })])),
    );
    // Part of the name ("beta evictions") is not the name.
    expect(r.resolution.service).toBeUndefined();
    expect(r.spelledAlarms).toEqual([]);
    const spelled = await resolveTicketScope(
      ticket({ description: "the svc-beta evictions alarm flapped twice, are we affected?" }),
      deps(cloudwatch([alarm({ ...beta, name: "svc-beta-evictions" })])),
    );
    expect(spelled.resolution).toMatchObject({ service: "svc-beta", decidedBy: "aws_resource" });
    expect(spelled.spelledAlarms).toEqual(["alarm:svc-beta-evictions"]);
  });

  it("never lets spelled-out alarms of several services dispute a structured source", async () => {
    const gamma = alarm({ name: "svc-gamma-api-5xx", dimensions: { ServiceName: "svc-gamma" } });
    const delta = alarm({ name: "svc-delta-api-5xx", dimensions: { ServiceName: "svc-delta" } });
    const sentry = {
      getIssue: async () => ({ project: "svc-gamma" }),
      listProjects: async () => ["svc-gamma", "svc-delta"],
    } as unknown as Partial<SentryReader>;
    const r = await resolveTicketScope(
      ticket({
        description:
          "svc-gamma-api 5xx and svc-delta-api 5xx alarms firing https://x.sentry.io/issues/123/",
      }),
      deps(cloudwatch([gamma, delta]), sentry),
    );
    expect(r.spelledAlarms).toHaveLength(2);
    expect(r.resolution).toMatchObject({ service: "svc-gamma", decidedBy: "sentry_project" });
    expect(r.resolution.mismatch).toBeUndefined();
    const alone = await resolveTicketScope(
      ticket({ description: "svc-gamma-api 5xx and svc-delta-api 5xx alarms firing" }),
      deps(cloudwatch([gamma, delta]), { listProjects: sentry.listProjects! }),
    );
    expect(alone.resolution.service).toBeUndefined();
  });

  it("does not list the account's alarms when the description quotes a notification", async () => {
    const cw = cloudwatch([beta, alarm({ name: "svc-beta-other-alarm" })]);
    const r = await resolveTicketScope(
      ticket({ description: `${email("beta-evictions")} svc-beta other alarm` }),
      deps(cw),
    );
    expect(r.spelledAlarms).toEqual([]);
    expect(cw.asked).toEqual([["beta-evictions"]]);
  });

  it("records failed discovery and leaves the weakest votes unasked", async () => {
    const words = alarm({ name: "shelf-evictions" });
    const r = await resolveTicketScope(ticket({ description: email("shelf-evictions") }), {
      ...deps(cloudwatch([words]), {
        listProjects: async () => {
          throw throttled();
        },
      }),
    });
    expect(r.resolution.service).toBeUndefined();
    const gaps = r.resolution.gaps.map((g) => g.what).join("\n");
    expect(gaps).toContain(ErrorCode.UpstreamRateLimited);
    expect(gaps).toContain("weakest votes");
  });
});
