import { z } from "zod";
import { AppError, ErrorCode } from "./errors.ts";
import {
  LinearSnapshotSchema,
  OperationalMemorySchema,
  RouteEntrySchema,
  ToolEntrySchema,
} from "./evidence-context.ts";
import { OUTCOMES } from "./phases.ts";
import { RunStarterSchema } from "./run-starter.ts";
import { ServiceResolutionSchema } from "./service-resolution.ts";
import { SpecialistIdSchema } from "./specialist-output.ts";

/**
 * What a run keeps in `runs.context` between phases (all redacted): each phase returns
 * a patch of these fields, the transition merges it into the row (`context || patch`),
 * and whoever reads a row parses it here once. Every field is optional: a phase may not
 * have written it yet.
 */

const names = z.array(z.string());
/** The resolved service's AWS resources (`AwsResources` in specialists/types.ts). */
const AwsResourcesSchema = z.object({
  loadBalancer: z.string().optional(),
  targetGroups: names.optional(),
  cluster: z.string().optional(),
  ecsService: z.string().optional(),
  queues: z
    .array(
      z.object({
        name: z.string(),
        thresholdSeconds: z.number().optional(),
        deadLetterQueue: z.string().optional(),
      }),
    )
    .optional(),
  databases: z
    .array(z.object({ identifier: z.string(), maxConnections: z.number().optional() }))
    .optional(),
  caches: names.optional(),
  functions: names.optional(),
  logGroups: names.optional(),
  eventLogGroups: names.optional(),
  zones: names.optional(),
});

/** The ticket as FETCH_LINEAR redacted it (`TicketContext` in specialists/types.ts). */
const TicketContextSchema = z.object({
  snapshot: LinearSnapshotSchema,
  team: z.string().optional(),
  service: z.string().optional(),
  awsResources: AwsResourcesSchema.optional(),
  sentryProjects: names.optional(),
  resolution: ServiceResolutionSchema.optional(),
  comments: z.array(z.object({ author: z.string(), body: z.string(), createdAt: z.string() })),
  attachments: z.array(z.object({ title: z.string(), url: z.string() })),
});

const WikiEntrySchema = z.object({
  pageId: z.string(),
  specialist: SpecialistIdSchema,
  name: z.string(),
  body: z.string(),
});

/** The wiki's routing hints from READ_PRODE_WIKI (`RoutingHints` in specialists/types.ts). */
const RoutingHintsSchema = z.object({
  pages: z.array(z.string()),
  recipes: z.array(WikiEntrySchema),
  negativeControls: z.array(WikiEntrySchema),
});

/**
 * What delivery knows about a run (CREATE_WORKTREE → OPEN_PR). A patch replaces the whole
 * object (the context merges one level deep), so each phase writes it back complete.
 */
const DeliveryStateSchema = z.object({
  /** The band CLASSIFY chose: analysis_only never gets here. */
  band: z.enum(["proposed_patch", "draft_pr"]),
  /** The classification's confidence the band was chosen at (for the open_pr policy gate). */
  confidence: z.number(),
  dryRun: z.boolean(),
  /** GitHub `owner/name`. */
  repository: z.string(),
  baseBranch: z.string().optional(),
  baseSha: z.string().optional(),
  branch: z.string().optional(),
  /** The code-path specialist's stored output, and the files it names (REVIEW's scope). */
  codePathSha: z.string().optional(),
  scopeFiles: z.array(z.string()).optional(),
  /** The agent's diff (artifact `diff`), its output, and how it ended. */
  diffSha: z.string().optional(),
  agentOutputSha: z.string().optional(),
  checksSha: z.string().optional(),
  reviewSha: z.string().optional(),
  headSha: z.string().optional(),
  pr: z.object({ number: z.number(), url: z.string() }).optional(),
  /** Dry run: each mutation the run would have made, in words. */
  wouldHave: z.array(z.string()).optional(),
  /** How the PR left AWAIT_HUMAN_REVIEW (src/runner/pr-watch.ts): merged or closed, by whom. */
  review: z
    .object({
      state: z.enum(["merged", "closed"]),
      /** The GitHub login that merged or closed it, when the source said. */
      by: z.string().optional(),
      at: z.string().optional(),
      mergeCommitSha: z.string().optional(),
      /** Who noticed: the webhook, or the reconciler's poll of the PR. */
      via: z.enum(["webhook", "poll"]),
    })
    .optional(),
  /** POST_MERGE_MONITOR's verdict, with the reason (src/phases/post-merge-monitor.ts). */
  monitor: z
    .object({
      verdict: z.enum(["resolved", "still_recurring", "inconclusive"]),
      reason: z.string(),
      deploy: z.object({ id: z.number(), sha: z.string(), createdAt: z.string() }).optional(),
      /** The signals the verdict rests on, the deciding one first (deploy, sentry, 5xx, latency). */
      decidedBy: z.array(z.string()).optional(),
      /** Checks made before the verdict (re-checks on delayed jobs over the policy window). */
      checks: z.number().optional(),
      /** When the deciding check ran: the post renders "as of" it, the same on every retry. */
      decidedAt: z.string().optional(),
    })
    .optional(),
  /** POST_MERGE_MONITOR's watch while no verdict is taken yet: when it began, its checks. */
  watch: z
    .object({
      since: z.string(),
      checks: z.number(),
      /** When the next check is due, and why the last one did not decide. */
      nextCheckAt: z.string(),
      reason: z.string(),
    })
    .optional(),
});
export type DeliveryState = z.infer<typeof DeliveryStateSchema>;

/**
 * Unknown keys are stripped (zod's default), not passed through: a row written by an
 * older prode still reads, and the type stays exact, so a misspelt field fails to
 * compile instead of reading `unknown`. Nothing is lost by stripping: the context is
 * only ever written as a patch merged in SQL, never rewritten from a parsed copy.
 */
export const RunContextSchema = z.object({
  /** The ticket's team and service (FETCH_LINEAR), for policy and kill switches. */
  team: z.string().optional(),
  service: z.string().optional(),
  /** How FETCH_LINEAR resolved the service and team: sources, mismatch, policy scope. */
  resolution: ServiceResolutionSchema.optional(),
  ticket: TicketContextSchema.optional(),
  /** The tool map (INVENTORY_TOOLS; READ_PRODE_WIKI adds the wiki's entry). */
  tools: z.array(ToolEntrySchema).optional(),
  memory: OperationalMemorySchema.optional(),
  hints: RoutingHintsSchema.optional(),
  /** The specialists ROUTE_SPECIALISTS chose, and why. */
  route: z.object({ specialists: z.array(RouteEntrySchema), rationale: z.string() }).optional(),
  /** Each specialist's stored output (WAIT_FOR_EVIDENCE), by artifact sha256. */
  evidence: z.array(z.object({ specialistId: z.string(), sha256: z.string() })).optional(),
  /**
   * When the ticket's structured data named no service, the services the evidence turned
   * out to concern (WAIT_FOR_EVIDENCE): those whose resources a specialist chose to read,
   * and the one the symptom was dated on. Scope candidates: their policy and kill switches
   * count too.
   */
  inferredServices: z.array(z.string()).optional(),
  /** The gate's decision (CLASSIFY) or the exit a phase chose, with its reasons. */
  decision: z
    .object({
      decision: z.enum(["proceed_to_delivery", "exit"]),
      outcome: z.enum(OUTCOMES).optional(),
      reasons: z.array(z.string()),
    })
    .optional(),
  /** sha256 of the stored evidence bundle (CLASSIFY). */
  bundleSha: z.string().optional(),
  /** Approvals CLASSIFY requested (the production write). */
  approvalIds: z.array(z.string()).optional(),
  /** The run-owned Linear comment (LINEAR_HANDOFF). */
  handoff: z.object({ linearCommentId: z.string() }).optional(),
  /**
   * Shown by Slack before FETCH_LINEAR stored the ticket. No phase writes them; a run
   * created with them (by hand, by a test) still shows them.
   */
  title: z.string().optional(),
  ticketUrl: z.string().optional(),
  prUrl: z.string().optional(),
  /** Delivery after the gate (CLASSIFY chose the band; each delivery phase adds its part). */
  delivery: DeliveryStateSchema.optional(),
  /** Who started the run (intake): the requester of its approvals (invariant 4). */
  startedBy: RunStarterSchema.optional(),
});
export type RunContext = z.infer<typeof RunContextSchema>;

/** What a phase hands back: only the fields it wrote, merged into the stored context. */
export type RunContextPatch = Partial<RunContext>;

/**
 * Parses a stored run context. A field that does not fit is `bad_input` naming the
 * field (not retryable: the row will not change by itself); unknown keys are dropped.
 */
export function parseRunContext(stored: unknown): RunContext {
  const parsed = RunContextSchema.safeParse(stored);
  if (!parsed.success) {
    throw new AppError(
      ErrorCode.BadInput,
      `run context does not parse: ${z.prettifyError(parsed.error)}`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}

/** A team/service pair policy and kill switches are looked up for. */
export interface ScopeRef {
  team?: string;
  service?: string;
}

/**
 * The run's team and service, as far as they are known (for policy and kill switches).
 * When structured sources (or the ticket's text) name other services or another team
 * than the chosen scope, those scopes ride along as `candidates`: the policy source
 * merges the strictest of every candidate's policy, and kill switches of every candidate
 * stop the run (src/policy/policy-scope.ts), so naming a laxer service never loosens
 * anything.
 */
export function scopeOf(context: RunContext): ScopeRef & { candidates?: ScopeRef[] } {
  // On a disputed service, policy and kill switches use the more restrictive scope.
  const chosen = context.resolution?.policyScope;
  const main: ScopeRef =
    chosen && (chosen.team || chosen.service)
      ? {
          ...(chosen.team ? { team: chosen.team } : {}),
          ...(chosen.service ? { service: chosen.service } : {}),
        }
      : {
          ...(context.team ? { team: context.team } : {}),
          ...(context.service ? { service: context.service } : {}),
        };
  const candidates = scopeCandidates(context, main);
  return candidates.length > 0 ? { ...main, candidates } : main;
}

/** The scopes other than `main` that the run's resolution names (services, a team). */
function scopeCandidates(context: RunContext, main: ScopeRef): ScopeRef[] {
  const resolution = context.resolution;
  const inferred = context.inferredServices ?? [];
  if (!resolution && inferred.length === 0) return [];
  const found = new Map<string, ScopeRef>();
  const add = (ref: ScopeRef) => {
    const key = `${ref.team ?? ""}\u0000${ref.service ?? ""}`;
    if (!found.has(key)) found.set(key, ref);
  };
  const services = new Set([
    ...(resolution?.mismatch?.services ?? []),
    ...(resolution?.service ? [resolution.service] : []),
    ...(context.service ? [context.service] : []),
    ...inferred,
  ]);
  for (const service of services) if (service !== main.service) add({ service });
  const teams = new Set([
    ...(resolution?.sources ?? []).flatMap((v) => (v.team ? [v.team] : [])),
    ...(resolution?.team ? [resolution.team] : []),
    ...(context.team ? [context.team] : []),
  ]);
  for (const team of teams) if (team !== main.team) add({ team });
  return [...found.values()].slice(0, 8);
}
