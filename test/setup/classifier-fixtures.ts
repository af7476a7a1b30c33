import { type ClassifierInput, toClassifierInput } from "../../src/domain/classifier-input.ts";
import type {
  ConnectorId,
  LinearSnapshot,
  OperationalMemory,
  RouteEntry,
  ToolEntry,
  ToolMap,
} from "../../src/domain/evidence-context.ts";
import type { Signal } from "../../src/domain/signals.ts";
import {
  normalizeSpecialistOutput,
  type SourceKind,
  type SpecialistOutput,
} from "../../src/domain/specialist-output.ts";

/**
 * The four reference scenarios of DESIGN.md ("The simulated world") as the evidence a
 * specialist would hand back: signals with their sources, the ticket and the tool map.
 * Used by the classifier's tests; the simulated world and end-to-end tests may reuse
 * them to check that real specialists produce the same signals.
 */
export const SCENARIO_NOW = new Date("2025-03-04T10:30:00Z");
const FETCHED_AT = "2025-03-04T10:20:00Z";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type UnsourcedSignal = DistributiveOmit<Signal, "sourceRef">;

/** A returned output citing one source, with one finding per signal. */
export function returnedOutput(
  specialistId: string,
  source: { kind: SourceKind; ref: string },
  signals: UnsourcedSignal[],
): SpecialistOutput {
  return normalizeSpecialistOutput({
    schemaVersion: 1,
    specialistId,
    status: "returned",
    question: `What does ${specialistId} show for this ticket?`,
    sources: [{ ...source, fetchedAt: FETCHED_AT }],
    findings: signals.map((s) => ({
      fact: `${s.kind} observed`,
      sourceRef: source.ref,
      observedAt: FETCHED_AT,
    })),
    correlationIds: [],
    signals: signals.map((s) => ({ ...s, sourceRef: source.ref })),
    confidence: 80,
    gaps: [],
  });
}

export function skippedOutput(specialistId: string, reason: string): SpecialistOutput {
  return normalizeSpecialistOutput({
    schemaVersion: 1,
    specialistId,
    status: "skipped",
    reason,
    question: `What does ${specialistId} show for this ticket?`,
    sources: [],
    findings: [],
    correlationIds: [],
    signals: [],
    confidence: 0,
    gaps: [],
  });
}

export function tool(
  connector: ConnectorId,
  status: ToolEntry["status"] = "available",
  confidenceImpact = 0,
): ToolEntry {
  return status === "available"
    ? { connector, status, confidenceImpact }
    : { connector, status, reason: `${connector} is not configured`, confidenceImpact };
}

const ALL_TOOLS: ConnectorId[] = ["linear", "sentry", "aws", "github", "db", "vendor_status"];

export function toolMap(route: RouteEntry[], overrides: ToolEntry[] = []): ToolMap {
  return {
    tools: ALL_TOOLS.map((c) => overrides.find((o) => o.connector === c) ?? tool(c)),
    route: { specialists: route, rationale: "scenario route" },
  };
}

const need = (specialistId: string, required = true): RouteEntry => ({
  specialistId,
  required,
  reason: "scenario",
});

export function linear(
  ticketKey: string,
  title: string,
  opts: { labels?: string[]; sentry?: string[]; aws?: string[] } = {},
): LinearSnapshot {
  return {
    ticketKey,
    title,
    labels: opts.labels ?? ["prode"],
    status: "Triage",
    descriptionExcerpt: title,
    linked: { sentryIssueIds: opts.sentry ?? [], awsRefs: opts.aws ?? [], requestIds: [] },
    createdAt: "2025-03-04T10:00:00Z",
    updatedAt: "2025-03-04T10:05:00Z",
    fetchedAt: "2025-03-04T10:06:00Z",
  };
}

export interface Scenario {
  linear: LinearSnapshot;
  toolMap: ToolMap;
  specialists: SpecialistOutput[];
}

export const input = (s: Scenario): ClassifierInput => toClassifierInput(s);

export const EMPTY_MEMORY: OperationalMemory = {
  pages: [],
  recipesUsed: [],
  negativeControlsUsed: [],
  hypothesesToRetest: [],
};

const sentrySource = (id: string) => ({ kind: "sentry_issue" as const, ref: `sentry:${id}` });
const metricSource = (name: string) => ({ kind: "cloudwatch_metric" as const, ref: `cw:${name}` });
const deploySource = { kind: "github_deploy" as const, ref: "gh:deployments" };

/** 1. Backend 500 → PR: a release-correlated null case on one onboarding path. */
export function backend500(): Scenario {
  return {
    linear: linear("ENG-101", "Onboarding API returns 500 after deploy", {
      labels: ["prode", "sentry-issue"],
      sentry: ["ONB-4821"],
    }),
    toolMap: toolMap([need("sentry"), need("release"), need("aws"), need("db", false)]),
    specialists: [
      returnedOutput("sentry", sentrySource("ONB-4821"), [
        {
          kind: "new_exception",
          issueId: "ONB-4821",
          path: "POST /v1/onboarding",
          firstSeen: "2025-03-04T09:52:00Z",
          culprit: "onboarding.createProfile",
          events: 212,
        },
      ]),
      returnedOutput("release", deploySource, [
        {
          kind: "release_correlation",
          release: "api@2025.03.04-1",
          service: "onboarding-api",
          deployedAt: "2025-03-04T09:40:00Z",
          firstSeenAfterDeployMinutes: 12,
        },
      ]),
      returnedOutput("aws", metricSource("onboarding-api/5xx"), [
        {
          kind: "error_rate_rise",
          service: "onboarding-api",
          path: "POST /v1/onboarding",
          from: 0.2,
          to: 14,
          windowMinutes: 60,
        },
        { kind: "user_impact", affectedUsers: 37, scope: "partial" },
      ]),
      returnedOutput("db", { kind: "db_query", ref: "db:q-accounts-null-region" }, [
        { kind: "data_precondition", table: "accounts", condition: "region IS NULL", rowCount: 37 },
      ]),
    ],
  };
}

/** 2. Queue alarm → infra handoff: capacity exhaustion with no deploy. */
export function queueAlarm(): Scenario {
  return {
    linear: linear("OPS-77", "CloudWatch alarm: payouts queue age", {
      aws: ["payouts-queue-age-alarm"],
    }),
    toolMap: toolMap([need("aws"), need("release")]),
    specialists: [
      returnedOutput("aws", metricSource("payouts"), [
        { kind: "queue_saturation", queue: "payouts-jobs", ageSeconds: 1860, threshold: 300 },
        { kind: "task_health", service: "payouts-worker", healthy: 12, desired: 12, max: 12 },
        { kind: "no_5xx_rise", service: "payouts-api", windowMinutes: 60 },
      ]),
      returnedOutput("release", deploySource, [
        { kind: "deploy_absent", service: "payouts-worker", windowHours: 24 },
      ]),
    ],
  };
}

/** 3. DB state check → approval pause: stale derived rows since a release changed the writer. */
export function staleCounts(): Scenario {
  return {
    linear: linear("ENG-205", "Dashboard shows the wrong open-invoice count"),
    toolMap: toolMap([need("db"), need("release"), need("aws", false)]),
    specialists: [
      returnedOutput("db", { kind: "db_query", ref: "db:q-invoice-counters" }, [
        {
          kind: "stale_derived_rows",
          table: "invoice_counters",
          staleCount: 418,
          totalCount: 9120,
        },
        {
          kind: "count_mismatch",
          subject: "open invoices (dashboard)",
          displayed: 12,
          computed: 15,
        },
      ]),
      returnedOutput("release", deploySource, [
        {
          kind: "release_correlation",
          release: "api@2025.02.28-3",
          service: "billing-api",
          deployedAt: "2025-02-28T14:00:00Z",
          firstSeenAfterDeployMinutes: 95,
        },
      ]),
      returnedOutput("aws", metricSource("billing-api/5xx"), [
        { kind: "no_5xx_rise", service: "billing-api", windowMinutes: 120 },
      ]),
    ],
  };
}

/** 4. Abort noise → safe stop: aborts with no 5xx rise and no deploy. */
export function abortNoise(): Scenario {
  return {
    linear: linear("ENG-310", "Spike of 'request aborted' on the feed", {
      labels: ["prode", "sentry-issue"],
      sentry: ["FEED-991"],
    }),
    toolMap: toolMap([need("sentry"), need("aws"), need("release")]),
    specialists: [
      returnedOutput("sentry", sentrySource("FEED-991"), [
        { kind: "client_aborts", count: 1240, statusCodes: [499], path: "GET /v1/feed" },
      ]),
      returnedOutput("aws", metricSource("feed-api/5xx"), [
        { kind: "no_5xx_rise", service: "feed-api", windowMinutes: 120 },
      ]),
      returnedOutput("release", deploySource, [
        { kind: "deploy_absent", service: "feed-api", windowHours: 24 },
      ]),
    ],
  };
}
