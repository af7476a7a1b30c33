import { ticketText, ticketTexts } from "../shared/ticket-text.ts";
import type { SentryEventSummary, VendorSource } from "../tools.ts";
import type { TicketContext } from "../types.ts";

/**
 * Which configured vendor the ticket and its errors implicate. prode knows no vendor by
 * name: each status source configured (PRODE_VENDOR_STATUS, PRODE_VENDOR_MATCH) brings its
 * name and, optionally, its hosts, exception-type and request-id patterns. Without
 * patterns a vendor is recognised by its own name: as a host label (`api.<name>.com`),
 * an exception-type prefix (`<Name>Error`), its SDK package in a stack frame
 * (`node_modules/<name>/`), or a tag key namespace (`<name>.request_id`).
 */

const MAX_VENDORS = 3;

export interface VendorMatcher {
  vendor: string;
  /** Whether a host (lower case) is the vendor's. */
  host(host: string): boolean;
  /** Whether an exception type is the vendor's. */
  errorType(type: string): boolean;
  /** Whether a stack frame's file is the vendor's SDK. */
  frame(filename: string): boolean;
  /** Whether a tag key is in the vendor's namespace. */
  tagKey(key: string): boolean;
  /** The vendor's request/event ids found in a text. */
  requestIds(text: string): string[];
  /** Whether a text names the vendor (outside URLs). */
  named(text: string): boolean;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function compile(sources: readonly string[]): RegExp[] {
  return sources.flatMap((s) => {
    try {
      return [new RegExp(s, "i")];
    } catch {
      return [];
    }
  });
}

export function matcherFor(source: VendorSource): VendorMatcher {
  const name = source.vendor.toLowerCase();
  // A name like "acme-pay" is also written "acmepay" in hosts and packages.
  const forms = [...new Set([name, name.replace(/-/g, "")])].map(escapeRegExp);
  const label = new RegExp(`(^|\\.)(${forms.join("|")})(\\.|-|$)`);
  const hosts = source.hosts.map((h) => h.toLowerCase().replace(/^\*?\./, ""));
  const types = compile(source.errorTypes);
  const typeByName = new RegExp(`^(?:[\\w$]+\\.)*(${forms.join("|")})`, "i");
  const alt = forms.join("|");
  // Its SDK's package: npm (`node_modules/<name>/`, `@<name>/…`), pip, gems.
  const frameByName = new RegExp(
    `(?:node_modules/(?:@(?:${alt})/|(?:${alt})[/-])|site-packages/(?:${alt})[/_.-]|/gems/(?:${alt})-)`,
    "i",
  );
  const tagByName = new RegExp(`^(${forms.join("|")})[._-]`, "i");
  const ids = compile(source.requestIds).map((r) => new RegExp(r.source, "gi"));
  const word = new RegExp(`(?<![\\w.-])(${forms.join("|")})(?![\\w-])`, "i");
  return {
    vendor: source.vendor,
    host: (host) =>
      hosts.length > 0 ? hosts.some((h) => host === h || host.endsWith(`.${h}`)) : label.test(host),
    errorType: (type) =>
      types.length > 0 ? types.some((r) => r.test(type)) : typeByName.test(type),
    frame: (filename) => frameByName.test(filename),
    tagKey: (key) => tagByName.test(key),
    requestIds: (text) => ids.flatMap((r) => [...text.matchAll(r)].map((m) => m[1] ?? m[0])),
    named: (text) => word.test(text.replace(/\bhttps?:\/\/\S+/g, " ")),
  };
}

const HOST = /\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})\b/gi;

/** Host names in a text (URLs, "connect ETIMEDOUT api.x.com:443", log lines). */
export function hostsIn(text: string): string[] {
  return [...new Set([...text.matchAll(HOST)].map((m) => m[1]!.toLowerCase()))].filter(
    (h) => !/^\d+(\.\d+)+$/.test(h),
  );
}

export interface Implication {
  vendor: string;
  /** Why, for the finding: "3 Sentry events: exception type …, SDK frames". */
  reasons: string[];
  /** Failing requests (events or log lines) that carry the vendor's marks. */
  correlated: number;
  /** The vendor's request/event ids seen. */
  ids: string[];
  /** Named by the ticket's label or title: the team already suspects it. */
  strong: boolean;
}

function add(
  found: Map<string, Implication>,
  vendor: string,
  reason: string,
  extra: Partial<Pick<Implication, "correlated" | "ids" | "strong">> = {},
): void {
  const entry = found.get(vendor) ?? { vendor, reasons: [], correlated: 0, ids: [], strong: false };
  if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
  entry.correlated += extra.correlated ?? 0;
  for (const id of extra.ids ?? []) if (!entry.ids.includes(id)) entry.ids.push(id);
  entry.strong ||= extra.strong ?? false;
  found.set(vendor, entry);
}

/** What the ticket says: a `vendor:<name>` or bare-name label, the name, hosts, ids. */
export function implicatedByTicket(
  ticket: TicketContext,
  matchers: readonly VendorMatcher[],
  found: Map<string, Implication> = new Map(),
): Map<string, Implication> {
  const labels = ticket.snapshot.labels.map((l) => l.toLowerCase());
  const text = ticketText(ticket);
  const title = ticketTexts(ticket).find((t) => t.where === "title")?.text ?? "";
  const hosts = hostsIn(text);
  for (const m of matchers) {
    const v = m.vendor.toLowerCase();
    if (labels.includes(`vendor:${v}`) || labels.includes(v)) {
      add(found, m.vendor, "the ticket's label", { strong: true });
    }
    if (m.named(title)) add(found, m.vendor, "the ticket's title", { strong: true });
    else if (m.named(text)) add(found, m.vendor, "the ticket's text");
    const host = hosts.find((h) => m.host(h));
    if (host) add(found, m.vendor, `host ${host} in the ticket`);
    const ids = m.requestIds(text);
    if (ids.length > 0) add(found, m.vendor, "its request ids in the ticket", { ids });
  }
  return found;
}

/** What the errors say: exception types, SDK frames, hosts, tag namespaces, request ids. */
export function implicatedByEvents(
  events: readonly SentryEventSummary[],
  matchers: readonly VendorMatcher[],
  found: Map<string, Implication> = new Map(),
): Map<string, Implication> {
  for (const m of matchers) {
    let correlated = 0;
    const reasons = new Set<string>();
    const ids: string[] = [];
    for (const event of events) {
      const marks: string[] = [];
      const type = event.exception?.type ?? "";
      if (type && m.errorType(type)) marks.push(`exception type ${type}`);
      const frame = event.exception?.frames.find((f) => m.frame(f.filename));
      if (frame) marks.push("its SDK in the stack trace");
      const texts = [event.exception?.value ?? "", ...event.tags.map((t) => t.value)].join("\n");
      const host = hostsIn(texts).find((h) => m.host(h));
      if (host) marks.push(`host ${host}`);
      const tag = event.tags.find((t) => m.tagKey(t.key));
      if (tag) marks.push(`tag ${tag.key}`);
      const own = m.requestIds(texts);
      if (own.length > 0) marks.push("its request ids");
      if (marks.length === 0) continue;
      correlated += 1;
      for (const mark of marks) reasons.add(mark);
      // A value tagged in the vendor's namespace is the vendor's id for the failed request.
      if (tag && /id$/i.test(tag.key)) ids.push(tag.value);
      ids.push(...own);
    }
    if (correlated > 0) {
      add(found, m.vendor, `${correlated} Sentry event(s): ${[...reasons].join(", ")}`, {
        correlated,
        ids,
      });
    }
  }
  return found;
}

/** What the service's error log lines say: hosts, request ids and the vendor's name. */
export function implicatedByLogLines(
  lines: readonly string[],
  matchers: readonly VendorMatcher[],
  found: Map<string, Implication> = new Map(),
): Map<string, Implication> {
  for (const m of matchers) {
    let correlated = 0;
    const reasons = new Set<string>();
    const ids: string[] = [];
    for (const line of lines) {
      const marks: string[] = [];
      const host = hostsIn(line).find((h) => m.host(h));
      if (host) marks.push(`host ${host}`);
      const own = m.requestIds(line);
      if (own.length > 0) marks.push("its request ids");
      if (m.named(line)) marks.push("its name");
      if (marks.length === 0) continue;
      correlated += 1;
      for (const mark of marks) reasons.add(mark);
      ids.push(...own);
    }
    if (correlated > 0) {
      add(found, m.vendor, `${correlated} error log line(s): ${[...reasons].join(", ")}`, {
        correlated,
        ids,
      });
    }
  }
  return found;
}

/** The implicated vendors, strongest first, at most three. */
export function ranked(found: Map<string, Implication>): Implication[] {
  return [...found.values()]
    .sort(
      (a, b) =>
        Number(b.strong) - Number(a.strong) ||
        b.correlated - a.correlated ||
        b.reasons.length - a.reasons.length,
    )
    .slice(0, MAX_VENDORS);
}

/** The ticket carries the `vendor` label: the team already suspects a third party. */
export function hasVendorLabel(ticket: TicketContext): boolean {
  return ticket.snapshot.labels.some((l) => /^vendor(:|$)/i.test(l));
}

/**
 * Correlation ids a ticket labels as a vendor's (webhook event ids, correlation or
 * x-request ids). App request ids of our own logs are not taken.
 */
const LABELLED_ID =
  /\b(?:correlation|webhook(?: event)?|vendor request|x-request)[ _-]?ids?\s*[:=#]?\s*([A-Za-z0-9][A-Za-z0-9_-]{7,127})/gi;

export function labelledCorrelationIds(ticket: TicketContext): string[] {
  return [...new Set([...ticketText(ticket).matchAll(LABELLED_ID)].map((m) => m[1]!))].slice(0, 20);
}

// --- cloud providers -------------------------------------------------------------------

const REGION = /\b([a-z]{2}(?:-gov)?-[a-z]+-\d)\b/g;
const ZONE = /\b([a-z]{2}(?:-gov)?-[a-z]+-\d[a-z])\b|\b([a-z]{3,4}\d-az\d)\b/g;

/** Regions and zones a provider's incident names (in its title or components). */
export function locationsIn(texts: readonly string[]): { regions: string[]; zones: string[] } {
  const text = texts.join("\n").toLowerCase();
  const zones = [...new Set([...text.matchAll(ZONE)].map((m) => (m[1] ?? m[2])!))];
  const regions = [
    ...new Set([
      ...[...text.matchAll(REGION)].map((m) => m[1]!),
      ...zones.filter((z) => /[a-z]$/.test(z) && !z.includes("-az")).map((z) => z.slice(0, -1)),
    ]),
  ];
  return { regions, zones };
}

/**
 * Whether a provider incident's location overlaps ours: its regions include our region,
 * and, when both it and we name zones, a zone is shared. An incident naming no region
 * cannot be placed, so it does not overlap.
 */
export function overlapsUs(
  incident: { regions: string[]; zones: string[] },
  ours: { region?: string; zones: readonly string[] },
): boolean {
  if (!ours.region || !incident.regions.includes(ours.region)) return false;
  const theirZones = incident.zones.filter((z) => z.startsWith(ours.region!));
  if (theirZones.length === 0 || ours.zones.length === 0) return true;
  return theirZones.some((z) => ours.zones.includes(z));
}
