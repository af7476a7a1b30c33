import { type EvidenceCollector, settle } from "../shared/collector.ts";
import { isCallerView, MAX_LINKED_ISSUES } from "../shared/linked-issues.ts";
import type { SentryEventSummary } from "../tools.ts";
import type { SpecialistInput } from "../types.ts";
import { sameHostAnswered } from "./egress-control.ts";
import { LOG_LINES, LOG_WINDOW_MS, logLine, type ServiceLogLines } from "./service-logs.ts";
import { CONCENTRATION_SHARE, type UnlistedUpstream, unlistedUpstream } from "./unlisted.ts";

/**
 * Evidence for a vendor no status source covers (unlisted.ts): the failing events name
 * one external host with its own upstream-side fault codes. Its issue-wide spread is read
 * from the host tag's breakdown (the sampled events could mislead), and the control from
 * the service's logs: the same client's other calls to that host answered after its first
 * failure. Only with the control is the vendor isolated and `vendor_error_correlation`
 * emitted; without it the host stays a finding, since a concentrated failure on one host
 * alone does not tell the vendor from our way out to it. The missing status page is
 * recorded as a gap, so the handoff says the vendor's own status was not read.
 */
export async function readUnlistedUpstream(
  ev: EvidenceCollector,
  input: SpecialistInput,
  events: readonly SentryEventSummary[],
  logs: ServiceLogLines | undefined,
  covered: (host: string) => boolean,
  signal: AbortSignal,
): Promise<boolean> {
  const upstream = unlistedUpstream(events, covered);
  if (!upstream) return false;
  const { host } = upstream;
  const key = input.ticket.snapshot.ticketKey;
  const spread = await issueSpread(input, upstream, signal);
  const ref = ev.source({ kind: "sentry_event", ref: `sentry_events:${key}:${host}` });
  const faults = upstream.faults.length
    ? ` with its own fault codes ${upstream.faults.join(", ")}`
    : "";
  const issueWide = spread
    ? `; issue-wide, ${spread.count} of ${spread.total} events are tagged ${upstream.tag} ${host}`
    : "";
  ev.finding({
    fact: `the failing requests concentrate on ${host}, a host no status source covers: ${upstream.events} of ${upstream.read} Sentry events name it${upstream.tag ? ` (tag ${upstream.tag})` : ""}${faults}${issueWide}`,
    source: ref,
  });
  ev.gap({
    what: `no status page is configured for ${host}: its own status was not read, so whether it is failing rests on our telemetry (its fault codes and the control)`,
    confidenceImpact: 0,
  });
  if (spread && spread.count / spread.total < CONCENTRATION_SHARE) return false;
  const answered = await answeredBeside(host, logs, input, signal);
  if (answered === 0 || !logs) {
    ev.gap({
      what: `no control for ${host}: no call of the same client was seen answering after its first failure, so ${host} and our own way out to it are not told apart`,
      confidenceImpact: 0,
    });
    return false;
  }
  ev.finding({
    fact: `while ${host}'s calls failed, ${answered} other call(s) of the same client to ${host} answered without a fault: our way out to it works, it fails on its side for some calls`,
    source: logs.ref,
  });
  ev.signal({
    source: ref,
    kind: "vendor_error_correlation",
    vendor: host,
    correlatedRequests: spread?.count ?? upstream.events,
    sameHostAnswered: answered,
  });
  return true;
}

/** The host tag's issue-wide breakdown over the linked issues; undefined when unread. */
async function issueSpread(
  input: SpecialistInput,
  upstream: UnlistedUpstream,
  signal: AbortSignal,
): Promise<{ count: number; total: number } | undefined> {
  const sentry = input.tools.sentry;
  const tag = upstream.tag;
  if (!sentry || !tag) return undefined;
  const ids = input.ticket.snapshot.linked.sentryIssueIds
    .filter((id) => !isCallerView(input.ticket, id))
    .slice(0, MAX_LINKED_ISSUES);
  let count = 0;
  let total = 0;
  for (const id of ids) {
    const read = await settle(() => sentry.getTagValues(id, tag), signal);
    if (!read.ok) continue;
    let top = 0;
    for (const v of read.value.values) {
      top += v.count;
      if (v.value.toLowerCase() === upstream.host) count += v.count;
    }
    // The breakdown holds the top values only: the events carrying the tag are Sentry's
    // totalValues when it gives it, else (a lower bound) the top values' sum.
    total += Math.max(read.value.totalValues ?? 0, top);
  }
  return total > 0 ? { count, total } : undefined;
}

/**
 * The same client's calls to `host` that answered after its first failure in the
 * service's error lines (egress-control.ts); 0 without logs or when the read fails.
 */
async function answeredBeside(
  host: string,
  logs: ServiceLogLines | undefined,
  input: SpecialistInput,
  signal: AbortSignal,
): Promise<number> {
  const cloudwatch = input.tools.cloudwatch;
  if (!cloudwatch || !logs) return 0;
  // `host` is a host name read by hostsIn (letters, digits, dots, hyphens): safe in a literal.
  const result = await settle(
    () =>
      cloudwatch.queryLogs({
        logGroupNames: logs.groups,
        query: `fields @timestamp, @message | filter @message like "${host}" | sort @timestamp desc`,
        start: new Date(input.now.getTime() - LOG_WINDOW_MS),
        end: input.now,
        limit: LOG_LINES,
      }),
    signal,
  );
  return result.ok ? sameHostAnswered(logs.lines, result.value.map(logLine), host) : 0;
}
