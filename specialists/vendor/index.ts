import { CHECK_RULES, EvidenceCollector } from "../shared/collector.ts";
import { deadlineSignal, runClock } from "../shared/deadline.ts";
import type { VendorStatus } from "../tools.ts";
import type { Specialist } from "../types.ts";
import { hasVendorLabel, mentionedVendors, vendorCorrelationIds } from "./detect.ts";

/**
 * The vendor specialist: for each vendor the ticket names, the vendor's status page now
 * — an open incident (`vendor_incident`) or the negative control `vendor_operational` —
 * plus the vendor correlation ids (webhook event ids, correlation ids) the ticket
 * carries (`vendor_error_correlation`). Read-only: it holds a VendorStatusReader.
 */

export interface VendorSpecialistOptions {
  /** Vendor names it recognises in tickets; defaults to KNOWN_VENDORS. */
  vendors?: readonly string[];
  timeoutMs?: number;
}

const INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved"] as const;
type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
const CLOSED = new Set(["resolved", "postmortem", "completed"]);
const IMPACTS = new Set(["minor", "major", "critical"]);
/** A resolved incident this recent is still worth a finding. */
const RECENTLY_RESOLVED_MS = 24 * 3_600_000;

function incidentStatus(status: string): IncidentStatus {
  if (CLOSED.has(status)) return "resolved";
  return (INCIDENT_STATUSES as readonly string[]).includes(status)
    ? (status as IncidentStatus)
    : "investigating";
}

function isoOrUndefined(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** Maps one status page reading to findings and signals (exported for unit tests). */
export function readStatus(
  ev: EvidenceCollector,
  status: VendorStatus,
  now: Date,
  fetchedAt: Date,
): void {
  const ref = ev.source({
    kind: "vendor_status",
    ref: `vendor_status:${status.vendor}`,
    fetchedAt,
  });
  const active = status.incidents.filter((i) => !CLOSED.has(i.status));
  for (const incident of active) {
    const startedAt = isoOrUndefined(incident.startedAt);
    const components = incident.components.length
      ? ` affecting ${incident.components.slice(0, 5).join(", ")}`
      : "";
    ev.finding({
      fact: `${status.vendor} status page reports "${incident.name}" (${incident.status}, impact ${incident.impact})${startedAt ? ` since ${startedAt}` : ""}${components}`,
      source: ref,
      observedAt: fetchedAt,
    });
    ev.signal({
      source: ref,
      kind: "vendor_incident",
      vendor: status.vendor,
      status: incidentStatus(incident.status),
      ...(IMPACTS.has(incident.impact)
        ? { impact: incident.impact as "minor" | "major" | "critical" }
        : {}),
      ...(startedAt ? { startedAt } : {}),
    });
  }
  for (const incident of status.incidents.filter((i) => CLOSED.has(i.status))) {
    const startedAt = isoOrUndefined(incident.startedAt);
    if (!startedAt || now.getTime() - Date.parse(startedAt) > RECENTLY_RESOLVED_MS) continue;
    ev.finding({
      fact: `${status.vendor} had "${incident.name}" (impact ${incident.impact}) starting ${startedAt}, now ${incident.status}`,
      source: ref,
      observedAt: fetchedAt,
    });
  }
  if (active.length > 0) return;
  if (status.indicator === "none") {
    ev.finding({
      fact: `${status.vendor} status page is operational: ${status.description || "no open incident"}`,
      source: ref,
      observedAt: fetchedAt,
    });
    ev.signal({ source: ref, kind: "vendor_operational", vendor: status.vendor });
    return;
  }
  // Degraded or in maintenance without an incident: neither green nor an incident.
  ev.finding({
    fact: `${status.vendor} status page indicator is ${status.indicator} (${status.description}) with no open incident`,
    source: ref,
    observedAt: fetchedAt,
  });
  ev.gap({
    what: `${status.vendor} status is ${status.indicator} without an incident to cite`,
    confidenceImpact: 5,
  });
}

export function createVendorSpecialist(options: VendorSpecialistOptions = {}): Specialist {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const known = options.vendors;

  return {
    id: "vendor",
    phase: "evidence",
    needs: ["vendorStatus"],
    timeoutMs,

    appliesTo(ticket, _tools, hints) {
      const vendors = mentionedVendors(ticket, hints, known);
      const labelled = hasVendorLabel(ticket);
      if (vendors.length === 0 && !labelled) {
        return { applies: false, required: false, reason: "the ticket names no vendor" };
      }
      const required = labelled || vendors.some((v) => v.where === "label" || v.where === "title");
      const names = vendors.map((v) => `${v.vendor} (${v.where})`).join(", ");
      return {
        applies: true,
        required,
        reason: names ? `the ticket concerns ${names}` : "the ticket is labelled vendor",
      };
    },

    question(ticket) {
      return `Is a third-party vendor named in ${ticket.snapshot.ticketKey} having an incident now, and do the failures carry its correlation ids?`;
    },

    async run(input) {
      const clock = runClock(input.now);
      const signal = deadlineSignal(input);
      const ev = new EvidenceCollector({
        specialistId: "vendor",
        question: input.question,
        at: input.now,
        deadlineMs: timeoutMs,
        rules: CHECK_RULES,
      });
      const reader = input.tools.vendorStatus;
      if (!reader)
        return ev.skipped("no vendor status reader: the vendor_status connector is absent");
      const vendors = mentionedVendors(input.ticket, input.hints, known);
      if (vendors.length === 0) {
        return ev.skipped("the ticket is labelled vendor but names no vendor prode recognises");
      }
      const correlations = vendorCorrelationIds(input.ticket);
      if (correlations.length > 0) {
        const key = input.ticket.snapshot.ticketKey;
        const ticketRef = ev.source({
          kind: "linear_issue",
          ref: `linear_issue:${key}`,
          fetchedAt: input.ticket.snapshot.fetchedAt,
        });
        for (const c of correlations)
          ev.correlate({ kind: "vendor_correlation_id", value: c.value });
        for (const { vendor } of vendors) {
          const own = correlations.filter(
            (c) => c.vendor === vendor || (c.vendor === undefined && vendors.length === 1),
          );
          if (own.length === 0) continue;
          ev.finding({
            fact: `${key} carries ${own.length} ${vendor} correlation id(s) from failing requests`,
            source: ticketRef,
            observedAt: input.ticket.snapshot.updatedAt,
          });
          ev.signal({
            source: ticketRef,
            kind: "vendor_error_correlation",
            vendor,
            correlatedRequests: own.length,
          });
        }
      }

      await Promise.all(
        vendors.map(({ vendor, where }) =>
          ev.check(
            {
              what: `status page of ${vendor}`,
              confidenceImpact: where === "label" || where === "title" ? 20 : 10,
              run: async () => readStatus(ev, await reader.getStatus(vendor), input.now, clock()),
            },
            signal,
          ),
        ),
      );
      const incident = ev.signals.some((s) => s.kind === "vendor_incident");
      return ev.finish(
        signal,
        incident ? "match the incident's start and components against our failures" : undefined,
      );
    },
  };
}

const vendor: Specialist = createVendorSpecialist();
export default vendor;
