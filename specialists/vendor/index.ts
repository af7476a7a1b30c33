import { CHECK_RULES, EvidenceCollector, settle } from "../shared/collector.ts";
import { deadlineSignal, runClock } from "../shared/deadline.ts";
import { isCallerView, MAX_LINKED_ISSUES } from "../shared/linked-issues.ts";
import type { SentryEventSummary, SentryReader } from "../tools.ts";
import type { Specialist, SpecialistInput, TicketContext } from "../types.ts";
import {
  hasVendorLabel,
  hostsIn,
  type Implication,
  implicatedByEvents,
  implicatedByLogLines,
  implicatedByTicket,
  labelledCorrelationIds,
  matcherFor,
  ranked,
} from "./detect.ts";
import { otherHostsHealthy } from "./egress-control.ts";
import {
  errorLogLines,
  LOG_LINES,
  LOG_WINDOW_MS,
  logLine,
  type ServiceLogLines,
} from "./service-logs.ts";
import { readProviderStatus, readStatus } from "./status.ts";
import { readUnlistedUpstream } from "./unlisted-evidence.ts";

export { readProviderStatus, readStatus };

/**
 * The vendor specialist. Which vendor is involved comes from the evidence, not only from
 * the ticket's words: the linked Sentry issues' events (exception types, SDK frames,
 * hosts, tag namespaces, request ids) and the ticket (labels, title, hosts, ids) are
 * matched against the configured status sources (detect.ts; no vendor is built in).
 * For each implicated vendor: `vendor_error_correlation` for the failing requests that
 * carry its marks, and its status page now — an open incident (`vendor_incident`) or the
 * negative control `vendor_operational`. Only the implicated vendor's page is read, so
 * another vendor's green page never stands against it. When no configured vendor is
 * implicated, the failing events may still isolate a vendor no status source covers
 * (unlisted-evidence.ts: one external host with its own fault codes, and a control).
 * Cloud providers' status sources
 * are read every run: an open incident becomes `provider_incident`, with `overlapsUs`
 * when its region (and zones) are ours. Read-only: it holds a VendorStatusReader and,
 * when available, a SentryReader.
 */

export interface VendorSpecialistOptions {
  timeoutMs?: number;
}

export function createVendorSpecialist(options: VendorSpecialistOptions = {}): Specialist {
  const timeoutMs = options.timeoutMs ?? 15_000;

  return {
    id: "vendor",
    phase: "evidence",
    needs: ["vendorStatus"],
    optionalTools: ["sentry", "cloudwatch"],
    timeoutMs,

    appliesTo(ticket, tools) {
      const labelled = hasVendorLabel(ticket);
      const configured = tools.some(
        (t) => t.connector === "vendor_status" && t.status === "available",
      );
      if (configured) {
        return {
          applies: true,
          required: labelled,
          reason: labelled
            ? "the ticket is labelled vendor"
            : "the configured vendor and provider status sources are checked against the evidence",
        };
      }
      return labelled
        ? { applies: true, required: true, reason: "the ticket is labelled vendor" }
        : { applies: false, required: false, reason: "no vendor status source is configured" };
    },

    question(ticket) {
      return `Do the errors behind ${ticket.snapshot.ticketKey} implicate a third-party vendor, is that vendor (or our cloud provider in our region) having an incident now?`;
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
      const sources = reader.sources();
      const vendors = sources.filter((s) => s.kind === "vendor");
      const clouds = sources.filter((s) => s.kind === "cloud");
      const matchers = vendors.map(matcherFor);

      const found = implicatedByTicket(input.ticket, matchers);
      const events = await linkedEvents(ev, input.ticket, input.tools.sentry, signal);
      implicatedByEvents(events, matchers, found);
      const logs = await errorLogLines(ev, input, signal);
      implicatedByLogLines(
        (logs?.lines ?? []).map((l) => l.text),
        matchers,
        found,
      );
      const logsRef = logs?.ref;
      const implicated = ranked(found);
      const healthy = await healthyHostsBeside(implicated, logs, input, signal);

      const key = input.ticket.snapshot.ticketKey;
      const ticketRef = ev.source({
        kind: "linear_issue",
        ref: `linear_issue:${key}`,
        fetchedAt: input.ticket.snapshot.fetchedAt,
      });
      for (const id of labelledCorrelationIds(input.ticket)) {
        ev.correlate({ kind: "vendor_correlation_id", value: id });
      }
      // No configured vendor implicated: the failing events may still isolate one that no
      // status source covers (unlisted-evidence.ts).
      if (implicated.length === 0) {
        const covered = (host: string) => matchers.some((m) => m.host(host));
        await readUnlistedUpstream(ev, input, events, logs, covered, signal);
      }
      if (implicated.length === 0 && clouds.length === 0) {
        ev.finding({
          fact: `neither ${key} nor its linked errors implicate a configured vendor (${vendors.map((v) => v.vendor).join(", ") || "none configured"})`,
          source: ticketRef,
          observedAt: input.ticket.snapshot.updatedAt,
        });
        return ev.returned();
      }
      for (const v of implicated) {
        recordImplication(ev, v, { key, ticketRef, logsRef, healthy: healthy.get(v.vendor) });
      }

      await Promise.all([
        ...implicated.map((v) =>
          ev.check(
            {
              what: `status page of ${v.vendor}`,
              confidenceImpact: v.strong || v.correlated > 0 ? 20 : 10,
              run: async () => readStatus(ev, await reader.getStatus(v.vendor), input.now, clock()),
            },
            signal,
          ),
        ),
        ...clouds.map((c) =>
          ev.check(
            {
              what: `status of cloud provider ${c.vendor}`,
              confidenceImpact: 5,
              run: async () =>
                readProviderStatus(
                  ev,
                  await reader.getStatus(c.vendor),
                  c,
                  input.ticket.awsResources?.zones ?? [],
                  clock(),
                ),
            },
            signal,
          ),
        ),
      ]);
      const incident = ev.signals.some(
        (s) => s.kind === "vendor_incident" || (s.kind === "provider_incident" && s.overlapsUs),
      );
      return ev.finish(
        signal,
        incident ? "match the incident's start and components against our failures" : undefined,
      );
    },
  };
}

const EVENTS_PER_ISSUE = 20;

/** The latest events of the ticket's linked Sentry issues (none without a Sentry reader). */
async function linkedEvents(
  ev: EvidenceCollector,
  ticket: TicketContext,
  sentry: SentryReader | undefined,
  signal: AbortSignal,
): Promise<SentryEventSummary[]> {
  const ids = ticket.snapshot.linked.sentryIssueIds
    .filter((id) => !isCallerView(ticket, id))
    .slice(0, MAX_LINKED_ISSUES);
  if (!sentry || ids.length === 0) return [];
  const read = await Promise.all(
    ids.map(async (id) => ({
      id,
      result: await settle(() => sentry.listEvents(id, EVENTS_PER_ISSUE), signal),
    })),
  );
  const events: SentryEventSummary[] = [];
  for (const { id, result } of read) {
    if (!result.ok) {
      ev.gap({
        what: `events of Sentry issue ${id} unavailable (${result.error.code}): vendor marks in its errors not checked`,
        confidenceImpact: 5,
      });
      continue;
    }
    ev.source({ kind: "sentry_issue", ref: `sentry_issue:${id}` });
    events.push(...result.value);
  }
  return events;
}

/** Lines with a 2xx status field: the calls that worked, for the egress control. */
const SUCCESS_LINES_QUERY =
  "fields @timestamp, @message | filter @message like /[Ss]tatus/ and @message like /\\b2\\d\\d\\b/ | sort @timestamp desc";

/**
 * For each implicated vendor named in the service's error lines, the other hosts the same
 * client reached with a 2xx in the same log groups since the vendor's first failure
 * (egress-control.ts). Read only when such a vendor exists; a failed read leaves no control.
 */
async function healthyHostsBeside(
  implicated: readonly Implication[],
  logs: ServiceLogLines | undefined,
  input: SpecialistInput,
  signal: AbortSignal,
): Promise<Map<string, string[]>> {
  const healthy = new Map<string, string[]>();
  const cloudwatch = input.tools.cloudwatch;
  const sources = input.tools.vendorStatus?.sources() ?? [];
  const named = implicated
    .map((v) => sources.find((s) => s.vendor === v.vendor))
    .filter((s) => s !== undefined)
    .map(matcherFor)
    .filter((m) => logs?.lines.some((l) => hostsIn(l.text).some((h) => m.host(h))));
  if (!cloudwatch || !logs || named.length === 0) return healthy;
  const result = await settle(
    () =>
      cloudwatch.queryLogs({
        logGroupNames: logs.groups,
        query: SUCCESS_LINES_QUERY,
        start: new Date(input.now.getTime() - LOG_WINDOW_MS),
        end: input.now,
        limit: LOG_LINES,
      }),
    signal,
  );
  if (!result.ok) return healthy;
  const lines = result.value.map(logLine);
  for (const m of named) healthy.set(m.vendor, otherHostsHealthy(logs.lines, lines, m));
  return healthy;
}

type Ref = ReturnType<EvidenceCollector["source"]>;

/** The finding and, for failing requests that carry the vendor's marks, the signal. */
function recordImplication(
  ev: EvidenceCollector,
  v: Implication,
  at: { key: string; ticketRef: Ref; logsRef: Ref | undefined; healthy: string[] | undefined },
): void {
  const { key, ticketRef, healthy } = at;
  for (const id of v.ids.slice(0, 20)) ev.correlate({ kind: "vendor_correlation_id", value: id });
  ev.finding({
    fact: `${v.vendor} is implicated by ${v.reasons.join("; ")}`,
    source: ticketRef,
  });
  if (v.correlated > 0 || v.ids.length > 0) {
    // Cite where the failing requests were seen: Sentry events, else log lines, else the ticket.
    const ref = v.reasons.some((r) => r.includes("Sentry event"))
      ? ev.source({ kind: "sentry_event", ref: `sentry_events:${key}:${v.vendor}` })
      : v.reasons.some((r) => r.includes("error log line")) && at.logsRef
        ? at.logsRef
        : ticketRef;
    if (healthy && healthy.length > 0 && at.logsRef) {
      ev.finding({
        fact: `while ${v.vendor}'s calls failed, the same client reached ${healthy.slice(0, 5).join(", ")} with 2xx answers: our egress works`,
        source: at.logsRef,
      });
    }
    ev.signal({
      source: ref,
      kind: "vendor_error_correlation",
      vendor: v.vendor,
      correlatedRequests: Math.max(v.correlated, v.ids.length),
      ...(healthy && at.logsRef ? { otherHostsHealthy: healthy.length } : {}),
    });
  }
}

const vendor: Specialist = createVendorSpecialist();
export default vendor;
