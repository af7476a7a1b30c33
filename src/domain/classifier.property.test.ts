import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classify, decideGate } from "./classifier.ts";
import { CONFIDENCE_FLOOR } from "./classifier-gate.ts";
import type { ClassifierEvidence, ClassifierInput } from "./classifier-input.ts";
import { ClassificationSchema } from "./classifier-schema.ts";
import type { ConnectorId } from "./evidence-context.ts";
import { SeriesMeasure, SIGNAL_KINDS, type Signal } from "./signals.ts";

const names = (...xs: string[]) => fc.constantFrom(...xs);
const service = names("api", "feed-api", "payouts-worker");
const when = fc
  .integer({ min: Date.parse("2025-03-01T00:00:00Z"), max: Date.parse("2025-03-05T00:00:00Z") })
  .map((ms) => new Date(ms).toISOString());
const small = fc.nat({ max: 5000 });
const ref = names("src:a", "src:b", "src:c");

const signal: fc.Arbitrary<Signal> = fc.oneof(
  fc.record({
    kind: fc.constant("error_rate_rise" as const),
    sourceRef: ref,
    service,
    from: small,
    to: small,
    windowMinutes: fc.integer({ min: 1, max: 240 }),
  }),
  fc.record({
    kind: fc.constant("no_5xx_rise" as const),
    sourceRef: ref,
    service,
    windowMinutes: fc.constant(60),
  }),
  fc.record({
    kind: fc.constant("new_exception" as const),
    sourceRef: ref,
    issueId: names("I-1", "I-2"),
    path: names("GET /a", "POST /b"),
    firstSeen: when,
    culprit: names("x.y"),
    handled: fc.option(fc.boolean(), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant("release_correlation" as const),
    sourceRef: ref,
    release: names("r1", "r2"),
    service,
    deployedAt: when,
    firstSeenAfterDeployMinutes: fc.nat({ max: 400 }),
    diffTouchesStack: fc.option(fc.boolean(), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant("deploy_absent" as const),
    sourceRef: ref,
    service,
    windowHours: fc.constant(24),
  }),
  fc.record({
    kind: fc.constant("client_aborts" as const),
    sourceRef: ref,
    count: small,
    statusCodes: fc.array(names("499", "502").map(Number), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({
    kind: fc.constant("queue_saturation" as const),
    sourceRef: ref,
    queue: names("q"),
    ageSeconds: small,
    threshold: fc.integer({ min: 1, max: 1000 }),
  }),
  fc.record({
    kind: fc.constant("task_health" as const),
    sourceRef: ref,
    service,
    healthy: fc.nat({ max: 12 }),
    desired: fc.nat({ max: 12 }),
    max: fc.option(fc.nat({ max: 12 }), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant("vendor_incident" as const),
    sourceRef: ref,
    vendor: names("stripe", "kyc"),
    status: names("investigating", "identified", "monitoring", "resolved") as fc.Arbitrary<
      "investigating" | "identified" | "monitoring" | "resolved"
    >,
  }),
  fc.record({
    kind: fc.constant("vendor_operational" as const),
    sourceRef: ref,
    vendor: names("stripe", "kyc"),
  }),
  fc.record({
    kind: fc.constant("vendor_error_correlation" as const),
    sourceRef: ref,
    vendor: names("stripe"),
    correlatedRequests: small,
  }),
  fc.record({
    kind: fc.constant("stale_derived_rows" as const),
    sourceRef: ref,
    table: names("t1", "t2"),
    staleCount: small,
    totalCount: small,
  }),
  fc.record({
    kind: fc.constant("derived_rows_consistent" as const),
    sourceRef: ref,
    table: names("t1", "t2"),
  }),
  fc.record({
    kind: fc.constant("count_mismatch" as const),
    sourceRef: ref,
    subject: names("count"),
    displayed: small,
    computed: small,
  }),
  fc.record({
    kind: fc.constant("data_precondition" as const),
    sourceRef: ref,
    table: names("t1"),
    condition: names("c IS NULL"),
    rowCount: small,
  }),
  fc.record({
    kind: fc.constant("reference_edit" as const),
    sourceRef: ref,
    table: names("t1"),
    named: names("Name"),
    editedAt: when,
    datedBy: fc.constantFrom("audit_trail" as const, "update_time" as const),
    referringTable: names("t2"),
    rowsBefore: small,
    rowsSince: small,
    shifted: fc.constant([{ column: "c", before: 10, after: 0 }] as {
      column: string;
      before: number;
      after: number;
    }[]),
  }),
  fc.record({
    kind: fc.constant("reproduction" as const),
    sourceRef: ref,
    path: names("GET /a", "POST /b"),
    reproduced: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("user_impact" as const),
    sourceRef: ref,
    affectedUsers: small,
    scope: names("isolated", "partial", "widespread") as fc.Arbitrary<
      "isolated" | "partial" | "widespread"
    >,
  }),
  fc.record({
    kind: fc.constant("reported_cause" as const),
    sourceRef: ref,
    cause: fc.constant("release" as const),
    statement: names("broke after the deploy"),
  }),
  fc.record({
    kind: fc.constant("series_change" as const),
    sourceRef: ref,
    measure: fc.constantFrom(...SeriesMeasure.options),
    direction: fc.constantFrom("rise" as const, "drop" as const, "flat" as const),
    before: small,
    after: small,
    service: fc.option(service, { nil: undefined }),
    onset: fc.option(when, { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant("dependency_saturation" as const),
    sourceRef: ref,
    dependency: fc.constantFrom(
      ...(["database", "cache", "queue", "compute", "memory", "network", "vendor"] as const),
    ),
    resource: names("db-1", "cache-1", "q-1"),
    measure: names("connections", "cpu", "evictions"),
    value: small,
    limit: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant("provider_incident" as const),
    sourceRef: ref,
    provider: names("cloud-a", "cloud-b"),
    zones: fc.option(fc.subarray(["z-1a", "z-1b", "z-1c"]), { nil: undefined }),
    status: names("investigating", "identified", "monitoring", "resolved") as fc.Arbitrary<
      "investigating" | "identified" | "monitoring" | "resolved"
    >,
    overlapsUs: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant("traffic_origin" as const),
    sourceRef: ref,
    origin: fc.constantFrom(
      ...(["users", "synthetic", "bots", "health_checks", "internal"] as const),
    ),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
    requests: small,
  }),
  fc.record({
    kind: fc.constant("impact_scope" as const),
    sourceRef: ref,
    services: fc.subarray(["api", "feed-api", "payouts-worker"]),
    zones: fc.subarray(["z-1a", "z-1b", "z-1c"]),
    zonesRead: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    routes: fc.option(fc.constantFrom("one" as const, "some" as const, "all" as const), {
      nil: undefined,
    }),
  }),
  fc.record({
    kind: fc.constant("change_event" as const),
    sourceRef: ref,
    change: fc.constantFrom(...(["config", "flag", "infra", "scaling", "deploy"] as const)),
    ref: names("cfg-1", "flag-x"),
    at: when,
    minutesBeforeOnset: fc.option(fc.integer({ min: -600, max: 600 }), { nil: undefined }),
    state: fc.option(fc.constantFrom("failure" as const, "error" as const), { nil: undefined }),
    supersededAt: fc.option(when, { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant("release_attribution" as const),
    sourceRef: ref,
    release: names("cfg-1", "flag-x", "1.2.0"),
    seenAt: when,
  }),
  fc.record({
    kind: fc.constant("crash_loop" as const),
    sourceRef: ref,
    reason: fc.constantFrom(...(["out_of_memory", "exit", "health_check", "unknown"] as const)),
    restarts: small,
  }),
  fc.record({
    kind: fc.constant("poison_message" as const),
    sourceRef: ref,
    queue: names("q-1", "q-2"),
    repeatedReceives: small,
    dlqDepth: small,
  }),
  fc.record({
    kind: fc.constant("recurring_alarm" as const),
    sourceRef: ref,
    alarm: names("alarm-1", "alarm-2"),
    firedAt: when,
    daysRead: fc.constant(7),
    priorFirings: fc.integer({ min: 0, max: 7 }),
    selfCleared: fc.integer({ min: 0, max: 7 }),
    otherFirings: fc.integer({ min: 0, max: 7 }),
  }),
);

const specialistId = names("sentry", "aws", "db", "release", "vendor");
const evidence: fc.Arbitrary<ClassifierEvidence> = fc.record({
  specialistId,
  status: names("returned", "returned", "skipped", "failed", "timed_out") as fc.Arbitrary<
    ClassifierEvidence["status"]
  >,
  latestFetchedAt: fc.option(when, { nil: undefined }),
  signals: fc.array(signal, { maxLength: 6 }),
  gaps: fc.array(
    fc.record({ what: names("g"), confidenceImpact: fc.integer({ min: 0, max: 100 }) }),
    { maxLength: 2 },
  ),
});

const connector = names("linear", "sentry", "aws", "github", "db", "vendor_status", "wiki");
const classifierInput: fc.Arbitrary<ClassifierInput> = fc.record({
  ticket: fc.record({
    ticketKey: fc.constant("ENG-1"),
    labels: fc.subarray(["prode", "sentry-issue"]),
    linkedSentryIssueIds: fc.subarray(["I-1"]),
  }),
  tools: fc.uniqueArray(
    fc.record({
      connector: connector as fc.Arbitrary<ConnectorId>,
      status: names("available", "missing", "blocked") as fc.Arbitrary<
        "available" | "missing" | "blocked"
      >,
      reason: fc.constant("not configured"),
      confidenceImpact: fc.integer({ min: 0, max: 100 }),
    }),
    { selector: (t) => t.connector, maxLength: 7 },
  ),
  route: fc.array(
    fc.record({ specialistId, required: fc.boolean(), reason: fc.constant("route") }),
    { maxLength: 4 },
  ),
  evidence: fc.array(evidence, { maxLength: 5 }),
});

const now = new Date("2025-03-04T12:00:00Z");

describe("classifier properties", () => {
  it("the signal arbitrary covers every signal kind", () => {
    const seen = new Set(fc.sample(signal, 2000).map((s) => s.kind));
    expect([...seen].sort()).toEqual([...SIGNAL_KINDS].sort());
  });

  it("is deterministic: the same input gives a deep-equal classification", () => {
    fc.assert(
      fc.property(classifierInput, (input) => {
        const a = classify(input, { now });
        const b = classify(structuredClone(input), { now });
        expect(b).toEqual(a);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps every confidence within 0..100 and the output schema-valid", () => {
    fc.assert(
      fc.property(classifierInput, (input) => {
        const c = classify(input, { now });
        expect(c.confidence).toBeGreaterThanOrEqual(0);
        expect(c.confidence).toBeLessThanOrEqual(100);
        for (const h of c.hypotheses) expect(h.confidence).toBeGreaterThanOrEqual(0);
        for (const h of c.hypotheses) expect(h.confidence).toBeLessThanOrEqual(100);
        expect(ClassificationSchema.safeParse(c).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("never proceeds below the floor, with a blocking gap or with a material conflict", () => {
    fc.assert(
      fc.property(classifierInput, fc.integer({ min: 0, max: 100 }), (input, threshold) => {
        const c = classify(input, { now });
        const gate = decideGate(c, { now, threshold });
        if (gate.decision !== "proceed_to_delivery") return;
        expect(c.confidence).toBeGreaterThanOrEqual(Math.max(CONFIDENCE_FLOOR, threshold));
        expect(c.gaps.some((g) => g.blocking)).toBe(false);
        expect(c.conflicts.some((k) => k.material)).toBe(false);
        expect(["code_defect", "data_defect"]).toContain(c.class);
      }),
      { numRuns: 300 },
    );
  });
});
