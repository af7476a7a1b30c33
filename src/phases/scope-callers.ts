import type { OutboundCall, SentryEventSummary, SentryReader } from "../../specialists/tools.ts";
import type { ResolutionSource, ServiceResolution } from "../domain/service-resolution.ts";
import { slug } from "./scope-votes.ts";

/**
 * Rule `scope.caller_view`. A linked Sentry issue in another service's project is not
 * always another incident. When a caller's request to the ticket's service fails (times
 * out, is refused, gets a 502), the error is raised, and reported, in the caller: its
 * project, its title (the caller's HTTP client's timeout or connection error), its frames.
 * The issue is then the caller's view of the ticket's service, and an SRE follows it downstream rather than asking which service the
 * ticket is about. What tells the two apart is in the issue's own event: the failure is a
 * failed call (its exception), and the event names the ticket's service as the other end
 * of that call: a tag that names the peer, the host of the HTTP call that failed (the last
 * HTTP breadcrumb, or one answered with a 5xx: earlier calls may have succeeded), or an
 * in-app frame named after the service's client. Anything less (a caller whose event never names
 * the callee, an error that is not a failed call) stays a service identity conflict.
 */

/** One linked issue read as the caller's view of the ticket's service. */
export interface CallerView {
  issueId: string;
  caller: string;
  callee: string;
  detail: string;
}

/**
 * Exceptions of a call that got no usable answer from the other end: a timeout (or an
 * abort due to one), a refused, reset or closed connection, or a gateway's 502/503/504
 * given as a status. Anchored to those phrasings: a bare "abort" (a client that hung up,
 * a user who navigated away) or a 502 inside an id or amount is not a failed call. An
 * application error (a TypeError, a KeyError) is the caller's own code, whatever it was
 * calling.
 */
const CALL_FAILURE =
  /time[ds]?[\s_-]?out|econn(reset|refused|aborted)|etimedout|socket hang up|connect(ion)?[\s_-]?(error|reset|refused|closed)|remote ?disconnected|bad gateway|service unavailable|gateway time|(?:status(?:[\s_-]?code)?|http(?: error)?|returned|responded(?: with)?|response(?: code)?)[\s:=#]*50[234]\b/i;

/** A response status at or above this is the other end failing the call (5xx). */
const SERVER_ERROR_STATUS = 500;

/**
 * Tag keys that name the other end of an outbound call: OpenTelemetry's `peer.service`
 * and `net.peer.name`, and the keys services set for the dependency they called. Keys that
 * name the reporting side (`server_name`, `service`, `release`) are not among them.
 */
const PEER_TAG =
  /^(upstream|downstream|dependency|callee|peer[._-]?(service|name|host)|net[._-]peer[._-]name|remote[._-]?(service|host)|target[._-]?(service|host))$/i;

/**
 * A frame is matched on the service's name written without separators inside the file's
 * or function's name (`<name>Client`); shorter names (`api`, `web`, `auth`) are common
 * words inside identifiers and would match code that never calls the service.
 */
export const MIN_FRAME_NAME_CHARS = 6;

/** An exception type is a class name; anything longer is not one and is cut. */
const MAX_TYPE_CHARS = 80;

/** The resolution sources that file a ticket under a service, as opposed to evidence. */
const FILING_SOURCES: readonly ResolutionSource[] = [
  "linear_project",
  "linear_label",
  "aws_resource",
  "repository",
];

const compact = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, "");

/** Whether a value is the service's name, or a host or URL one of whose labels is. */
function namesService(value: string, service: string): boolean {
  if (slug(value) === slug(service)) return true;
  const host = /^(?:[a-z][a-z0-9+.-]*:\/\/)?([^/:?#\s]+)/i.exec(value.trim())?.[1] ?? "";
  return host.includes(".") && host.split(".").some((label) => slug(label) === slug(service));
}

/** Whether the event's exception is a failed outbound call ({@link CALL_FAILURE}). */
export function isCallFailure(event: SentryEventSummary): boolean {
  const e = event.exception;
  return e !== undefined && CALL_FAILURE.test(`${e.type}: ${e.value}`);
}

/**
 * The HTTP calls that may be the one that failed: the last before the error, and any
 * answered with a 5xx. An earlier call that got an answer is not the failed call.
 */
function failedCallsOf(calls: readonly OutboundCall[]): OutboundCall[] {
  return calls.filter((c, i) => i === calls.length - 1 || (c.status ?? 0) >= SERVER_ERROR_STATUS);
}

/**
 * What in the event names `callee` as the other end of its failed call, by kind only (a
 * tag's key, the HTTP breadcrumb, an in-app frame): no value from the event, which may
 * carry personal or secret data. Empty when the event is not a failed call or names nothing.
 */
export function calleeMarks(event: SentryEventSummary, callee: string): string[] {
  if (!isCallFailure(event)) return [];
  const marks: string[] = [];
  for (const t of event.tags) {
    if (PEER_TAG.test(t.key) && namesService(t.value, callee)) marks.push(`tag ${t.key}`);
  }
  if (failedCallsOf(event.outboundCalls ?? []).some((c) => namesService(c.host, callee)))
    marks.push("HTTP breadcrumb");
  const name = compact(callee);
  if (name.length >= MIN_FRAME_NAME_CHARS) {
    const frame = (event.exception?.frames ?? []).find((f) => {
      const base =
        f.filename
          .split("/")
          .at(-1)
          ?.replace(/\.[a-z0-9]+$/i, "") ?? "";
      return f.inApp && [base, f.function ?? ""].some((n) => compact(n).includes(name));
    });
    if (frame) marks.push("in-app frame");
  }
  return marks;
}

/**
 * The linked issues worth reading as a caller's view: on a mismatch, each issue whose
 * project's service differs from a service the ticket is filed under (its Linear project
 * or label, the resources or repository it links), with those services as the candidate
 * callees.
 */
export function callerCandidates(
  resolution: ServiceResolution,
  sentryProjects: readonly { issueId: string; project: string }[],
  serviceOf: (project: string) => string,
): { issueId: string; caller: string; callees: string[] }[] {
  if (!resolution.mismatch) return [];
  const filed = new Set(
    resolution.sources
      .filter((v) => FILING_SOURCES.includes(v.source) && v.service !== undefined)
      .map((v) => v.service!),
  );
  return sentryProjects.flatMap(({ issueId, project }) => {
    const caller = serviceOf(project);
    const callees = [...filed].filter((s) => s !== caller);
    return callees.length > 0 ? [{ issueId, caller, callees }] : [];
  });
}

/**
 * Reads each candidate's latest event (the full form, with its breadcrumbs) and keeps the
 * issues whose event names exactly one candidate callee. A read that fails keeps the
 * issue's vote, so the conflict stands: it is never assumed away.
 */
export async function readCallerViews(
  reader: SentryReader | undefined,
  candidates: readonly { issueId: string; caller: string; callees: string[] }[],
): Promise<CallerView[]> {
  if (!reader || candidates.length === 0) return [];
  const views = await Promise.all(
    candidates.map(async ({ issueId, caller, callees }): Promise<CallerView[]> => {
      let event: SentryEventSummary;
      try {
        event = await reader.getEvent(issueId, "latest");
      } catch {
        return [];
      }
      const named = callees
        .map((callee) => ({ callee, marks: calleeMarks(event, callee) }))
        .filter((c) => c.marks.length > 0);
      if (named.length !== 1) return [];
      const { callee, marks } = named[0]!;
      // The exception's type only: its value may carry ids, hosts or user input.
      const failure = (event.exception?.type ?? "").slice(0, MAX_TYPE_CHARS);
      return [
        {
          issueId,
          caller,
          callee,
          detail: `${caller}'s call to ${callee} failing (${failure}; ${marks.join(", ")}): the caller's view of ${callee}`,
        },
      ];
    }),
  );
  return views.flat();
}
