import type { TicketContext } from "../../specialists/types.ts";
import type { LinearTicket } from "../adapters/linear/client.ts";
import { quotedAlarmNamesIn } from "../domain/alarm-notification.ts";
import type { LinearSnapshot } from "../domain/evidence-context.ts";
import { storableDeep } from "../domain/storable-text.ts";
import type { Redactor } from "../safety/redact.ts";

const SENTRY_ISSUE_URL = /sentry\.io\/(?:organizations\/[\w-]+\/)?issues\/(\d+)/g;
const REQUEST_ID = /\breq_[0-9A-Za-z]{10,40}\b/g;
/** Log groups, ARNs and SQS queue URLs, as alarms and engineers paste them. */
const AWS_REF =
  /(?:\/(?:aws|ecs)\/[\w./-]+|arn:aws:[\w-]+:[\w-]*:\d{12}:[\w/:.-]+|https:\/\/sqs\.[\w-]+\.amazonaws\.com\/\d{12}\/[\w.-]+)/g;

/** Linear state types a human sets when the work is over: the run is superseded. */
export function isClosedStateType(stateType: string): boolean {
  return ["completed", "canceled", "cancelled"].includes(stateType);
}

/** A closed state type, or a state named as a duplicate. */
export function isClosedByHuman(stateType: string, stateName: string): boolean {
  return isClosedStateType(stateType) || /duplicate/i.test(stateName);
}

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

/**
 * Sentry issue ids, request ids and AWS refs the ticket links (text and attachments);
 * alarm names (`alarm:<name>`) from the description only (`quotedAlarmNamesIn`): the
 * alarm integration writes its notification there, while a comment can quote any alarm
 * (another service's, an old one), and a quoted alarm is read back and may decide the
 * run's service (scope-alarms.ts).
 */
export function extractLinks(ticket: LinearTicket): LinearSnapshot["linked"] {
  const texts = [
    ticket.description,
    ...ticket.comments.map((c) => c.body),
    ...ticket.attachments.map((a) => a.url),
  ];
  const all = texts.join("\n");
  const sentry = [...all.matchAll(SENTRY_ISSUE_URL)].map((m) => m[1]!);
  for (const a of ticket.attachments) {
    const id = a.metadata.issueId;
    if (typeof id === "string" && /^\d+$/.test(id)) sentry.push(id);
  }
  return {
    sentryIssueIds: unique(sentry),
    requestIds: unique([...all.matchAll(REQUEST_ID)].map((m) => m[0])),
    awsRefs: unique([
      ...quotedAlarmNamesIn(ticket.description).map((name) => `alarm:${name}`),
      ...[...all.matchAll(AWS_REF)].map((m) => m[0]),
    ]),
  };
}

/**
 * The redacted view of the ticket every later phase uses. Everything that came from
 * Linear passes the redactor here, once, before it is stored, shown or sent to a
 * specialist; and is made storable (no NUL, no lone surrogate: storable-text.ts) whatever
 * gateway fetched it.
 */
export function buildTicketContext(
  fetched: LinearTicket,
  redactor: Redactor,
  now: Date,
  scope: Pick<
    TicketContext,
    "team" | "service" | "resolution" | "awsResources" | "sentryProjects"
  > & {
    /** `alarm:<name>` refs of account alarms the ticket spells out (scope-alarms.ts). */
    spelledAlarms?: readonly string[];
  } = {},
): TicketContext {
  const ticket = storableDeep(fetched);
  const clean = (text: string) => redactor.redact(text).text;
  const links = extractLinks(ticket);
  const snapshot: LinearSnapshot = {
    ticketKey: ticket.identifier,
    title: clean(ticket.title),
    labels: ticket.labels,
    status: ticket.state.name,
    priority: ticket.priority,
    descriptionExcerpt: clean(ticket.description).slice(0, 2000),
    url: ticket.url,
    linked: {
      ...links,
      awsRefs: unique([...links.awsRefs, ...(scope.spelledAlarms ?? [])]),
    },
    createdAt: ticket.createdAt,
    updatedAt: ticket.updatedAt,
    fetchedAt: now.toISOString(),
  };
  return {
    snapshot,
    ...(scope.team ? { team: scope.team } : {}),
    ...(scope.service ? { service: scope.service } : {}),
    ...(scope.resolution ? { resolution: scope.resolution } : {}),
    ...(scope.awsResources && Object.keys(scope.awsResources).length > 0
      ? { awsResources: scope.awsResources }
      : {}),
    ...(scope.sentryProjects?.length ? { sentryProjects: scope.sentryProjects } : {}),
    comments: ticket.comments.map((c) => ({
      author: clean(c.author),
      body: clean(c.body),
      createdAt: c.createdAt,
    })),
    attachments: ticket.attachments.map((a) => ({ title: clean(a.title), url: clean(a.url) })),
  };
}
