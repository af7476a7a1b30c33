import { hintTextsFor, ticketText, ticketTexts } from "../shared/ticket-text.ts";
import type { RoutingHints, TicketContext } from "../types.ts";

/**
 * Which vendors a ticket is about, and which vendor correlation ids it carries. A vendor
 * counts when the ticket names it (title, description, comments, attachments), labels it
 * (`vendor:<name>` or the bare name), or a wiki recipe addressed to the vendor specialist
 * names it (routing only: the status page is read again every time).
 */

/** Vendors prode recognises by name; the reader knows which have a status source. */
export const KNOWN_VENDORS = [
  "adyen",
  "auth0",
  "cloudflare",
  "datadog",
  "fastly",
  "github",
  "intercom",
  "mailgun",
  "okta",
  "openai",
  "pagerduty",
  "paypal",
  "plaid",
  "postmark",
  "segment",
  "sendgrid",
  "shopify",
  "slack",
  "stripe",
  "twilio",
  "vercel",
  "zendesk",
] as const;

const MAX_VENDORS = 3;

/** URLs name hosts, not vendors at fault (`…sentry.io/issues`, a GitHub PR link). */
const withoutUrls = (text: string) => text.replace(/\bhttps?:\/\/\S+/g, " ");

export interface VendorMention {
  vendor: string;
  /** Where it was named: "label", "title", "ticket" or "wiki <page>". */
  where: string;
}

export function mentionedVendors(
  ticket: TicketContext,
  hints: RoutingHints,
  known: readonly string[] = KNOWN_VENDORS,
): VendorMention[] {
  const found: VendorMention[] = [];
  const add = (vendor: string, where: string) => {
    if (!found.some((f) => f.vendor === vendor)) found.push({ vendor, where });
  };
  const patterns = known.map((v) => [v, new RegExp(`(?<![\\w.-])${v}(?![\\w-])`, "i")] as const);
  const named = (text: string) => {
    const clean = withoutUrls(text);
    return patterns.filter(([, pattern]) => pattern.test(clean)).map(([v]) => v);
  };
  for (const label of ticket.snapshot.labels) {
    const name = label.toLowerCase().replace(/^vendor:/, "");
    if (known.includes(name) || label.toLowerCase().startsWith("vendor:")) add(name, "label");
  }
  for (const v of named(ticket.snapshot.title)) add(v, "title");
  const beyondTitle = ticketTexts(ticket).filter((t) => t.where !== "title");
  for (const v of named(beyondTitle.map((t) => t.text).join("\n"))) add(v, "ticket");
  for (const hint of hintTextsFor(hints, "vendor")) {
    for (const v of named(hint.text)) add(v, `wiki ${hint.pageId}`);
  }
  return found.slice(0, MAX_VENDORS);
}

/** The ticket carries the `vendor` label: the team already suspects a third party. */
export function hasVendorLabel(ticket: TicketContext): boolean {
  return ticket.snapshot.labels.some((l) => /^vendor(:|$)/i.test(l));
}

/**
 * Correlation ids a vendor can look up: webhook event ids, labelled correlation or
 * request ids of the vendor's API, Cloudflare ray ids. App request ids (`req_…` of our
 * own logs) are the support specialist's; only ones labelled as the vendor's count here.
 */
const CORRELATION_PATTERNS: { vendor?: string; pattern: RegExp }[] = [
  { vendor: "stripe", pattern: /\b(evt_[A-Za-z0-9]{14,})\b/g },
  { vendor: "cloudflare", pattern: /\bcf-ray[:=\s]+([0-9a-f]{16}-[A-Z]{3})\b/gi },
  {
    pattern:
      /\b(?:correlation|webhook(?: event)?|vendor request|x-request)[ _-]?ids?\s*[:=#]?\s*([A-Za-z0-9][A-Za-z0-9_-]{7,127})/gi,
  },
];

export interface VendorCorrelation {
  vendor?: string;
  value: string;
}

export function vendorCorrelationIds(ticket: TicketContext): VendorCorrelation[] {
  const text = ticketText(ticket);
  const found: VendorCorrelation[] = [];
  for (const { vendor, pattern } of CORRELATION_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const value = match[1]!;
      if (found.some((f) => f.value === value)) continue;
      found.push(vendor ? { vendor, value } : { value });
    }
  }
  return found.slice(0, 20);
}
