import { z } from "zod";

/**
 * Which service and team a run is about, and from what (FETCH_LINEAR,
 * src/phases/scope.ts). Every source's answer is a vote. Structured sources decide, in
 * this order of trust: the linked Sentry issues' projects, the Linear project, `service:`
 * and catalogued labels, AWS resources the ticket links that the catalog assigns to a
 * service, the dimensions of the CloudWatch alarms the ticket's description quotes as
 * DescribeAlarms returns them, of alarms in ALARM or that went into ALARM within a day
 * before the ticket (a value the catalog assigns, or that names one known service:
 * src/phases/scope-alarms.ts), GitHub repositories the ticket links that the catalog
 * assigns, then the Linear team (team only). Only when none of them names a service and
 * every source could be read, the weakest votes are asked: a label that is the prefix of
 * one known service's name, or an alarm dimension whose distinctive words belong to one
 * known service's name; a decision of theirs is marked (`weakDecision`). A service named
 * in the ticket's free text (`ticket_text`) is listed, so a disagreement is visible, but
 * never decides alone. A mismatch is recorded with every vote (and checked as a conflict:
 * classifier-conflicts.ts `identityConflicts`), policy and kill switches use the most
 * restrictive of the disputed scopes, and the gap is recorded in the bundle with its
 * cost. The cost is not yet subtracted from the classifier's confidence: an unresolved
 * service is charged by the specialists' own gaps, and a material mismatch stops the run
 * as a conflict.
 */

export const RESOLUTION_SOURCES = [
  "sentry_project",
  "linear_project",
  "linear_label",
  "aws_resource",
  "repository",
  "linear_team",
  "ticket_text",
] as const;
export type ResolutionSource = (typeof RESOLUTION_SOURCES)[number];

export const ResolutionVoteSchema = z.object({
  source: z.enum(RESOLUTION_SOURCES),
  /** What the source says, verbatim (a project slug, a label, a queue URL, a team key). */
  value: z.string().min(1),
  /** The service it names, through the catalog or by discovery (a Sentry project's name). */
  service: z.string().min(1).optional(),
  team: z.string().min(1).optional(),
  /** What was read, for people: "Sentry issue <id> is in project <slug>". */
  detail: z.string().min(1),
});
export type ResolutionVote = z.infer<typeof ResolutionVoteSchema>;

export const ServiceResolutionSchema = z.object({
  service: z.string().min(1).optional(),
  team: z.string().min(1).optional(),
  /** The source whose vote decided the service, when one did. */
  decidedBy: z.enum(RESOLUTION_SOURCES).optional(),
  /**
   * Set when the service was decided by one of the weakest votes, asked only because no
   * other source named a service: a label that is the prefix of one known service's name
   * (`label_prefix`), or an alarm dimension whose distinctive words belong to one known
   * service's name (`alarm_words`). The decision rests on a likeness of names, not on a
   * mapping any source declares, and the bundle says so.
   */
  weakDecision: z
    .object({ kind: z.enum(["label_prefix", "alarm_words"]), detail: z.string().min(1) })
    .optional(),
  /** Whether the service has a policy file (else it runs on the default policy). */
  declared: z.boolean(),
  /** Every source read, most trusted first. */
  sources: z.array(ResolutionVoteSchema),
  /** Sources naming different services: recorded with both, never silently resolved. */
  mismatch: z
    .object({
      /** The decided service first. */
      services: z.array(z.string().min(1)).min(2),
      votes: z.array(ResolutionVoteSchema),
      detail: z.string().min(1),
    })
    .optional(),
  /**
   * Linked Sentry issues that are another service's view of this one: their project's
   * service failing on its outbound call to the service the ticket is filed under, as the
   * issue's own event names the callee (a tag, an HTTP breadcrumb's host, an in-app
   * frame: src/phases/scope-callers.ts). Such an issue does not vote for its project's
   * service (the symptom shows there, the cause is in the callee), so it raises no
   * identity conflict; specialists read the callee's own issues instead of it
   * (specialists/shared/linked-issues.ts). A finding, recorded with what named the callee.
   */
  callerViews: z
    .array(
      z.object({
        issueId: z.string().min(1),
        /** The service the issue's project belongs to: the caller. */
        caller: z.string().min(1),
        /** The ticket's service, which the caller's failing call was to. */
        callee: z.string().min(1),
        detail: z.string().min(1),
      }),
    )
    .optional(),
  /** The scope policy and kill switches use: the most restrictive one on a mismatch. */
  policyScope: z.object({ team: z.string().optional(), service: z.string().optional() }),
  /** What the resolution could not establish, with its cost in confidence points. */
  gaps: z.array(z.object({ what: z.string().min(1), confidenceImpact: z.number().min(0) })),
});
export type ServiceResolution = z.infer<typeof ServiceResolutionSchema>;

/** Confidence a service mismatch costs: the evidence may describe another service. */
export const MISMATCH_IMPACT = 15;
/** Confidence an unresolved service costs: specialists read without a service's resources. */
export const UNRESOLVED_IMPACT = 10;
