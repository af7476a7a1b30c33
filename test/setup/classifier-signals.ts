import type { ClassifierInput } from "../../src/domain/classifier-input.ts";
import type { ConnectorId } from "../../src/domain/evidence-context.ts";
import type { SeriesMeasure, Signal } from "../../src/domain/signals.ts";
import type { UnsourcedSignal } from "./classifier-fixtures.ts";

/**
 * Small builders for classifier inputs over the general vocabulary, for rule and family
 * tests. Names are placeholders ("svc-a", "db-1"); times are around {@link RULES_NOW}:
 * a release at {@link DEPLOYED_AT}, a symptom from {@link ONSET}.
 */
export const RULES_NOW = new Date("2025-03-04T10:30:00Z");
export const DEPLOYED_AT = "2025-03-04T10:00:00Z";
export const ONSET = "2025-03-04T10:10:00Z";
export const SERVICE = "svc-a";

const CONNECTORS: ConnectorId[] = ["linear", "sentry", "aws", "github", "db", "vendor_status"];

/** One returned output per group of signals, every connector available, nothing routed. */
export function inputOf(...groups: UnsourcedSignal[][]): ClassifierInput {
  return {
    ticket: { ticketKey: "ENG-1", labels: [], linkedSentryIssueIds: [] },
    tools: CONNECTORS.map((connector) => ({ connector, status: "available", confidenceImpact: 0 })),
    route: [],
    evidence: groups.map((signals, n) => ({
      specialistId: `source-${n + 1}`,
      status: "returned",
      signals: signals.map((s) => ({ ...s, sourceRef: `src:${n + 1}` }) as Signal),
      gaps: [],
    })),
  };
}

export const rise = (
  measure: SeriesMeasure,
  opts: { onset?: string; uncertainty?: number; service?: string; zones?: string[] } = {},
): UnsourcedSignal => ({
  kind: "series_change",
  measure,
  direction: "rise",
  before: 1,
  after: 20,
  service: opts.service ?? SERVICE,
  onset: opts.onset ?? ONSET,
  onsetUncertaintyMinutes: opts.uncertainty ?? 5,
  ...(opts.zones ? { scope: { zones: opts.zones } } : {}),
});

export const flat = (measure: SeriesMeasure, zones?: string[]): UnsourcedSignal => ({
  kind: "series_change",
  measure,
  direction: "flat",
  before: 5,
  after: 5,
  service: SERVICE,
  ...(zones ? { scope: { zones } } : {}),
});

export const release = (
  opts: { deployedAt?: string; service?: string; after?: number } = {},
): UnsourcedSignal => ({
  kind: "release_correlation",
  release: "r-2",
  service: opts.service ?? SERVICE,
  deployedAt: opts.deployedAt ?? DEPLOYED_AT,
  firstSeenAfterDeployMinutes: opts.after ?? 10,
});

export const deployAbsent: UnsourcedSignal = {
  kind: "deploy_absent",
  service: SERVICE,
  windowHours: 24,
};
/**
 * The ticket's alarm fired at 10:05 and on `priorFirings` earlier days at that time, each
 * cleared by itself unless `selfCleared` says fewer.
 */
export const recurringAlarm = (
  opts: {
    priorFirings?: number;
    selfCleared?: number;
    otherFirings?: number;
    flaps?: { firings: number; days: number; cleared: number; longestMinutes: number };
  } = {},
): UnsourcedSignal => ({
  kind: "recurring_alarm",
  alarm: "svc-a-cache-evictions",
  resource: "svc-a-cache-001",
  service: SERVICE,
  firedAt: "2025-03-04T10:05:00Z",
  daysRead: 7,
  priorFirings: opts.priorFirings ?? 6,
  selfCleared: opts.selfCleared ?? opts.priorFirings ?? 6,
  otherFirings: opts.otherFirings ?? 0,
  longestEpisodeMinutes: 40,
  ...(opts.flaps ? { flaps: opts.flaps } : {}),
});
/** The ticket's alarm flapped: one-minute blips at any hour on 5 days of the 7 read. */
export const flappingAlarm = (
  flaps: Partial<{ firings: number; days: number; cleared: number; longestMinutes: number }> = {},
): UnsourcedSignal =>
  recurringAlarm({
    priorFirings: 0,
    otherFirings: 12,
    flaps: { firings: 13, days: 5, cleared: 13, longestMinutes: 1, ...flaps },
  });

export const no5xxRise: UnsourcedSignal = {
  kind: "no_5xx_rise",
  service: SERVICE,
  windowMinutes: 60,
};

export const exception = (
  firstSeen = "2025-03-04T10:05:00Z",
  path = "POST /a",
): UnsourcedSignal => ({
  kind: "new_exception",
  issueId: "I-1",
  path,
  firstSeen,
  culprit: "m.f",
});

export const saturation = (
  dependency: "database" | "cache" | "queue" | "compute" | "memory" | "network" | "vendor",
  value: number,
  limit = 100,
  measure = "connections",
): UnsourcedSignal => ({
  kind: "dependency_saturation",
  dependency,
  resource: `${dependency}-1`,
  measure,
  value,
  limit,
});

export const crash = (
  reason: "out_of_memory" | "exit" | "health_check" | "unknown",
  service = SERVICE,
): UnsourcedSignal => ({
  kind: "crash_loop",
  reason,
  restarts: 12,
  service,
  onset: "2025-03-04T10:05:00Z",
});

export const poison = (repeatedReceives: number, dlqDepth: number): UnsourcedSignal => ({
  kind: "poison_message",
  queue: "q-1",
  repeatedReceives,
  dlqDepth,
});

export const provider = (
  opts: { overlapsUs?: boolean; status?: "investigating" | "resolved"; zones?: string[] } = {},
): UnsourcedSignal => ({
  kind: "provider_incident",
  provider: "cloud-a",
  region: "region-1",
  ...(opts.zones ? { zones: opts.zones } : {}),
  status: opts.status ?? "investigating",
  startedAt: "2025-03-04T10:05:00Z",
  overlapsUs: opts.overlapsUs ?? true,
});

export const origin = (
  o: "users" | "synthetic" | "bots" | "health_checks" | "internal",
  share: number,
): UnsourcedSignal => ({ kind: "traffic_origin", origin: o, share, requests: 500 });

export const queueAge = (ageSeconds: number): UnsourcedSignal => ({
  kind: "queue_saturation",
  queue: "q-1",
  ageSeconds,
  threshold: 300,
});

export const tasks = (healthy: number, desired: number, max?: number): UnsourcedSignal => ({
  kind: "task_health",
  service: SERVICE,
  healthy,
  desired,
  ...(max === undefined ? {} : { max }),
});

export const change = (
  kind: "config" | "flag" | "infra" | "scaling",
  minutesBeforeOnset: number,
): UnsourcedSignal => ({
  kind: "change_event",
  change: kind,
  ref: `${kind}-1`,
  service: SERVICE,
  at: "2025-03-04T10:00:00Z",
  minutesBeforeOnset,
});

export const aborts = (statusCodes = [499]): UnsourcedSignal => ({
  kind: "client_aborts",
  count: 300,
  statusCodes,
});
