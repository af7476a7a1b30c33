import type { SentryEventSummary } from "../tools.ts";

/**
 * Where a failing request came from — real users, synthetic monitoring, bots and
 * scanners, load-balancer / orchestrator health checks, or our own services — read from
 * the event's User-Agent and tags. Pure; no I/O.
 *
 * The table below is the only place the markers live. They are general knowledge of
 * client families, not of any one incident: the User-Agent products that well-known
 * monitoring, crawler, scanner and health-check agents announce themselves with, and
 * the generic words ("bot", "crawler", "spider", "synthetic", "health") that such
 * agents conventionally carry. First match wins, in table order: a health checker or a
 * synthetic monitor is checked before the generic bot words, since some of them
 * (e.g. "UptimeRobot") contain "bot".
 */
export type TrafficOrigin = "users" | "synthetic" | "bots" | "health_checks" | "internal";

interface OriginMarkers {
  origin: Exclude<TrafficOrigin, "users">;
  /** Matched against the User-Agent (case-insensitive). */
  userAgent: RegExp;
  /** Tag keys whose presence with a truthy value marks the origin. */
  flagTags: string[];
}

export const ORIGIN_MARKERS: readonly OriginMarkers[] = [
  {
    // Load balancers, orchestrators and probes that poll a health endpoint.
    origin: "health_checks",
    userAgent:
      /ELB-HealthChecker|GoogleHC|kube-probe|Consul Health|HAProxy|Envoy\/HC|Traefik.*health|health[-_ ]?check|Azure Traffic Manager|AlwaysOn/i,
    flagTags: ["health_check", "healthcheck"],
  },
  {
    // Synthetic monitoring: uptime checkers, browser/API synthetics, RUM-less test runners.
    origin: "synthetic",
    userAgent:
      /Synthetics?\b|synthetic|Pingdom|UptimeRobot|StatusCake|Site24x7|Checkly|Catchpoint|ThousandEyes|Uptime(-| )?Kuma|Better ?Uptime|Better Stack|Runscope|Ghost Inspector|Dynatrace.*Synthetic|NewRelicSynthetics|Datadog.*Synthetic|Freshping|Uptrends|Montastic|HetrixTools|Cloudprober|blackbox[-_ ]exporter|GTmetrix|Lighthouse|PageSpeed/i,
    flagTags: ["synthetic", "synthetics", "is_synthetic", "synthetic_test", "monitor"],
  },
  {
    // Crawlers, scrapers, vulnerability scanners and headless browsers. Not generic HTTP
    // libraries (curl, python-requests, Go-http-client…): an API's real customers use them.
    origin: "bots",
    userAgent:
      /bot\b|bot\/|crawler|crawl|spider|slurp|scanner|scrapy|Nuclei|sqlmap|Nikto|Nmap|masscan|zgrab|ZmEu|wpscan|Acunetix|Nessus|OpenVAS|Burp|Qualys|dirbuster|gobuster|ffuf|HeadlessChrome|PhantomJS|facebookexternalhit|Applebot|bingpreview|AhrefsBot|SemrushBot|MJ12bot|DotBot|Bytespider|GPTBot|CCBot/i,
    flagTags: ["bot", "is_bot", "crawler"],
  },
  {
    // Our own services calling each other: SDK / service-mesh agents and internal tags.
    origin: "internal",
    userAgent: /^(internal|service)[-/]|\binternal-client\b/i,
    flagTags: ["internal", "internal_request", "service_to_service"],
  },
];

const TRUTHY = /^(1|true|yes)$/i;

/** Tag keys that carry a client classification as their value (e.g. `traffic.type: synthetic`). */
const CLASSIFYING_TAGS = new Set([
  "traffic",
  "traffic.type",
  "traffic_type",
  "traffic.origin",
  "source",
  "client.type",
  "user_agent.family",
  "browser",
  "browser.name",
  "device",
  "device.family",
]);

/** The User-Agent of the event: its request header, else a `user_agent`-like tag. */
function userAgentOf(event: SentryEventSummary): string | undefined {
  if (event.request?.userAgent) return event.request.userAgent;
  return event.tags.find((t) => /^(user[-_.]?agent|http\.user_agent)$/i.test(t.key))?.value;
}

/** The origin of one failing event; `users` when nothing marks it as something else. */
export function originOf(event: SentryEventSummary): TrafficOrigin {
  const ua = userAgentOf(event);
  const tagTexts = event.tags
    .filter((t) => CLASSIFYING_TAGS.has(t.key.toLowerCase()))
    .map((t) => t.value);
  for (const markers of ORIGIN_MARKERS) {
    if (ua && markers.userAgent.test(ua)) return markers.origin;
    if (tagTexts.some((v) => markers.userAgent.test(v))) return markers.origin;
    const flagged = event.tags.some(
      (t) => markers.flagTags.includes(t.key.toLowerCase()) && TRUTHY.test(t.value),
    );
    if (flagged) return markers.origin;
  }
  return "users";
}

export interface OriginShare {
  origin: TrafficOrigin;
  requests: number;
  share: number;
}

/** The event records a request: a method, a path or a User-Agent (a job's event has none). */
function isRequest(event: SentryEventSummary): boolean {
  return Boolean(event.request?.method || event.request?.path || userAgentOf(event));
}

/**
 * Events per origin (deduplicated by event id), largest first. An event that records no
 * request and carries no origin marker (a background job's exception) has no origin to
 * weigh: it is left out rather than counted as a user's request.
 */
export function originShares(events: SentryEventSummary[]): OriginShare[] {
  const seen = new Set<string>();
  const counts = new Map<TrafficOrigin, number>();
  for (const event of events) {
    if (event.eventId && seen.has(event.eventId)) continue;
    if (event.eventId) seen.add(event.eventId);
    const origin = originOf(event);
    if (origin === "users" && !isRequest(event)) continue;
    counts.set(origin, (counts.get(origin) ?? 0) + 1);
  }
  const total = [...counts.values()].reduce((s, n) => s + n, 0);
  if (total === 0) return [];
  return [...counts.entries()]
    .map(([origin, requests]) => ({
      origin,
      requests,
      share: Math.round((requests / total) * 1000) / 1000,
    }))
    .sort((a, b) => b.requests - a.requests);
}
