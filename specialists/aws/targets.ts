import { quotedAlarmNamesIn } from "../../src/domain/alarm-notification.ts";
import { hintTextsFor, ticketTexts } from "../shared/ticket-text.ts";
import type { AwsResources, RoutingHints, TicketContext } from "../types.ts";

/**
 * Which AWS resources the ticket and the service's declarations name. They come, in
 * this order, from:
 * 1. the ticket itself — alarm text (`QueueName = …`, the alarm threshold), SQS queue
 *    URLs, ALB and ECS ARNs, `Dimension = value` pairs and log group names in the
 *    description, comments, attachments and linked AWS refs (identifiers, not prose);
 * 2. the service catalog: `ticket.awsResources` (policy/services/<service>.yaml), else
 *    the catalog handed to {@link createAwsSpecialist};
 * 3. wiki recipes and negative controls addressed to the aws specialist, parsed the same
 *    way, but only for resources that belong to the ticket's service (their name names
 *    the service, or the ticket or catalog names them): a recipe's example values for
 *    another service never become targets. Routing only: values are re-observed.
 * What CloudWatch itself says exists for the service (ListMetrics) is added at run time
 * (resources.ts), and the log group `/ecs/<service>` is read by convention only when
 * the log groups cannot be listed.
 */

export type QueueTarget = NonNullable<AwsResources["queues"]>[number];

/** What a deployment knows about one service's AWS resources. */
export type ServiceTargets = AwsResources;

export type ServiceCatalog = Record<string, ServiceTargets>;

export interface ResolvedTargets {
  service?: string;
  loadBalancer?: string;
  targetGroups: string[];
  ecs?: { cluster: string; service: string };
  queues: QueueTarget[];
  databases: { identifier: string; maxConnections?: number }[];
  caches: string[];
  functions: string[];
  logGroups: string[];
  eventLogGroups: string[];
  /** `/ecs/<service>`: read when the account's log groups cannot be listed. */
  conventionalLogGroup?: string;
  /** The ticket is about HTTP failures, so a missing 5xx check is a real gap. */
  httpSymptom: boolean;
  /** Alarm names the ticket's own text quotes (a CloudWatch alarm e-mail). */
  alarms: string[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Whether a resource name or dimension value names the service: the service's name
 * appears in it between non-alphanumeric boundaries (`app/<svc>-prod/…` names
 * `<svc>`; `<svc>s` does not). Names shorter than three characters must match
 * whole, so a two-letter service does not claim every resource.
 */
export function namesService(value: string, service: string | undefined): boolean {
  if (!service) return false;
  if (service.length < 3) return value === service;
  return new RegExp(`(?<![A-Za-z0-9])${escapeRegExp(service)}(?![A-Za-z0-9])`, "i").test(value);
}

interface Parsed {
  queues: QueueTarget[];
  loadBalancers: string[];
  clusters: string[];
  ecsServices: { cluster?: string; service: string }[];
  logGroups: string[];
  caches: string[];
  databases: string[];
  functions: string[];
}

const NAME = "[A-Za-z0-9_-]{1,255}";
const QUEUE_NAME = /\bQueueName\s*[=:]\s*([A-Za-z0-9_-]{1,80}(?:\.fifo)?)/g;
const QUEUE_URL =
  /\bhttps:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com\/\d{12}\/([A-Za-z0-9_-]{1,80}(?:\.fifo)?)/g;
const QUEUE_ARN = /\barn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,80}(?:\.fifo)?)/g;
const LOAD_BALANCER = /\bLoadBalancer\s*[=:]\s*(app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{6,32})/g;
const ALB_ARN = /:loadbalancer\/(app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{6,32})/g;
const CLUSTER = new RegExp(`\\bClusterName\\s*[=:]\\s*(${NAME})`, "g");
const ECS_SERVICE = new RegExp(`\\bServiceName\\s*[=:]\\s*(${NAME})`, "g");
const ECS_SERVICE_ARN = new RegExp(`:service/(${NAME})/(${NAME})`, "g");
/** Alarm e-mails and runbooks name these dimensions as `Dimension = value`. */
const CACHE_CLUSTER = new RegExp(`\\bCacheClusterId\\s*[=:]\\s*(${NAME})`, "g");
const DB_INSTANCE = new RegExp(`\\bDBInstanceIdentifier\\s*[=:]\\s*(${NAME})`, "g");
const FUNCTION_NAME = new RegExp(`\\bFunctionName\\s*[=:]\\s*(${NAME})`, "g");
/** Log groups prode's deployments use; a URL path (`https://host/aws/…`) is not one. */
const LOG_GROUP =
  /(?<![\w.:/-])(\/(?:ecs|aws|lambda|app|apps|services?)\/[A-Za-z0-9_./#-]*[A-Za-z0-9_#-])/g;
/** EventBridge ECS events and scaling activity: read for capacity, not for app errors. */
const EVENT_LOG_GROUP = /^\/aws\/(?:events|autoscaling|application-autoscaling)\//;
/** CloudWatch alarm e-mails: "… were greater than the threshold (900.0) …". */
const ALARM_THRESHOLD = /\bthreshold\s*\((\d+(?:\.\d+)?)\)/i;
/** Recipes: "threshold: 300s" / "threshold = 300". */
const STATED_THRESHOLD = /\bthreshold\s*[=:]\s*(\d+(?:\.\d+)?)\s*s?\b/i;
const AGE_METRIC = /ApproximateAgeOfOldestMessage|\bage of (?:the )?oldest message/i;
const OTHER_SQS_METRIC = /ApproximateNumberOf\w+|NumberOfMessages\w+/;

/** HTTP failure words; not bare numbers (alarm datapoints) nor URLs (runbook links). */
const HTTP_SYMPTOM =
  /\b5xx\b|\b50[0-4]\b(?![.:]\d)|\bHTTP [45]\d\d\b|\bendpoint\b|\babort(?:ed|s)?\b|\berror rate\b|\b(?:GET|POST|PUT|PATCH|DELETE) \/\w/i;

const matches = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m[1]!);

/** The alarm threshold in seconds, when the text is about queue age. */
function ageThreshold(text: string): number | undefined {
  if (!AGE_METRIC.test(text) && OTHER_SQS_METRIC.test(text)) return undefined;
  const found = ALARM_THRESHOLD.exec(text) ?? STATED_THRESHOLD.exec(text);
  const value = found ? Number(found[1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Every AWS resource one text names (exported for unit tests). */
export function parseAwsMentions(text: string): Parsed {
  const threshold = ageThreshold(text);
  const queueNames = [
    ...matches(text, QUEUE_NAME),
    ...matches(text, QUEUE_URL),
    ...matches(text, QUEUE_ARN),
  ];
  const clusters = matches(text, CLUSTER);
  const arnServices = [...text.matchAll(ECS_SERVICE_ARN)].map((m) => ({
    cluster: m[1]!,
    service: m[2]!,
  }));
  const cluster = clusters[0];
  return {
    queues: [...new Set(queueNames)].map((name) =>
      threshold === undefined ? { name } : { name, thresholdSeconds: threshold },
    ),
    loadBalancers: [...new Set([...matches(text, LOAD_BALANCER), ...matches(text, ALB_ARN)])],
    clusters: [...new Set([...clusters, ...arnServices.map((s) => s.cluster)])],
    ecsServices: [
      ...arnServices,
      ...matches(text, ECS_SERVICE).map((service) =>
        cluster === undefined ? { service } : { cluster, service },
      ),
    ],
    logGroups: [...new Set(matches(text, LOG_GROUP))],
    caches: [...new Set(matches(text, CACHE_CLUSTER))],
    databases: [...new Set(matches(text, DB_INSTANCE))],
    functions: [...new Set(matches(text, FUNCTION_NAME))],
  };
}

/**
 * The ticket's own texts, in the order a human reads them, each attachment with its URL
 * (an SQS queue URL names the queue), then the linked AWS refs.
 */
function awsTicketTexts(ticket: TicketContext): string[] {
  return [
    ...ticketTexts(ticket)
      .filter((t) => t.where !== "attachment")
      .map((t) => t.text),
    ...ticket.attachments.map((a) => `${a.title} ${a.url}`),
    ...ticket.snapshot.linked.awsRefs,
  ];
}

/**
 * The service the ticket is about: the router's answer, else a catalog name the ticket's
 * `text` or labels mention.
 */
function ticketService(
  ticket: TicketContext,
  catalog: ServiceCatalog,
  text: string,
): string | undefined {
  if (ticket.service) return ticket.service;
  const labels = new Set(ticket.snapshot.labels.map((l) => l.replace(/^service:/, "")));
  return Object.keys(catalog).find(
    (name) =>
      labels.has(name) ||
      new RegExp(`(?<![\\w-])${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`).test(text),
  );
}

const unique = <T>(items: T[]) => [...new Set(items)];

/**
 * A recipe's mentions, less the resources of other services: kept only when the name
 * names the service or the ticket or the catalog names the same resource.
 */
function ownOnly(
  parsed: Parsed,
  service: string | undefined,
  ticket: Parsed[],
  known: ServiceTargets | undefined,
): Parsed {
  const ticketNames = new Set([
    ...ticket.flatMap((p) => p.queues.map((q) => q.name)),
    ...ticket.flatMap((p) => p.loadBalancers),
    ...ticket.flatMap((p) => p.clusters),
    ...ticket.flatMap((p) => p.ecsServices.map((e) => e.service)),
    ...ticket.flatMap((p) => p.logGroups),
    ...(known?.queues ?? []).map((q) => q.name),
    ...(known?.loadBalancer ? [known.loadBalancer] : []),
    ...(known?.cluster ? [known.cluster] : []),
    ...(known?.logGroups ?? []),
    ...(known?.eventLogGroups ?? []),
  ]);
  const ours = (name: string) => ticketNames.has(name) || namesService(name, service);
  return {
    queues: parsed.queues.filter((q) => ours(q.name)),
    loadBalancers: parsed.loadBalancers.filter(ours),
    clusters: parsed.clusters.filter(ours),
    ecsServices: parsed.ecsServices.filter((e) => ours(e.service)),
    logGroups: parsed.logGroups.filter(ours),
    caches: parsed.caches.filter(ours),
    databases: parsed.databases.filter(ours),
    functions: parsed.functions.filter(ours),
  };
}

export function resolveTargets(
  ticket: TicketContext,
  hints: RoutingHints,
  catalog: ServiceCatalog,
): ResolvedTargets {
  const texts = awsTicketTexts(ticket);
  const text = texts.join("\n");
  const fromTicket = texts.map(parseAwsMentions);
  const service = ticketService(ticket, catalog, text);
  const known = ticket.awsResources ?? (service ? catalog[service] : undefined);
  const fromHints = hintTextsFor(hints, "aws").map((h) =>
    ownOnly(parseAwsMentions(h.text), service, [...fromTicket], known),
  );
  const parsed = [...fromTicket, ...fromHints];

  const queues = new Map<string, QueueTarget>();
  for (const q of [...parsed.flatMap((p) => p.queues), ...(known?.queues ?? [])]) {
    const seen = queues.get(q.name);
    // The first stated threshold wins: the ticket's alarm, then recipes, then the catalog.
    if (!seen) queues.set(q.name, { ...q });
    else {
      if (seen.thresholdSeconds === undefined && q.thresholdSeconds !== undefined) {
        seen.thresholdSeconds = q.thresholdSeconds;
      }
      if (seen.deadLetterQueue === undefined && q.deadLetterQueue !== undefined) {
        seen.deadLetterQueue = q.deadLetterQueue;
      }
    }
  }

  const loadBalancer = parsed.flatMap((p) => p.loadBalancers)[0] ?? known?.loadBalancer;
  const ecsService =
    parsed.flatMap((p) => p.ecsServices).find((s) => s.service === service) ??
    parsed.flatMap((p) => p.ecsServices)[0];
  const cluster = ecsService?.cluster ?? parsed.flatMap((p) => p.clusters)[0] ?? known?.cluster;
  const ecsName = ecsService?.service ?? known?.ecsService ?? service;

  const named = parsed.flatMap((p) => p.logGroups);
  const logGroups = unique([
    ...named.filter((g) => !EVENT_LOG_GROUP.test(g)),
    ...(known?.logGroups ?? []),
  ]);
  const eventLogGroups = unique([
    ...named.filter((g) => EVENT_LOG_GROUP.test(g)),
    ...(known?.eventLogGroups ?? []),
  ]);

  return {
    ...(service ? { service } : {}),
    ...(loadBalancer ? { loadBalancer } : {}),
    targetGroups: [...(known?.targetGroups ?? [])],
    ...(cluster && ecsName ? { ecs: { cluster, service: ecsName } } : {}),
    queues: [...queues.values()],
    databases: [
      ...parsed
        .flatMap((p) => p.databases)
        .filter((id) => !known?.databases?.some((d) => d.identifier === id))
        .map((identifier) => ({ identifier })),
      ...(known?.databases ?? []),
    ],
    caches: unique([...parsed.flatMap((p) => p.caches), ...(known?.caches ?? [])]),
    functions: unique([...parsed.flatMap((p) => p.functions), ...(known?.functions ?? [])]),
    ...(service ? { conventionalLogGroup: `/ecs/${service}` } : {}),
    // Event log groups named in the ticket are read as events, not application logs.
    logGroups: logGroups.filter((g) => !eventLogGroups.includes(g)).slice(0, 3),
    eventLogGroups: eventLogGroups.slice(0, 3),
    httpSymptom: HTTP_SYMPTOM.test(text),
    alarms: unique(fromTicket.length ? quotedAlarmNamesIn(text) : []),
  };
}
