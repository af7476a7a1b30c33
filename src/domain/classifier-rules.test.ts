import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import {
  aborts,
  change,
  crash,
  DEPLOYED_AT,
  deployAbsent,
  exception,
  flappingAlarm,
  flat,
  inputOf,
  no5xxRise,
  origin,
  poison,
  provider,
  queueAge,
  RULES_NOW,
  recurringAlarm,
  release,
  rise,
  SERVICE,
  saturation,
  tasks,
} from "../../test/setup/classifier-signals.ts";
import { classify } from "./classifier.ts";
import { RULES } from "./classifier-rules.ts";

/**
 * One case per rule: signals that fire it, and the same situation with the condition
 * that blocks it (a missing control, an order or share that argues the other way).
 */
interface Case {
  fires: UnsourcedSignal[];
  blocked: UnsourcedSignal[];
  /** What the blocked variant changes. */
  because: string;
}

/** A scheduled alarm on a cache at its limit, with the service's 5xx and latency read flat. */
const scheduledQuiet = [
  recurringAlarm(),
  saturation("cache", 98, 100, "memory"),
  no5xxRise,
  flat("latency_p99"),
];
/** The impact controls read flat: the 5xx rate (overall and per zone), latency, tasks. */
const controlsFlat = [
  no5xxRise,
  flat("latency_p99"),
  flat("errors_5xx", ["zone-a"]),
  flat("errors_5xx", ["zone-b"]),
  tasks(6, 6),
];
/** A zonal provider incident on what we run on, with every impact control read flat. */
const providerQuiet = [provider({ zones: ["zone-a"] }), ...controlsFlat];
const otherRelease = release({ service: "svc-b" });
/** An infra event on `resource` one minute before the onset, and a series of a resource moving at it. */
const eventOn = (resource: string): UnsourcedSignal => ({
  kind: "change_event",
  change: "infra",
  ref: `failover:${resource}`,
  service: SERVICE,
  resource,
  at: "2025-03-04T10:00:00Z",
  minutesBeforeOnset: 1,
});
const movedAt = (resource: string, onset: string): UnsourcedSignal => ({
  kind: "series_change",
  measure: "latency_p99",
  direction: "rise",
  before: 0.001,
  after: 0.02,
  service: SERVICE,
  onset,
  onsetUncertaintyMinutes: 0.5,
  scope: { resource },
});
const vendorIncident = (vendor: string, startedAt?: string): UnsourcedSignal => ({
  kind: "vendor_incident",
  vendor,
  status: "identified",
  impact: "major",
  ...(startedAt ? { startedAt } : {}),
});
const vendorErrors = (vendor: string, correlatedRequests = 40): UnsourcedSignal => ({
  kind: "vendor_error_correlation",
  vendor,
  correlatedRequests,
});
const stale = (staleCount: number): UnsourcedSignal => ({
  kind: "stale_derived_rows",
  table: "t-1",
  staleCount,
  totalCount: 100,
});
/** An audited edit of a reference row the referring rows shifted at. */
const edit = (datedBy: "audit_trail" | "update_time" = "audit_trail"): UnsourcedSignal => ({
  kind: "reference_edit",
  table: "t-ref",
  named: "Name",
  editedAt: "2025-03-03T10:00:00Z",
  datedBy,
  referringTable: "t-rows",
  rowsBefore: 200,
  rowsSince: 80,
  shifted: [{ column: "amount", before: 1500, after: 0 }],
});
/** No deploy in the day before `end`. */
const absentUntil = (end: string): UnsourcedSignal => ({
  kind: "deploy_absent",
  service: SERVICE,
  windowHours: 24,
  windowStart: new Date(Date.parse(end) - 86_400_000).toISOString(),
  windowEnd: end,
});
/** Three wrong rows with the data-state fields a generic db check adds. */
const staleWith = (extra: {
  ongoing?: boolean;
  ticketEntitiesAffected?: number;
  writePathWhole?: boolean;
}): UnsourcedSignal => ({
  kind: "stale_derived_rows",
  table: "t-1",
  staleCount: 3,
  totalCount: 100,
  ...extra,
});
const reproduction = (reproduced: boolean): UnsourcedSignal => ({
  kind: "reproduction",
  path: "POST /a",
  reproduced,
});

const CASES: Record<string, Case> = {
  "code.5xx_rise_after_release": {
    fires: [rise("errors_5xx"), release()],
    blocked: [rise("errors_5xx", { onset: "2025-03-04T09:30:00Z" }), release()],
    because: "the rise began half an hour before the release",
  },
  "code.latency_rise_after_release": {
    fires: [rise("latency_p99"), release()],
    blocked: [rise("latency_p99"), rise("errors_5xx"), release()],
    because: "an error rise already pairs with the release (one regression, one count)",
  },
  "code.crash_loop_after_release": {
    fires: [crash("exit"), release()],
    blocked: [crash("exit"), otherRelease],
    because: "the release is of another service",
  },
  "code.oom_after_release": {
    fires: [crash("out_of_memory"), release()],
    blocked: [crash("exit"), release()],
    because: "the restarts are not out-of-memory kills",
  },
  "code.memory_rise_after_release": {
    fires: [crash("out_of_memory"), rise("memory", { onset: "2025-03-04T10:02:00Z" }), release()],
    blocked: [rise("memory", { onset: "2025-03-04T10:02:00Z" }), release()],
    because: "memory grew but nothing crash-loops or slows",
  },
  "code.new_exception_one_path": {
    fires: [exception("2025-01-10T08:00:00Z"), no5xxRise],
    blocked: [exception("2025-01-10T08:00:00Z")],
    because:
      "an old exception alone, with no contrast (no second exception on its path, no flat 5xx)",
  },
  "code.vendor_implicated": {
    fires: [rise("errors_5xx"), release(), vendorErrors("vendor-a")],
    blocked: [
      rise("errors_5xx"),
      { ...release(), diffTouchesStack: true } as UnsourcedSignal,
      exception(),
      vendorErrors("vendor-a"),
    ],
    because: "the correlated release changed a file in the failing stack",
  },
  "code.load_rose_with_symptom": {
    fires: [rise("errors_5xx"), release(), rise("requests", { onset: "2025-03-04T10:08:00Z" })],
    blocked: [rise("errors_5xx"), release(), rise("requests", { onset: "2025-03-04T10:40:00Z" })],
    because: "requests rose half an hour after the errors (the errors came first)",
  },
  "code.managed_dependency_failing": {
    fires: [rise("dependency_errors"), rise("errors_5xx")],
    blocked: [rise("dependency_errors"), rise("errors_5xx"), rise("requests")],
    because: "the requests sent to the managed service rose with its errors",
  },
  "code.symptom_confined_to_zone": {
    fires: [rise("errors_5xx", { zones: ["z-c"] }), flat("errors_5xx", ["z-a"]), release()],
    blocked: [
      rise("errors_5xx", { zones: ["z-c"] }),
      flat("errors_5xx", ["z-a"]),
      release({ deployedAt: "2025-03-04T10:20:00Z" }),
    ],
    because: "a release still rolling out at the onset may be in one zone only (a canary)",
  },
  "code.dependency_moved_first": {
    // The release went out 40 min before the symptom: the dependency's climb 8 min before
    // the symptom began long after the rollout, so the release did not drive it.
    fires: [
      rise("latency_p99", { uncertainty: 1 }),
      release({ deployedAt: "2025-03-04T09:30:00Z", after: 40 }),
      rise("connections", { onset: "2025-03-04T10:02:00Z", uncertainty: 1 }),
    ],
    blocked: [
      rise("latency_p99", { uncertainty: 1 }),
      release(),
      rise("connections", { onset: "2025-03-04T10:10:00Z", uncertainty: 1 }),
    ],
    because: "the dependency moved together with the symptom (a release can load it)",
  },
  "code.exception_after_deploy": {
    fires: [exception("2025-03-04T10:05:00Z"), release()],
    blocked: [exception("2025-03-04T09:00:00Z"), release()],
    because: "the exception predates the deploy",
  },
  "code.release_touches_stack": {
    fires: [exception(), { ...release(), diffTouchesStack: true } as UnsourcedSignal],
    blocked: [exception(), { ...release(), diffTouchesStack: false } as UnsourcedSignal],
    because: "the diff does not touch the stack",
  },
  "code.release_needs_missing_config": {
    fires: [{ ...exception(), missingConfig: true } as UnsourcedSignal, release()],
    blocked: [exception(), release()],
    because: "the exception does not say a required configuration value is missing",
  },
  "code.release_partly_needs_missing_config": {
    fires: [
      { ...exception(), missingConfig: true } as UnsourcedSignal,
      { ...exception(), issueId: "I-2" } as UnsourcedSignal,
      release(),
    ],
    blocked: [{ ...exception(), missingConfig: true } as UnsourcedSignal, release()],
    because: "every exception the release brought says the configuration is missing",
  },
  "code.release_misses_stack": {
    fires: [exception(), { ...release(), diffTouchesStack: false } as UnsourcedSignal],
    blocked: [exception(), release()],
    because: "the release specialist could not compare (unknown is not evidence)",
  },
  "code.data_precondition_present": {
    fires: [
      exception(),
      { kind: "data_precondition", table: "t", condition: "c IS NULL", rowCount: 5 },
    ],
    blocked: [
      exception(),
      { kind: "data_precondition", table: "t", condition: "c IS NULL", rowCount: 0 },
    ],
    because: "no row is in the mishandled state",
  },
  "code.reproduced": {
    fires: [reproduction(true)],
    blocked: [reproduction(false)],
    because: "it did not reproduce",
  },
  "code.dependencies_healthy": {
    fires: [rise("errors_5xx"), release(), flat("connections")],
    blocked: [rise("errors_5xx"), release(), flat("connections"), saturation("database", 99)],
    because: "a dependency is saturated",
  },
  "code.load_steady": {
    fires: [rise("latency_p99"), release(), flat("requests")],
    blocked: [rise("latency_p99"), release(), rise("requests")],
    because: "request volume rose",
  },
  "code.after_flag_change": {
    fires: [rise("errors_5xx"), change("flag", 8)],
    blocked: [rise("errors_5xx"), change("flag", -5)],
    because: "the flag changed after the onset",
  },
  "code.poison_message": {
    fires: [poison(40, 12)],
    blocked: [poison(0, 0)],
    because: "messages are received once and nothing is dead-lettered",
  },
  "code.exception_at_backlog_onset": {
    fires: [
      poison(40, 12),
      exception("2025-03-04T10:11:00Z"),
      rise("queue_age", { onset: "2025-03-04T10:10:00Z", uncertainty: 0.5 }),
    ],
    blocked: [
      poison(40, 12),
      exception("2025-03-04T08:00:00Z"),
      rise("queue_age", { onset: "2025-03-04T10:10:00Z", uncertainty: 0.5 }),
    ],
    because: "the exception was first seen hours before the backlog began",
  },
  "code.long_standing_defect": {
    fires: [exception("2025-01-10T08:00:00Z"), no5xxRise, deployAbsent],
    blocked: [
      { ...exception("2025-01-10T08:00:00Z"), handled: true } as UnsourcedSignal,
      no5xxRise,
      deployAbsent,
    ],
    because: "the code handles the exception",
  },
  "code.long_standing_defect_spiking": {
    fires: [exception("2025-01-10T08:00:00Z"), rise("error_events"), deployAbsent],
    blocked: [exception("2025-01-10T08:00:00Z"), rise("error_events"), rise("connections")],
    because: "a dependency's load rose with the spike",
  },
  "code.release_within_minutes": {
    fires: [rise("errors_5xx"), release({ after: 10 })],
    blocked: [rise("errors_5xx", { onset: "2025-03-04T10:40:00Z" }), release({ after: 40 })],
    because: "the symptom began 40 min after the release",
  },
  "code.confined_to_released_service": {
    fires: [
      rise("errors_5xx"),
      release(),
      { kind: "impact_scope", services: [SERVICE], zones: [] },
    ],
    blocked: [
      rise("errors_5xx"),
      release(),
      { kind: "impact_scope", services: [SERVICE, "svc-b"], zones: [] },
    ],
    because: "the symptom spreads to another service",
  },
  "code.release_drove_dependency": {
    fires: [
      {
        ...rise("memory", { onset: "2025-03-04T10:01:00Z", uncertainty: 0.5 }),
        scope: { resource: "cache-1" },
      } as UnsourcedSignal,
      rise("latency_p99", { onset: "2025-03-04T11:30:00Z" }),
      release({ after: 90 }),
    ],
    blocked: [
      rise("requests", { onset: "2025-03-04T09:58:00Z", uncertainty: 0.5 }),
      {
        ...rise("memory", { onset: "2025-03-04T10:01:00Z", uncertainty: 0.5 }),
        scope: { resource: "cache-1" },
      } as UnsourcedSignal,
      rise("latency_p99", { onset: "2025-03-04T11:30:00Z" }),
      release({ after: 90 }),
    ],
    because:
      "request volume rose before the dependency's climb: traffic, not the release, loaded it",
  },
  "code.release_grew_cache_entries": {
    fires: [
      {
        ...rise("cache_item_bytes", { onset: "2025-03-04T10:01:00Z", uncertainty: 0.5 }),
        scope: { resource: "cache-1" },
      } as UnsourcedSignal,
      rise("requests", { onset: "2025-03-04T10:05:00Z", uncertainty: 0.5 }),
      rise("latency_p99", { onset: "2025-03-04T10:20:00Z" }),
      release({ after: 20 }),
    ],
    blocked: [
      {
        ...rise("cache_item_bytes", { onset: "2025-03-04T10:01:00Z", uncertainty: 0.5 }),
        scope: { resource: "cache-1" },
      } as UnsourcedSignal,
      {
        ...rise("cache_items", { onset: "2025-03-04T10:01:00Z", uncertainty: 0.5 }),
        direction: "drop",
        scope: { resource: "cache-1" },
      } as UnsourcedSignal,
      rise("latency_p99", { onset: "2025-03-04T10:20:00Z" }),
      release({ after: 20 }),
    ],
    because: "the cache's items dropped as the size per item rose: losing items skews the ratio",
  },
  "code.release_long_before_onset": {
    fires: [rise("errors_5xx", { onset: "2025-03-04T11:30:00Z" }), release({ after: 90 })],
    blocked: [rise("errors_5xx", { onset: "2025-03-04T10:20:00Z" }), release({ after: 20 })],
    because: "the symptom began 20 min after the release",
  },
  "code.no_deploy": {
    fires: [deployAbsent],
    blocked: [deployAbsent, poison(40, 12)],
    because: "a poison message needs no deploy",
  },
  "code.no_5xx_rise": {
    fires: [no5xxRise],
    blocked: [no5xxRise, rise("latency_p99"), release()],
    because: "a latency regression does not raise the 5xx rate",
  },
  "code.not_reproduced": {
    fires: [reproduction(false)],
    blocked: [reproduction(true)],
    because: "it reproduced",
  },
  "code.onset_before_release": {
    fires: [rise("errors_5xx", { onset: "2025-03-04T09:30:00Z" }), release()],
    blocked: [rise("errors_5xx", { onset: "2025-03-04T09:57:00Z", uncertainty: 5 }), release()],
    because: "the onset is within its uncertainty of the deploy",
  },
  "code.provider_incident_overlaps": {
    fires: [provider()],
    blocked: [provider({ overlapsUs: false })],
    because: "the provider incident is elsewhere",
  },
  "code.provider_incident_before_onset": {
    fires: [rise("errors_5xx"), provider()],
    blocked: [rise("errors_5xx", { onset: "2025-03-04T09:40:00Z", uncertainty: 1 }), provider()],
    because: "the incident began after the symptom had (it still overlaps, within the posting lag)",
  },
  "data.stale_rows_proven": {
    fires: [stale(3)],
    blocked: [stale(0)],
    because: "no stale row",
  },
  "data.visible_count_mismatch": {
    fires: [{ kind: "count_mismatch", subject: "n", displayed: 3, computed: 5 }],
    blocked: [{ kind: "count_mismatch", subject: "n", displayed: 5, computed: 5 }],
    because: "the numbers agree",
  },
  "data.write_path_changed": {
    fires: [stale(3), release()],
    blocked: [stale(0), release()],
    because: "no stale rows to explain",
  },
  "data.no_write_path_change": {
    fires: [stale(3), deployAbsent],
    blocked: [staleWith({ ongoing: true }), deployAbsent],
    because: "wrong rows are still appearing",
  },
  "data.write_path_whole_again": {
    fires: [staleWith({ ongoing: false, writePathWhole: true }), release()],
    blocked: [staleWith({ ongoing: false, writePathWhole: true }), deployAbsent],
    because: "no deploy in the window already makes the case (data.no_write_path_change)",
  },
  "data.ticket_records_affected": {
    fires: [staleWith({ ticketEntitiesAffected: 2 })],
    blocked: [staleWith({ ticketEntitiesAffected: 0 })],
    because: "none of the ticket's records is among the wrong rows",
  },
  "data.reference_edit_shifted_rows": {
    fires: [edit()],
    blocked: [stale(0)],
    because: "no edit of a reference row the rows shifted at",
  },
  "data.reference_edit_audited": {
    fires: [edit("audit_trail")],
    blocked: [edit("update_time")],
    because: "only the row's update time dates the edit",
  },
  "data.reference_edit_without_deploy": {
    fires: [edit(), absentUntil("2025-03-03T10:00:00Z")],
    blocked: [edit(), absentUntil("2025-03-02T09:00:00Z")],
    because: "the deploy-absence window ends before the edit (a deploy may precede it)",
  },
  "data.rows_consistent": {
    fires: [{ kind: "derived_rows_consistent", table: "t-1" }],
    blocked: [stale(3)],
    because: "the check found stale rows instead",
  },
  "infra.queue_saturated": {
    fires: [queueAge(900)],
    blocked: [queueAge(100)],
    because: "the queue is within its threshold",
  },
  "infra.capacity_exhausted": {
    fires: [tasks(4, 6)],
    blocked: [tasks(6, 6, 10)],
    because: "tasks are healthy with headroom",
  },
  "infra.dependency_saturated": {
    fires: [saturation("database", 98)],
    blocked: [saturation("database", 40)],
    because: "the database is at 40% of its limit",
  },
  "infra.dependency_leads_symptom": {
    fires: [rise("evictions", { onset: "2025-03-04T10:02:00Z" }), rise("latency_p99")],
    blocked: [rise("evictions", { onset: "2025-03-04T10:25:00Z" }), rise("latency_p99")],
    because: "the dependency moved after the symptom",
  },
  "infra.managed_dependency_failing": {
    fires: [rise("dependency_errors", { onset: "2025-03-04T10:02:00Z" }), rise("errors_5xx")],
    blocked: [rise("dependency_errors", { onset: "2025-03-04T10:25:00Z" }), rise("errors_5xx")],
    because: "the managed service's errors began after the symptom",
  },
  "infra.provider_incident_overlaps": {
    fires: [provider()],
    blocked: [provider({ status: "resolved" })],
    because: "the incident is resolved",
  },
  "infra.symptom_in_incident_zones": {
    fires: [provider({ zones: ["z-a"] }), rise("errors_5xx", { zones: ["z-a"] })],
    blocked: [provider({ zones: ["z-a"] }), rise("errors_5xx", { zones: ["z-a", "z-b"] })],
    because: "the symptom is also in a zone the incident does not cover",
  },
  "infra.zonal_symptom": {
    fires: [rise("errors_5xx", { zones: ["z-a"] }), flat("errors_5xx", ["z-b", "z-c"])],
    blocked: [rise("errors_5xx", { zones: ["z-a"] }), rise("errors_5xx", { zones: ["z-b"] })],
    because: "the errors rose in every zone read",
  },
  "infra.shared_failure_across_services": {
    fires: [
      rise("errors_5xx"),
      { kind: "impact_scope", services: ["svc-a", "svc-b"], zones: [] } as UnsourcedSignal,
      deployAbsent,
    ],
    blocked: [
      rise("errors_5xx"),
      { kind: "impact_scope", services: ["svc-a", "svc-b"], zones: [] } as UnsourcedSignal,
      release(),
    ],
    because: "a release correlates (its service may fail its callers)",
  },
  "infra.hosts_unhealthy_in_zone": {
    fires: [rise("unhealthy_hosts", { zones: ["z-a"] }), flat("unhealthy_hosts", ["z-b"])],
    blocked: [rise("errors_5xx", { zones: ["z-a"] }), flat("errors_5xx", ["z-b"])],
    because: "no host is unhealthy, only errors differ by zone",
  },
  "infra.crash_under_memory_pressure": {
    fires: [crash("out_of_memory"), saturation("memory", 990, 1000, "memory")],
    blocked: [crash("out_of_memory"), saturation("memory", 990, 1000, "memory"), release()],
    because: "a release correlates",
  },
  "infra.queue_drains_cleanly": {
    fires: [queueAge(900), poison(0, 0)],
    blocked: [queueAge(900), poison(0, 5)],
    because: "messages reach the dead-letter queue",
  },
  "infra.after_operational_change": {
    fires: [change("config", 10), rise("latency_p99")],
    blocked: [change("config", 400), rise("latency_p99")],
    because: "the change is far outside the window",
  },
  "infra.infra_event_at_onset": {
    fires: [change("infra", 2), rise("latency_p99")],
    blocked: [change("infra", 45), rise("latency_p99")],
    because: "the event came 45 min before the onset",
  },
  "infra.event_disturbed_its_resource": {
    fires: [eventOn("db-1"), movedAt("db-1", "2025-03-04T10:01:00Z"), rise("latency_p99")],
    blocked: [eventOn("db-1"), movedAt("db-2", "2025-03-04T10:01:00Z"), rise("latency_p99")],
    because: "the series that moved is another resource's, not the one the event hit",
  },
  "infra.load_surge": {
    fires: [rise("requests"), rise("latency_p99")],
    blocked: [flat("requests"), rise("latency_p99")],
    because: "request volume is flat",
  },
  "infra.load_drives_dependency": {
    fires: [
      rise("requests", { onset: "2025-03-04T10:00:00Z" }),
      rise("connections", { onset: "2025-03-04T10:06:00Z" }),
      rise("latency_p99", { onset: "2025-03-04T10:12:00Z" }),
    ],
    blocked: [
      rise("latency_p99", { onset: "2025-03-04T10:00:00Z" }),
      rise("requests", { onset: "2025-03-04T10:12:00Z" }),
      rise("connections", { onset: "2025-03-04T10:12:00Z" }),
    ],
    because: "the load rose after the symptom (clients retrying a failure)",
  },
  "infra.scaled_out_under_load": {
    fires: [
      rise("requests"),
      flat("running_tasks"),
      tasks(8, 9),
      flat("errors_5xx"),
      flat("latency_p99"),
    ],
    blocked: [
      rise("requests"),
      flat("running_tasks"),
      tasks(5, 9),
      flat("errors_5xx"),
      flat("latency_p99"),
    ],
    because: "the raised desired count is not being met (tasks still at the old level)",
  },
  "infra.without_deploy": {
    fires: [saturation("database", 99), deployAbsent],
    blocked: [saturation("database", 99), deployAbsent, release()],
    because: "a release correlates",
  },
  "infra.release_correlated": {
    fires: [release()],
    blocked: [release({ after: 85 })],
    because: "the release came 85 min before the onset",
  },
  "code.infra_event_at_onset": {
    fires: [change("scaling", 0)],
    blocked: [change("config", 0)],
    because: "a configuration change is not an infrastructure event",
  },
  "infra.tasks_have_headroom": {
    fires: [tasks(6, 6, 10)],
    blocked: [tasks(10, 10, 10)],
    because: "tasks are at their ceiling",
  },
  "infra.queue_within_threshold": {
    fires: [queueAge(100)],
    blocked: [queueAge(900)],
    because: "the queue is over its threshold",
  },
  "infra.poison_not_capacity": {
    fires: [poison(40, 12)],
    blocked: [poison(0, 0)],
    because: "no repeats, nothing dead-lettered",
  },
  "vendor.status_incident": {
    fires: [vendorIncident("vendor-a")],
    blocked: [vendorIncident("vendor-a"), vendorErrors("vendor-b")],
    because: "the errors implicate another vendor",
  },
  "vendor.errors_correlated": {
    fires: [vendorErrors("vendor-a")],
    blocked: [vendorErrors("vendor-a", 0)],
    because: "no failing request carries its IDs",
  },
  "vendor.isolated_by_control": {
    fires: [{ ...vendorErrors("vendor-a"), otherHostsHealthy: 2 } as UnsourcedSignal],
    blocked: [{ ...vendorErrors("vendor-a"), otherHostsHealthy: 0 } as UnsourcedSignal],
    because: "no other host was seen answering while the vendor failed",
  },
  "vendor.quota_exhausted": {
    fires: [saturation("vendor", 100, 100, "throttles")],
    blocked: [saturation("vendor", 10, 100, "throttles")],
    because: "calls are at 10% of the quota",
  },
  "vendor.without_deploy": {
    fires: [vendorErrors("vendor-a"), deployAbsent],
    blocked: [vendorErrors("vendor-a"), deployAbsent, release()],
    because: "a release correlates",
  },
  "vendor.operational": {
    fires: [vendorErrors("vendor-a"), { kind: "vendor_operational", vendor: "vendor-a" }],
    blocked: [vendorErrors("vendor-a"), { kind: "vendor_operational", vendor: "vendor-b" }],
    because: "the green status is another vendor's",
  },
  "vendor.incident_after_onset": {
    fires: [
      rise("errors_5xx", { onset: "2025-03-04T08:00:00Z" }),
      vendorIncident("vendor-a", DEPLOYED_AT),
    ],
    blocked: [
      rise("errors_5xx", { onset: "2025-03-04T08:00:00Z" }),
      vendorIncident("vendor-a", "2025-03-04T08:30:00Z"),
    ],
    because: "the incident began within the posting lag of our onset",
  },
  "noise.aborts_without_5xx_rise": {
    fires: [aborts(), no5xxRise],
    blocked: [aborts(), rise("errors_5xx")],
    because: "the 5xx rate rose instead of staying flat",
  },
  "noise.aborts_without_deploy": {
    fires: [aborts(), deployAbsent],
    blocked: [aborts(), deployAbsent, release()],
    because: "a release correlates",
  },
  "noise.client_statuses_only": {
    fires: [aborts([499])],
    blocked: [aborts([499]), exception()],
    because: "a new exception appeared",
  },
  "noise.non_user_traffic_without_5xx_rise": {
    fires: [origin("synthetic", 0.7), flat("errors_5xx")],
    blocked: [origin("synthetic", 0.2), origin("users", 0.8), flat("errors_5xx")],
    because: "real users make up most failing requests",
  },
  "noise.non_user_traffic_without_deploy": {
    fires: [origin("bots", 0.6), deployAbsent],
    blocked: [origin("bots", 0.6), deployAbsent, release()],
    because: "a release correlates",
  },
  "noise.handled_errors_flat": {
    fires: [{ ...exception(), handled: true } as UnsourcedSignal, no5xxRise],
    blocked: [
      { ...exception(), handled: true } as UnsourcedSignal,
      no5xxRise,
      rise("error_events"),
    ],
    because: "its rate is rising",
  },
  "noise.handled_errors_without_deploy": {
    fires: [{ ...exception(), handled: true } as UnsourcedSignal, deployAbsent],
    blocked: [exception(), deployAbsent],
    because: "the exception is unhandled",
  },
  "noise.one_caller_rejections": {
    fires: [
      {
        ...exception("2025-01-10T08:00:00Z"),
        handled: true,
        statusCodes: [422],
        topCallerShare: 0.98,
      } as UnsourcedSignal,
      no5xxRise,
    ],
    blocked: [
      {
        ...exception("2025-01-10T08:00:00Z"),
        handled: true,
        statusCodes: [422],
        topCallerShare: 0.2,
      } as UnsourcedSignal,
      no5xxRise,
    ],
    because: "the rejections are spread over many callers",
  },
  "noise.client_runtime_spike": {
    fires: [
      {
        ...exception("2025-01-10T08:00:00Z"),
        topRuntime: { name: "Browser 9.1", share: 0.95 },
      } as UnsourcedSignal,
      rise("error_events"),
      no5xxRise,
    ],
    blocked: [
      {
        ...exception("2025-01-10T08:00:00Z"),
        topRuntime: { name: "Browser 9.1", share: 0.5 },
      } as UnsourcedSignal,
      rise("error_events"),
      no5xxRise,
    ],
    because: "no one runtime carries the spike",
  },
  "noise.server_errors_rising": {
    fires: [rise("errors_5xx")],
    blocked: [flat("errors_5xx")],
    because: "the 5xx rate is flat",
  },
  "noise.release_correlated": {
    fires: [release()],
    blocked: [deployAbsent],
    because: "no release",
  },
  "noise.new_exception": {
    fires: [exception()],
    blocked: [exception(), origin("health_checks", 0.9)],
    because: "health checks raise it",
  },
  "noise.real_user_traffic": {
    fires: [origin("users", 0.8)],
    blocked: [origin("users", 0.3)],
    because: "users are a minority of the failing requests",
  },
  "noise.scheduled_alarm_without_impact": {
    fires: scheduledQuiet,
    blocked: [...scheduledQuiet, rise("latency_p99")],
    because: "latency rose: users felt it",
  },
  "noise.scheduled_alarm_without_deploy": {
    fires: [...scheduledQuiet, deployAbsent],
    blocked: [...scheduledQuiet, deployAbsent, release()],
    because: "a release correlates",
  },
  "noise.flapping_alarm_without_impact": {
    fires: [flappingAlarm(), ...controlsFlat],
    blocked: [flappingAlarm({ longestMinutes: 45 }), ...controlsFlat],
    because: "an episode lasted 45 min: not a blip",
  },
  "noise.provider_incident_without_impact": {
    fires: providerQuiet,
    blocked: [provider({ zones: ["zone-c"] }), ...controlsFlat],
    because: "the incident's zone was not read per zone: a control unread is not a flat one",
  },
  "infra.provider_incident_without_impact": {
    fires: providerQuiet,
    blocked: [...providerQuiet, rise("errors_5xx", { zones: ["zone-a"] })],
    because: "the 5xx rate rose in the incident's zone",
  },
  "infra.scheduled_alarm_without_impact": {
    fires: scheduledQuiet,
    blocked: [recurringAlarm({ priorFirings: 2 }), ...scheduledQuiet.slice(1)],
    because: "two earlier days are no schedule",
  },
};

const firedIds = (signals: UnsourcedSignal[]) =>
  classify(inputOf(signals), { now: RULES_NOW }).rulesFired.map((r) => r.ruleId);

describe("every classifier rule", () => {
  it("has a case here, and every case names a rule", () => {
    expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it("has a unique id, positive points and a justification", () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r.points, r.id).toBeGreaterThan(0);
      expect(r.explanation.length, r.id).toBeGreaterThan(20);
      expect(r.id.split(".")[0], r.id).toBe(
        {
          code_defect: "code",
          data_defect: "data",
          infra: "infra",
          vendor: "vendor",
          noise: "noise",
        }[r.class],
      );
    }
  });

  for (const rule of RULES) {
    const c = CASES[rule.id];
    if (c === undefined) continue;
    it(`${rule.id} fires on its case and not when ${c.because}`, () => {
      expect(firedIds(c.fires)).toContain(rule.id);
      expect(firedIds(c.blocked)).not.toContain(rule.id);
    });
  }
});

describe("data rows of a write path whole again", () => {
  const whole = staleWith({ ongoing: false, writePathWhole: true });

  it("the release that wrote them is not a code change to make: the rows since are right", () => {
    expect(firedIds([whole, release()])).not.toContain("data.write_path_changed");
    const c = classify(inputOf([whole, release()]), { now: RULES_NOW });
    expect(c.class).toBe("data_defect");
    expect(c.remedy).toEqual({ codeChange: false, dataCorrection: true });
  });

  it("does not count while wrong rows still appear, nor clear a write path another finding keeps open", () => {
    const ongoing = staleWith({ ongoing: true, writePathWhole: true });
    expect(firedIds([ongoing, release()])).not.toContain("data.write_path_whole_again");
    expect(firedIds([ongoing, release()])).toContain("data.write_path_changed");
    expect(firedIds([whole, stale(3), release()])).toContain("data.write_path_changed");
  });
});

describe("data.reference_edit_without_deploy", () => {
  it("is not counted when a release correlates, nor without the edit", () => {
    expect(firedIds([edit(), absentUntil("2025-03-03T10:00:00Z"), release()])).not.toContain(
      "data.reference_edit_without_deploy",
    );
    expect(firedIds([absentUntil("2025-03-03T10:00:00Z")])).not.toContain(
      "data.reference_edit_without_deploy",
    );
  });
});

describe("infra.tasks_have_headroom", () => {
  it("does not count healthy tasks against a database, cache or queue at its limit", () => {
    for (const dependency of ["database", "cache", "queue"] as const) {
      expect(firedIds([tasks(6, 6, 10), saturation(dependency, 99)])).not.toContain(
        "infra.tasks_have_headroom",
      );
    }
    // The service's own CPU at its limit is the tasks' capacity: headroom still argues.
    expect(firedIds([tasks(6, 6, 10), saturation("compute", 99)])).toContain(
      "infra.tasks_have_headroom",
    );
  });
});

describe("handled exceptions are noise only while nothing users depend on moved", () => {
  const handledOld = { ...exception("2025-01-10T08:00:00Z"), handled: true } as UnsourcedSignal;

  it("real users meeting a handled exception at its usual rate, 5xx flat, do not argue against noise", () => {
    expect(firedIds([handledOld, origin("users", 1), no5xxRise])).not.toContain(
      "noise.real_user_traffic",
    );
    // The same users while the latency rose do.
    expect(firedIds([handledOld, origin("users", 1), no5xxRise, rise("latency_p99")])).toContain(
      "noise.real_user_traffic",
    );
  });

  it("a handled exception whose own events rose is not noise without a deploy, and is an old defect", () => {
    const fired = firedIds([handledOld, rise("error_events"), deployAbsent]);
    expect(fired).not.toContain("noise.handled_errors_without_deploy");
    expect(fired).toContain("code.long_standing_defect");
    expect(fired).not.toContain("code.no_deploy");
  });

  it("another issue's rise does not make a flat handled exception an old defect", () => {
    const fired = firedIds([handledOld, no5xxRise, deployAbsent]);
    expect(fired).not.toContain("code.long_standing_defect");
    const elsewhere = classify(inputOf([handledOld, deployAbsent], [rise("error_events")]), {
      now: RULES_NOW,
    }).rulesFired.map((r) => r.ruleId);
    expect(elsewhere).not.toContain("code.long_standing_defect");
  });
});

describe("docs/evidence-vocabulary.md", () => {
  const doc = readFileSync(new URL("../../docs/evidence-vocabulary.md", import.meta.url), "utf8");

  it("lists every rule with its class, effect and points", () => {
    for (const r of RULES) {
      const row = doc.split("\n").find((line) => line.startsWith(`| \`${r.id}\``));
      expect(row, `${r.id} is in the rules table`).toBeDefined();
      expect(row).toContain(r.class);
      expect(row).toContain(r.effect);
      expect(row).toContain(`| ${r.points} |`);
    }
  });

  it("lists every signal kind", async () => {
    const { SIGNAL_KINDS } = await import("./signals.ts");
    for (const kind of SIGNAL_KINDS) expect(doc, kind).toContain(`| \`${kind}\``);
  });
});
