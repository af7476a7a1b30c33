import type { MetricAlarm } from "../tools.ts";
import { seriesSpecFor } from "./measures.ts";
import { resourceOf } from "./resources.ts";
import { namesService, type ServiceCatalog } from "./targets.ts";

/**
 * How far a symptom spreads across services, from the account's alarms in ALARM: alarms
 * on a symptom measure (5xx, unhealthy hosts, function errors) that went into ALARM at
 * the same onset (within {@link SAME_ONSET_MINUTES}) on resources of different services.
 * A service is the catalog's entry that names or declares the resource, else the
 * resource's own name without its environment or kind suffix. Pure: no reads.
 */

/** Alarms that went into ALARM this close together count as one onset. */
export const SAME_ONSET_MINUTES = 5;
const MINUTE = 60_000;

/** Measures that are the symptom itself: errors and unhealthy hosts. */
const SPREAD_MEASURES = new Set(["errors_5xx", "unhealthy_hosts", "error_events"]);

/** Trailing name tokens that say where or what a resource is, not whose. */
const SUFFIXES = new Set([
  "prod",
  "production",
  "prd",
  "staging",
  "stage",
  "stg",
  "dev",
  "live",
  "alb",
  "elb",
  "nlb",
  "lb",
  "tg",
  "targets",
  "fn",
  "func",
  "function",
  "lambda",
  "svc",
  "service",
  "primary",
  "main",
  "public",
  "internal",
  "ext",
]);

/** The name part of a resource id: a load balancer's `app/<name>/<hash>` gives `<name>`. */
export function resourceName(id: string): string {
  const parts = id.split("/");
  if (parts.length === 3 && /^(app|net|gwy)$/.test(parts[0]!)) return parts[1]!;
  return parts[parts.length - 1]!;
}

/** The service a resource name stands for: the name without environment/kind suffixes. */
export function serviceStem(name: string): string {
  const tokens = name.toLowerCase().split(/[-_.]/).filter(Boolean);
  while (tokens.length > 1 && (SUFFIXES.has(tokens.at(-1)!) || /^\d+$/.test(tokens.at(-1)!))) {
    tokens.pop();
  }
  return tokens.join("-");
}

function declaredValues(targets: ServiceCatalog[string]): string[] {
  return JSON.stringify(targets ?? {})
    .match(/"[^"]*"/g)!
    .map((s) => s.slice(1, -1));
}

/** The service a resource belongs to: the catalog's, else its name's stem. */
export function serviceOfResource(
  id: string,
  dims: Record<string, string>,
  catalog: ServiceCatalog,
): string {
  const values = [id, ...Object.values(dims)];
  for (const [service, targets] of Object.entries(catalog)) {
    const declared = declaredValues(targets);
    if (values.some((v) => namesService(v, service) || declared.includes(v))) return service;
  }
  return serviceStem(resourceName(id));
}

export interface Spread {
  services: string[];
  /** The alarms that went into ALARM at the shared onset. */
  alarms: string[];
  onset: string;
  /** Whether one of the alarms is the ticket's own or on a resource of ours. */
  holdsOurs: boolean;
}

/**
 * The services whose symptom alarms went into ALARM at one onset: the densest cluster
 * of symptom alarms within {@link SAME_ONSET_MINUTES} of each other, preferring one that
 * holds an alarm of ours. Undefined when no symptom alarm is in ALARM.
 */
export function spreadOf(
  alarms: readonly MetricAlarm[],
  catalog: ServiceCatalog,
  ours: ReadonlySet<string> = new Set(),
): Spread | undefined {
  const symptoms = alarms
    .filter((a) => a.state === "ALARM" && Number.isFinite(Date.parse(a.stateUpdatedAt)))
    .flatMap((a) => {
      const found = seriesSpecFor(a.namespace, a.metricName);
      if (!found || !SPREAD_MEASURES.has(found.spec.measure)) return [];
      const r = resourceOf(found.kind, a.dimensions, "alarm");
      if (!r) return [];
      return [{ alarm: a, at: Date.parse(a.stateUpdatedAt), resource: r }];
    })
    .sort((x, y) => x.at - y.at);
  if (symptoms.length === 0) return undefined;
  let best: typeof symptoms = [];
  let bestOurs = false;
  for (const first of symptoms) {
    const cluster = symptoms.filter(
      (s) => s.at >= first.at && s.at - first.at <= SAME_ONSET_MINUTES * MINUTE,
    );
    const hasOurs = cluster.some((s) => ours.has(s.alarm.name));
    if ((hasOurs && !bestOurs) || (hasOurs === bestOurs && cluster.length > best.length)) {
      best = cluster;
      bestOurs = hasOurs;
    }
  }
  const services = [
    ...new Set(best.map((s) => serviceOfResource(s.resource.id, s.resource.dims, catalog))),
  ].sort();
  return {
    services,
    alarms: best.map((s) => s.alarm.name),
    onset: best[0]!.alarm.stateUpdatedAt,
    holdsOurs: bestOurs,
  };
}

/**
 * The services an impact spans: ours (when known) and those of a spread at our onset —
 * the spread holds one of our alarms, our service is unknown, or our symptom rose within
 * {@link SAME_ONSET_MINUTES} (plus its uncertainty) of the spread's onset.
 */
export function servicesHit(
  service: string | undefined,
  spread: Spread | undefined,
  ourOnset?: { at: string; uncertaintyMinutes: number },
): string[] {
  const own = service ? [service] : [];
  if (!spread) return own;
  const near =
    ourOnset !== undefined &&
    Math.abs(Date.parse(ourOnset.at) - Date.parse(spread.onset)) <=
      (SAME_ONSET_MINUTES + ourOnset.uncertaintyMinutes) * MINUTE;
  if (!(spread.holdsOurs || !service || near)) return own;
  return [...new Set([...own, ...spread.services])];
}
