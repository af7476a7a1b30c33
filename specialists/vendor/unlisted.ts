import type { SentryEventSummary } from "../tools.ts";
import { hostsIn } from "./detect.ts";

/**
 * An upstream no status source covers, named by the failing events themselves. A team
 * configures status pages for some of its vendors only (some have none), and prode knows
 * no vendor by name; an SRE still recognises a third party failing from the errors alone:
 * the failing events are concentrated on one external host (a tag naming the remote end
 * of the call, or the host in their message), and they carry that upstream's own fault
 * code saying it fails on its side (unavailable, timed out, overloaded, internal), not
 * that our request was wrong. Hosts of our own network and of our cloud provider are
 * dependencies of ours, never such a vendor (the provider's page is a cloud source).
 * Pure: the specialist reads the events, the issue-wide spread and the control.
 */

/**
 * The host must be on at least this share of the failing events: four in five leaves
 * room for an unrelated event sampled beside them, while a failure spread over several
 * hosts (our egress, our proxy) stays below it.
 */
export const CONCENTRATION_SHARE = 0.8;
/** One failing event is an anecdote, not a concentration. */
export const MIN_FAILING_EVENTS = 2;
/**
 * At least half of the host's failing events must carry an upstream-side fault code: its
 * own statement that it is failing, not one of our request's.
 */
export const UPSTREAM_FAULT_SHARE = 0.5;

/**
 * Tag keys naming the remote end of a call: their last part is host, hostname, domain,
 * address, peer, upstream or remote (`peer.hostname`, `server.address`). Sentry's
 * `server_name` and `url` are our own.
 */
const PEER_TAG = /(?:^|[._-])(?:host|hostname|domain|address|peer|upstream|remote)$/i;
const OWN_TAGS = new Set(["server_name", "url", "transaction"]);
/**
 * Our own network (private zones, cluster DNS) and our cloud provider's endpoints: a
 * dependency of ours, not a vendor.
 */
const NOT_A_VENDOR =
  /(?:^|\.)(?:localhost|local|localdomain|internal|intranet|intra|corp|lan|svc|home\.arpa|amazonaws\.com(?:\.cn)?)$/i;
/** Tag keys carrying a fault or error code (`x.fault`, `error_code`, `reason_code`). */
const FAULT_TAG = /(?:^|[._-])(?:fault|fault[_-]?code|(?:error|err|reason|result)[_-]?code|code)$/i;
/** A symbolic code as a whole tag value: `SERVICE_UNAVAILABLE`, `TIMEOUT`; not a number. */
const SYMBOLIC = /^[A-Z][A-Z0-9]*(?:[_.-][A-Z0-9]+)*$/;
/** In a message only a code with a separator counts (`XYZ_UNAVAILABLE`), not `POST` or `QQ`. */
const CODE_IN_TEXT = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g;
/** Our own socket's errno names: our side of the call failed, not the upstream's answer. */
const ERRNO = /^E(?:CONN\w*|TIMEDOUT|NOTFOUND|AI_\w+|PIPE|HOSTUNREACH|NETUNREACH|ADDR\w*|PROTO)$/;
/** A fault saying the upstream fails on its side, as opposed to rejecting our request. */
const UPSTREAM_SIDE =
  /UNAVAILABLE|TIME_?OUT|TIMED_?OUT|BUSY|OVERLOAD|MAX_?CONCURRENT|CAPACITY|INTERNAL|SERVER_?ERROR|SERVICE_?ERROR|MAINTENANCE|TRY_?AGAIN|(?:^|_)DOWN(?:_|$)/i;

export interface UnlistedUpstream {
  host: string;
  /** The tag naming the host on the events, when one does (its issue-wide spread can be read). */
  tag?: string;
  /** Failing events naming the host, of `read`. */
  events: number;
  read: number;
  /** The upstream-side fault codes on those events, most frequent first. */
  faults: string[];
}

/** Whether a host can be a third party: not our network's, not our cloud provider's. */
export function isExternalHost(host: string): boolean {
  return host.includes(".") && !NOT_A_VENDOR.test(host);
}

/** The remote hosts an event names: its peer tags' values and the hosts in its message. */
function peerHosts(event: SentryEventSummary): { host: string; tag?: string }[] {
  const found: { host: string; tag?: string }[] = [];
  for (const t of event.tags) {
    if (OWN_TAGS.has(t.key.toLowerCase()) || !PEER_TAG.test(t.key)) continue;
    const host = hostsIn(t.value)[0];
    const bare = t.value.toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, "");
    if (host && bare.startsWith(host)) found.push({ host, tag: t.key });
  }
  for (const host of messageHosts(event.exception?.value ?? "")) found.push({ host });
  return found;
}

/**
 * A message's hosts in the forms that name a remote end: a URL's authority
 * (`scheme://host/…`) or `host:port`. A bare dotted word is as often a file
 * (`<name>.js`, `<name>.yaml`) or a class path as a host, so it does not count; nor does
 * a stack frame's `<path>/<file>:<line>:<column>` (a path before it, a column after).
 */
const MESSAGE_HOST =
  /\b[a-z][a-z0-9+.-]*:\/\/(?:[^\s/@]*@)?([a-z0-9.-]+)|(?<![\w./-])([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?):\d{1,5}\b(?!:\d)/gi;

function messageHosts(text: string): string[] {
  const named = [...text.matchAll(MESSAGE_HOST)].map((m) => m[1] ?? m[2] ?? "");
  return [...new Set(named.flatMap((n) => hostsIn(n).filter((h) => h === n.toLowerCase())))];
}

/** The fault codes an event carries: its fault tags' symbolic values, else its message's codes. */
export function faultCodes(event: SentryEventSummary): string[] {
  const tagged = event.tags
    .filter((t) => FAULT_TAG.test(t.key) && SYMBOLIC.test(t.value) && t.value.length >= 3)
    .map((t) => t.value);
  const codes =
    tagged.length > 0
      ? tagged
      : [...(event.exception?.value ?? "").matchAll(CODE_IN_TEXT)].map((m) => m[0]);
  return [...new Set(codes)].filter((c) => !ERRNO.test(c));
}

/** Whether a fault code says the upstream is failing on its side. */
export const isUpstreamSideFault = (code: string): boolean => UPSTREAM_SIDE.test(code);

/**
 * The one external host, outside `covered` (the configured vendors'), on which the
 * failing events concentrate while carrying its upstream-side fault codes; undefined when
 * there is none, or two hosts are equally concentrated (ambiguous).
 */
export function unlistedUpstream(
  events: readonly SentryEventSummary[],
  covered: (host: string) => boolean,
): UnlistedUpstream | undefined {
  if (events.length < MIN_FAILING_EVENTS) return undefined;
  const byHost = new Map<string, { events: SentryEventSummary[]; tag?: string }>();
  for (const event of events) {
    const seen = new Set<string>();
    for (const { host, tag } of peerHosts(event)) {
      if (!isExternalHost(host) || covered(host) || seen.has(host)) continue;
      seen.add(host);
      const entry = byHost.get(host) ?? { events: [] };
      entry.events.push(event);
      entry.tag ??= tag;
      byHost.set(host, entry);
    }
  }
  const ranked = [...byHost].sort((a, b) => b[1].events.length - a[1].events.length);
  const [top, second] = ranked;
  if (!top || (second && second[1].events.length === top[1].events.length)) return undefined;
  const [host, { events: named, tag }] = top;
  if (named.length < MIN_FAILING_EVENTS || named.length / events.length < CONCENTRATION_SHARE) {
    return undefined;
  }
  const counts = new Map<string, number>();
  let upstreamSide = 0;
  for (const event of named) {
    const own = faultCodes(event).filter(isUpstreamSideFault);
    if (own.length > 0) upstreamSide += 1;
    for (const code of own) counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  if (upstreamSide / named.length < UPSTREAM_FAULT_SHARE) return undefined;
  const faults = [...counts].sort((a, b) => b[1] - a[1]).map(([code]) => code);
  return { host, ...(tag ? { tag } : {}), events: named.length, read: events.length, faults };
}
