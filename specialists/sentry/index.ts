import type { RawSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { EvidenceCollector, READ_RULES } from "../shared/collector.ts";
import { hasSentryLabel, linkedSentryIssueIds } from "../shared/linked-issues.ts";
import type { Specialist, SpecialistInput } from "../types.ts";
import { collectIssue, type IssueOutcome, issueContext } from "./collect.ts";
import { searchProjects } from "./search.ts";
import { SWEEP_SOURCE_REF, sweepOrganization } from "./sweep.ts";

/**
 * The sentry specialist: reads the Sentry issue(s) a ticket links and says which
 * exception it is, on which request path and code frame, since when, how often, in which
 * release — or that it is client aborts rather than a server failure. It never writes to
 * Sentry (no resolve, no suppression: invariant 4).
 *
 * Signals: `new_exception` for each issue on one path, old ones included (`firstSeen`
 * tells its age, `handled` whether the code caught it), or `client_aborts` for requests
 * the client ended; `traffic_origin` for who sent the failing requests (User-Agent and
 * tags of the events read). The 24h recurrence series is reported
 * as a finding, not as `error_rate_rise`: that signal is the service's 5xx rate, which
 * only the metrics (aws specialist) measure; Sentry's event counts are sampled
 * exceptions. A ticket that links no issue is searched in its service's project
 * (search.ts); one that no structured source ties to a service sweeps the organization's
 * projects for errors rising together (`impact_scope` across services, sweep.ts).
 */

const TIMEOUT_MS = 45_000;
const MISSING_TOOL_IMPACT = 30;
const NO_ISSUE_ID_IMPACT = 20;

/** The Sentry projects to search when the ticket links no issue: the catalog's, else the service's name. */
function projectsOf(ticket: SpecialistInput["ticket"]): string[] {
  if (ticket.sentryProjects && ticket.sentryProjects.length > 0) return ticket.sentryProjects;
  return ticket.service ? [ticket.service] : [];
}

function nextPivotFor(outcomes: Extract<IssueOutcome, { ok: true }>[]): string | undefined {
  const first = outcomes[0];
  if (!first) return undefined;
  switch (first.kind) {
    case "new_exception":
      return `Correlate ${first.issue.shortId}'s first-seen time ${first.issue.firstSeen} with deploys of ${first.issue.project} and its 5xx rate on the same path`;
    case "client_abort":
      return `Run the negative controls for ${first.issue.shortId}: the service's 5xx rate and deploys over the burst window`;
    case "recurring":
      return `${first.issue.shortId} is long-standing: check what changed its rate (traffic, clients, infrastructure) rather than code`;
    default: {
      const unreachable: never = first.kind;
      return unreachable;
    }
  }
}

/** The onset's service, when the ticket links an AWS alarm or resource its series could come from. */
function anchoredOnsetService(input: SpecialistInput): string | undefined {
  if (input.ticket.snapshot.linked.awsRefs.length === 0) return undefined;
  return input.onset?.service;
}

async function run(input: SpecialistInput): Promise<RawSpecialistOutput> {
  const ev = new EvidenceCollector({
    specialistId: "sentry",
    question: input.question,
    at: input.now,
    deadlineMs: TIMEOUT_MS,
    rules: READ_RULES,
  });
  const sentry = input.tools.sentry;
  if (!sentry) {
    ev.gap({
      what: "Sentry is not available to this run: the linked issue was not read",
      confidenceImpact: MISSING_TOOL_IMPACT,
    });
    return ev.skipped("the sentry tool is not available");
  }
  const ids = linkedSentryIssueIds(input.ticket);
  const projects = projectsOf(input.ticket);
  if (ids.length === 0 && projects.length > 0) {
    const ctx = issueContext({ sentry, ev, signal: input.signal, now: input.now });
    try {
      const found = await searchProjects(ctx, projects);
      if (found.searched.length === 0) {
        return ev.failed(
          new Error(`no Sentry project of ${projects.join(", ")} could be searched`),
          "Link the Sentry issue on the ticket, or map the service to its Sentry project",
        );
      }
      if (found.leading) await collectIssue(ctx, found.leading.id);
      return ev.returned(
        found.leading
          ? `${found.leading.shortId} carries the rise in ${found.searched.join(", ")}: correlate its onset with deploys`
          : `No rising Sentry issue in ${found.searched.join(", ")}: look at metrics and dependencies`,
      );
    } catch (error) {
      return ev.thrown(error);
    }
  }
  if (ids.length === 0 && !input.ticket.service && sentry.listProjects) {
    const ctx = issueContext({ sentry, ev, signal: input.signal, now: input.now });
    try {
      const swept = await sweepOrganization({
        ...ctx,
        anchor: input.onset?.at ?? input.ticket.snapshot.createdAt,
      });
      if (swept.searched.length === 0) {
        return ev.failed(
          new Error("no Sentry project of the organization could be searched"),
          "Link the Sentry issue on the ticket, or name the service in a label",
        );
      }
      // No spread, and another source dated the symptom on the resources of an AWS
      // alarm or resource the ticket links (an alarm's queue and its consumer): that
      // service's project is searched like a named one, so the exception the failing
      // work throws is read, not just counted. Never for a service an account scan
      // adopted with nothing structured behind it: that scope is inferred.
      const dated = anchoredOnsetService(input);
      if (swept.together.length < 2 && dated && swept.searched.includes(dated)) {
        const found = await searchProjects(ctx, [dated]);
        // Its issues are read as the ticket's: that service joins the run's scope.
        ev.readService(dated);
        if (found.leading) {
          await collectIssue(ctx, found.leading.id);
          return ev.returned(
            `${found.leading.shortId} carries the rise in ${dated}, the service the symptom's onset was measured on: correlate its onset with deploys`,
          );
        }
      }
      return ev.returned(
        swept.together.length > 1
          ? `Errors rose together in ${swept.together.join(", ")}: look for what they share (a dependency, a library, the network) and escalate`
          : "No spread across services in Sentry: name the service (label or Sentry link) to investigate it",
      );
    } catch (error) {
      return ev.thrown(error);
    }
  }
  if (ids.length === 0) {
    ev.gap({
      what: "the ticket is labelled sentry-issue but links no Sentry issue id",
      confidenceImpact: NO_ISSUE_ID_IMPACT,
    });
    return ev.skipped("the ticket links no Sentry issue id");
  }
  const ctx = issueContext({ sentry, ev, signal: input.signal, now: input.now });
  try {
    const outcomes: IssueOutcome[] = [];
    for (const id of ids) outcomes.push(await collectIssue(ctx, id));
    const read = outcomes.filter((o): o is Extract<IssueOutcome, { ok: true }> => o.ok);
    if (read.length === 0) {
      const failure = outcomes.find((o) => !o.ok);
      return ev.failed(
        failure && !failure.ok ? failure.error : new Error("no Sentry issue read"),
        "Retry the Sentry read when Sentry answers again; until then the exception is unconfirmed",
      );
    }
    return ev.returned(nextPivotFor(read));
  } catch (error) {
    return ev.thrown(error);
  }
}

const sentrySpecialist: Specialist = {
  id: "sentry",
  phase: "evidence",
  needs: ["sentry"],
  timeoutMs: TIMEOUT_MS,

  appliesTo(ticket, tools) {
    const ids = linkedSentryIssueIds(ticket);
    const labelled = hasSentryLabel(ticket);
    const tool = tools.find((t) => t.connector === "sentry");
    const availability =
      tool?.status === "available" ? "" : `; Sentry is ${tool?.status ?? "not configured"}`;
    const projects = projectsOf(ticket);
    if (ids.length === 0 && projects.length > 0 && (labelled || tool?.status === "available")) {
      return {
        applies: true,
        required: labelled,
        reason: `the ticket links no Sentry issue: searching project ${projects.join(", ")} for unresolved issues of the last 24h${availability}`,
      };
    }
    if (ids.length === 0 && !ticket.service && tool?.status === "available") {
      return {
        applies: true,
        required: false,
        reason:
          "no Sentry link and no service resolved: sweeping the organization's projects for errors rising together",
      };
    }
    if (ids.length === 0 && !labelled) {
      return { applies: false, required: false, reason: "the ticket links no Sentry issue" };
    }
    const what =
      ids.length > 0
        ? `the ticket links Sentry issue ${ids.join(", ")}`
        : "the ticket has no issue id";
    return {
      applies: true,
      required: labelled,
      reason: `${what}${labelled ? " and carries the sentry-issue label" : ""}${availability}`,
    };
  },

  /**
   * Asked again when it swept the organization for want of a service, found no spread and
   * no exception, and another specialist dated the onset on a service's own resources.
   */
  wantsOnset: (output, onset) =>
    output.status === "returned" &&
    onset.service !== undefined &&
    output.sources.some((s) => s.ref === SWEEP_SOURCE_REF) &&
    !output.signals.some((s) => s.kind === "impact_scope" || s.kind === "new_exception"),

  question(ticket) {
    const ids = linkedSentryIssueIds(ticket);
    const projects = projectsOf(ticket);
    if (ids.length === 0 && projects.length === 0 && !ticket.service) {
      return "Which services' Sentry errors rose in the last 24h, and did several rise together?";
    }
    if (ids.length === 0 && projects.length > 0) {
      return `Which unresolved Sentry issues of ${projects.join(", ")} rose in the last 24h, since when, and which exception carries the rise?`;
    }
    const subject = ids.length > 0 ? `Sentry issue ${ids.join(", ")}` : "the linked Sentry issue";
    return `What does ${subject} show now: which exception, on which path and code frame, since when, how often, in which release, and is it client aborts rather than a server failure?`;
  },

  run,
};

export default sentrySpecialist;
