import type { CloudWatchReader, MetricAlarm } from "../../specialists/tools.ts";
import { alarmNamesSpelledIn } from "../domain/alarm-notification.ts";
import { asAppError } from "../domain/errors.ts";
import type { ResolutionVote, ServiceResolution } from "../domain/service-resolution.ts";
import { type ServiceCatalog, serviceOwning } from "../policy/catalog.ts";

/**
 * Service votes from the CloudWatch alarms a ticket's description quotes (the alarm
 * integration writes the alarm e-mail there; a comment can quote any alarm, so comments
 * are not read for this: ticket.ts), read back from the AWS API (DescribeAlarms): the
 * alarm's dimensions are structured data about what it watches, unlike the ticket's
 * prose around them. Only an alarm that is in ALARM, or went into ALARM shortly before the
 * ticket was filed ({@link ALARM_RECENCY_HOURS}), is about this ticket: an alarm that was
 * quiet all along says what it watches, not what is failing. A dimension value votes for
 * a service when the catalog assigns it that resource, or when it names one known service
 * (catalogued or discovered from the Sentry organization's projects) between
 * non-alphanumeric boundaries (`ServiceName = <svc>`, `app/<svc>-prod/…`). A value that
 * names no service outright (a cache cluster `<word>-prod-0001-001`) may still point at
 * one through its distinctive words ({@link alarmWordVote}), the weakest structured vote,
 * asked only when no other source names a service.
 */

/** One dimension of an alarm the ticket quotes, as DescribeAlarms returned it. */
export interface AlarmDimension {
  alarm: string;
  name: string;
  value: string;
}

/** At most this many quoted alarms are read back (an alarm e-mail quotes one). */
const MAX_ALARMS = 5;
/**
 * An alarm not in ALARM now votes only when it went into ALARM within this many hours
 * before the ticket was created. An alarm integration files its ticket within minutes of
 * the e-mail and a person within their working day; a day is also the span the aws
 * specialist reads an alarm's history over. Older, the alarm's firing belongs to another
 * episode.
 */
export const ALARM_RECENCY_HOURS = 24;
const HOUR = 3_600_000;

/** The quoted alarms, read back: the dimensions that may vote, and what kept the others out. */
export interface AlarmRead {
  /** Dimensions of the alarms in ALARM now, or that went into ALARM before the ticket. */
  dimensions: AlarmDimension[];
  /** Alarms read that may not vote, and why (recorded as resolution gaps, no cost). */
  gaps: ServiceResolution["gaps"];
  /** Set when the alarms could not be read at all (no CloudWatch, DescribeAlarms failed). */
  unread?: string;
}

/** The names the `alarm:<name>` refs carry, at most {@link MAX_ALARMS}. */
export function quotedAlarmNames(awsRefs: readonly string[]): string[] {
  return awsRefs
    .filter((r) => r.startsWith("alarm:"))
    .map((r) => r.slice("alarm:".length))
    .slice(0, MAX_ALARMS);
}

/**
 * Whether an alarm is about a ticket created at `createdAt`: in ALARM now, or a state
 * change into ALARM within {@link ALARM_RECENCY_HOURS} before it (DescribeAlarmHistory).
 * When the history cannot be read, the alarm's last state change (StateUpdatedTimestamp)
 * within that window stands in for it: an alarm that changed state then was in ALARM
 * then or just before.
 */
export async function isAlarmAboutTicket(
  reader: Pick<CloudWatchReader, "describeAlarmHistory">,
  alarm: MetricAlarm,
  createdAt: Date,
): Promise<{ votes: boolean; why: string }> {
  if (alarm.state === "ALARM") return { votes: true, why: "in ALARM" };
  const end = createdAt.getTime();
  const start = end - ALARM_RECENCY_HOURS * HOUR;
  const within = (iso: string) => {
    const at = Date.parse(iso);
    return Number.isFinite(at) && at >= start && at <= end;
  };
  try {
    const changes = await reader.describeAlarmHistory({
      alarmName: alarm.name,
      start: new Date(start),
      end: createdAt,
    });
    const fired = changes.find((c) => c.to === "ALARM" && within(c.at));
    return fired
      ? { votes: true, why: `went into ALARM at ${fired.at}` }
      : {
          votes: false,
          why: `${alarm.state} now, and not in ALARM in the ${ALARM_RECENCY_HOURS} h before the ticket was created`,
        };
  } catch (error) {
    const code = asAppError(error).code;
    return within(alarm.stateUpdatedAt)
      ? { votes: true, why: `changed state at ${alarm.stateUpdatedAt} (history unread: ${code})` }
      : {
          votes: false,
          why: `${alarm.state} since ${alarm.stateUpdatedAt}, history unread (${code})`,
        };
  }
}

/**
 * The dimensions of the alarms the ticket's description quotes (`alarm:<name>` refs),
 * read with DescribeAlarms, of those alarms that are about the ticket
 * ({@link isAlarmAboutTicket}). An alarm that cannot be read is `unread`, so the caller
 * knows a source that may name the service is missing; the aws specialist still reads
 * the alarm later.
 */
export async function readAlarmDimensions(
  reader: CloudWatchReader | undefined,
  awsRefs: readonly string[],
  createdAt: Date,
): Promise<AlarmRead> {
  const names = quotedAlarmNames(awsRefs);
  if (names.length === 0) return { dimensions: [], gaps: [] };
  const quoted = names.join(", ");
  if (!reader) return { dimensions: [], gaps: [], unread: `${quoted} (CloudWatch not configured)` };
  let alarms: MetricAlarm[];
  try {
    alarms = await reader.describeAlarms({ names });
  } catch (error) {
    return { dimensions: [], gaps: [], unread: `${quoted} (${asAppError(error).code})` };
  }
  const dimensions: AlarmDimension[] = [];
  const gaps: ServiceResolution["gaps"] = [];
  const found = new Set(alarms.map((a) => a.name));
  const missing = names.filter((n) => !found.has(n));
  if (missing.length > 0) {
    gaps.push({
      what: `alarm(s) ${missing.join(", ")} the ticket quotes were not found in the account read: they name no service`,
      confidenceImpact: 0,
    });
  }
  const verdicts = await Promise.all(
    alarms.map(async (a) => ({ alarm: a, ...(await isAlarmAboutTicket(reader, a, createdAt)) })),
  );
  for (const { alarm, votes, why } of verdicts) {
    if (votes) {
      for (const [name, value] of Object.entries(alarm.dimensions)) {
        dimensions.push({ alarm: alarm.name, name, value });
      }
    } else {
      gaps.push({
        what: `alarm ${alarm.name} the ticket quotes is ${why}: its dimensions do not vote for the service`,
        confidenceImpact: 0,
      });
    }
  }
  return { dimensions, gaps };
}

/**
 * The alarms the ticket is about: those its description quotes (a notification), else
 * those of the account whose names its title or description spells out
 * (`alarmNamesSpelledIn`: "the <svc> <measure> alarm flapped"), read back like quoted ones.
 * `spelled` lists the latter as `alarm:<name>` refs, for the ticket's links. Listing the
 * account's alarms is best effort: when it fails, nothing is spelled out and the quoted
 * ones (none) decide as before.
 */
export async function readTicketAlarms(
  reader: CloudWatchReader | undefined,
  awsRefs: readonly string[],
  text: string,
  createdAt: Date,
): Promise<AlarmRead & { spelled: string[] }> {
  let spelled: string[] = [];
  if (reader && quotedAlarmNames(awsRefs).length === 0) {
    try {
      const all = (await reader.describeAlarms({})).map((a) => a.name);
      spelled = alarmNamesSpelledIn(text, all)
        .slice(0, MAX_ALARMS)
        .map((n) => `alarm:${n}`);
    } catch {
      spelled = [];
    }
  }
  const read = await readAlarmDimensions(reader, [...awsRefs, ...spelled], createdAt);
  return { ...read, spelled };
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** `value` names `service` between non-alphanumeric boundaries (three characters or more). */
const names = (value: string, service: string) =>
  service.length >= 3 &&
  new RegExp(`(?<![A-Za-z0-9])${literal(service)}(?![A-Za-z0-9])`, "i").test(value);

/** Of several matched names, those not contained in a longer match (`api` in `<x>-api`). */
const longest = (matched: string[]) =>
  matched.filter((m) => !matched.some((o) => o !== m && o.toLowerCase().includes(m.toLowerCase())));

/**
 * Votes of the alarms' dimensions that the catalog assigns, or that name exactly one
 * known service. A value naming several unrelated services votes for none: it is
 * ambiguous, and a wrong scope is worse than none. Without the full list of known
 * services (`known` undefined: discovery failed), only the catalog's assignments vote: a
 * name that is the only match among fewer candidates may not be the only one.
 */
export function alarmVotes(
  dimensions: readonly AlarmDimension[],
  catalog: ServiceCatalog,
  known: readonly string[] | undefined,
): ResolutionVote[] {
  const votes: ResolutionVote[] = [];
  for (const d of dimensions) {
    const owner = serviceOwning(catalog, d.value);
    const named = owner ? [owner.name] : longest((known ?? []).filter((k) => names(d.value, k)));
    if (named.length !== 1) continue;
    votes.push({
      source: "aws_resource",
      value: `${d.name}=${d.value}`,
      service: named[0]!,
      detail: owner
        ? `alarm ${d.alarm} watches ${d.name}=${d.value}, which belongs to ${owner.name} in the service catalog`
        : `alarm ${d.alarm} watches ${d.name}=${d.value}, which names the service ${named[0]}`,
    });
  }
  return votes;
}

/**
 * The vote of alarms the ticket only spells out in prose (`readTicketAlarms`), a weak one:
 * asked, like an alarm's words, only when no other source names a service, since prose
 * may name several services' alarms (a report of a shared failure) where a notification
 * names the one that filed the ticket. Their dimensions vote when all that name a service
 * name the same one ({@link alarmVotes}, else {@link alarmWordVote}).
 */
export function spelledAlarmVote(
  dimensions: readonly AlarmDimension[],
  catalog: ServiceCatalog,
  known: readonly string[],
): ResolutionVote | undefined {
  const votes = alarmVotes(dimensions, catalog, known);
  if (votes.length === 0) return alarmWordVote(dimensions, known);
  return new Set(votes.map((v) => v.service)).size === 1 ? votes[0] : undefined;
}

/**
 * Words of resource names that say nothing about whose resource it is: environments,
 * roles, engines and AWS's own naming.
 */
const GENERIC_WORDS = new Set([
  "prod",
  "production",
  "prd",
  "stage",
  "staging",
  "test",
  "live",
  "main",
  "primary",
  "replica",
  "reader",
  "writer",
  "cache",
  "redis",
  "memcached",
  "valkey",
  "cluster",
  "node",
  "shard",
  "service",
  "server",
  "worker",
  "queue",
  "database",
  "east",
  "west",
  "north",
  "south",
  "central",
  // A target group's and a load balancer's ARN-style values (`targetgroup/<name>/<id>`).
  "targetgroup",
  "loadbalancer",
]);
/** Alphabetic words of four letters or more that are not {@link GENERIC_WORDS}. */
const distinctiveWords = (value: string) =>
  new Set(
    value
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => /^[a-z]{4,}$/.test(w) && !GENERIC_WORDS.has(w)),
  );
const words = (value: string) => new Set(value.toLowerCase().split(/[^a-z0-9]+/));
/** A name without its separators: `<a>-<b>` → `<a><b>`. */
const compact = (value: string) => value.toLowerCase().replace(/[^a-z0-9]+/g, "");

/**
 * An alarm dimension whose distinctive words all belong to exactly one known service's
 * name (a cache cluster `<word>-prod-0001-001` and the service `<prefix>-<word>`), or
 * spell that name without its separators (`<a><b>-prod-001` and the service `<a>-<b>`): a
 * resource named after the service's domain. Asked only when no other structured source names a
 * service, like a label's prefix, so it never disputes one; several candidates, or
 * dimensions pointing at different services, vote for none.
 */
export function alarmWordVote(
  dimensions: readonly AlarmDimension[],
  known: readonly string[],
): ResolutionVote | undefined {
  const found = new Map<string, AlarmDimension>();
  for (const d of dimensions) {
    const own = distinctiveWords(d.value);
    if (own.size === 0) continue;
    // A word may be the service's whole name written without separators (`<a><b>-prod`
    // for the service `<a>-<b>`), as resource names often are.
    const candidates = known.filter((k) =>
      [...own].every((w) => words(k).has(w) || w === compact(k)),
    );
    if (candidates.length === 1 && !found.has(candidates[0]!)) found.set(candidates[0]!, d);
  }
  if (found.size !== 1) return undefined;
  const [service, d] = [...found][0]!;
  return {
    source: "aws_resource",
    value: `${d.name}=${d.value}`,
    service,
    detail: `alarm ${d.alarm} watches ${d.name}=${d.value}, whose distinctive words name only the known service ${service}`,
  };
}
