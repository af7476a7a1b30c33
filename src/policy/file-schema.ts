import { z } from "zod";
import { CHECK_ID, IDENTIFIER, PREDICATE } from "../../specialists/db/checks.ts";
import { patternProblem } from "../../specialists/db/patterns.ts";
import { CONFIDENCE_FLOOR } from "../domain/classifier-gate.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { POLICY_NAME, POLICY_NAME_RULE } from "./names.ts";
import { ACTIONS, AUTONOMY_LEVELS, CAPABILITIES, type Level, ROLES } from "./types.ts";

/**
 * The shape of one policy file. Strict objects throughout: a typo'd key
 * (`confidence_treshold`) is refused, never silently ignored, because an ignored
 * restriction is a loosening nobody sees.
 */

const slug = z.string().regex(POLICY_NAME, POLICY_NAME_RULE);

const slackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, "a Slack user ID (U… or W…)");
const slackGroup = z.string().regex(/^S[A-Z0-9]{2,}$/, "a Slack user-group ID (S…)");

const role = z.enum(ROLES);

const actionRule = z.strictObject({
  requires_approval: z.boolean().optional(),
  approval_expiry_minutes: z
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  approvers: z
    .array(role.exclude(["viewer"]))
    .min(1)
    .optional(),
});

const glob = z
  .string()
  .min(1)
  .refine((g) => !g.startsWith("!"), "negated globs would loosen; list only what is forbidden");

const reason = z.string().trim().min(1, "a reason is required");
const killSwitch = z.discriminatedUnion("scope", [
  z.strictObject({ scope: z.literal("global"), reason }),
  z.strictObject({ scope: z.literal("team"), value: slug, reason }),
  z.strictObject({ scope: z.literal("service"), value: slug, reason }),
  z.strictObject({ scope: z.literal("capability"), value: z.enum(CAPABILITIES), reason }),
]);

const members = z.strictObject({
  users: z.array(slackUser).optional(),
  groups: z.array(slackGroup).optional(),
});

const floor = z
  .int()
  .min(CONFIDENCE_FLOOR, `must be at least ${CONFIDENCE_FLOOR} (the floor of DESIGN.md)`)
  .max(100);
/** `delivery:` at every level; each field may only restrict what the levels above set. */
const deliveryFields = {
  autonomy: z.enum(AUTONOMY_LEVELS).optional(),
  confidence_floors: z
    .strictObject({ proposed_patch: floor.optional(), draft_pr: floor.optional() })
    .optional(),
  dry_run: z.boolean().optional(),
  max_open_prs_per_team: z.int().min(0).max(100).optional(),
  agent_timeout_seconds: z
    .int()
    .positive()
    .max(4 * 3600)
    .optional(),
  worktree: z
    .strictObject({
      max_files: z.int().positive().optional(),
      max_bytes: z.int().positive().optional(),
    })
    .optional(),
  /**
   * POST_MERGE_MONITOR's watch (seconds): how long after the merge a deploy is waited
   * for, how often it checks again, and how long after the deploy the error must stay
   * away before "resolved". The window may only shorten, the others only lengthen.
   */
  monitor: z
    .strictObject({
      window_seconds: z
        .int()
        .positive()
        .max(7 * 86_400)
        .optional(),
      recheck_seconds: z.int().positive().max(86_400).optional(),
      min_observation_seconds: z.int().positive().max(86_400).optional(),
    })
    .refine(
      (m) =>
        m.window_seconds === undefined ||
        m.recheck_seconds === undefined ||
        m.recheck_seconds <= m.window_seconds,
      { message: "recheck_seconds must not exceed window_seconds", path: ["recheck_seconds"] },
    )
    .optional(),
};
const deliveryCheck = z.strictObject({
  name: z.string().trim().min(1),
  command: z.string().trim().min(1),
  timeout_seconds: z.int().positive().max(3600),
});

const base = {
  version: z.literal(1, "version must be 1"),
  // The floor of DESIGN.md ("confidence >= 70%"): policy may raise it, never lower it.
  confidence_threshold: z
    .int()
    .min(CONFIDENCE_FLOOR, `must be at least ${CONFIDENCE_FLOOR} (the floor of DESIGN.md)`)
    .max(100)
    .optional(),
  actions: z.partialRecord(z.enum(ACTIONS), actionRule).optional(),
  forbidden_paths: z.array(glob).optional(),
  // How long after a deploy a symptom may begin and still be blamed on it (minutes).
  // Lower levels may only shorten it: a tighter window blames fewer releases.
  deploy_proximity_minutes: z
    .int()
    .positive()
    .max(24 * 60)
    .optional(),
  max_pr_size: z
    .strictObject({ lines: z.int().positive().optional(), files: z.int().positive().optional() })
    .optional(),
  specialists: z.array(slug).optional(),
  kill_switches: z.array(killSwitch).optional(),
  roles: z.partialRecord(role, members).optional(),
  delivery: z.strictObject(deliveryFields).optional(),
};

const levelFile = z.strictObject(base);

const names = z.array(z.string().min(1));
/**
 * What a service file may declare about the service itself (the service catalog,
 * src/policy/catalog.ts): where its code, errors, tickets and AWS resources are. None of
 * it is policy: it routes evidence to the right resources and never loosens anything.
 */
const catalogFields = {
  /** GitHub `owner/name`. */
  repository: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, "owner/name")
    .optional(),
  /** Sentry project slugs whose issues belong to this service. */
  sentry_projects: names.optional(),
  /** Linear teams (key or name), projects and labels whose tickets are about this service. */
  linear: z
    .strictObject({ teams: names.optional(), projects: names.optional(), labels: names.optional() })
    .optional(),
  /** AWS resources, as CloudWatch dimension values. */
  aws: z
    .strictObject({
      load_balancer: z.string().min(1).optional(),
      target_groups: names.optional(),
      cluster: z.string().min(1).optional(),
      ecs_service: z.string().min(1).optional(),
      queues: z
        .array(
          z.strictObject({
            name: z.string().min(1),
            threshold_seconds: z.int().positive().optional(),
            dead_letter_queue: z.string().min(1).optional(),
          }),
        )
        .optional(),
      databases: z
        .array(
          z.strictObject({
            identifier: z.string().min(1),
            max_connections: z.int().positive().optional(),
          }),
        )
        .optional(),
      caches: names.optional(),
      functions: names.optional(),
      log_groups: names.optional(),
      event_log_groups: names.optional(),
      /** Availability zones the service runs in (e.g. for a provider's zone incident). */
      zones: names.optional(),
    })
    .optional(),
};
/**
 * The db specialist's data checks a service declares (`data_checks:`): its tables, ids
 * and symptom words are data, so they live with the service, never in code. Identifiers
 * are plain lower-case SQL names, patterns are bounded (specialists/db/patterns.ts).
 */
const pattern = z.string().superRefine((p, ctx) => {
  const problem = patternProblem(p);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const identifier = z.string().regex(IDENTIFIER, "a plain lower-case SQL identifier");
const checkBase = {
  id: z.string().regex(CHECK_ID, "a kebab-case check id"),
  /** Regular expressions (case-insensitive) the ticket's text must match for it to run. */
  symptoms: z.array(pattern).min(1, "at least one symptom pattern"),
};
const dataCheck = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("derived_counter"),
    ...checkBase,
    table: identifier,
    key: identifier,
    counter: identifier,
    source: z.strictObject({
      table: identifier,
      key: identifier,
      where: z.string().regex(PREDICATE, "a simple predicate").optional(),
      changed_column: identifier.optional(),
    }),
    subject: z.string().trim().min(1),
    entity: pattern.optional(),
  }),
  z.strictObject({
    kind: z.literal("null_precondition"),
    ...checkBase,
    table: identifier,
    column: identifier,
    created_column: identifier,
    lookback_hours: z
      .int()
      .positive()
      .max(24 * 30),
  }),
  z.strictObject({
    kind: z.literal("aggregate"),
    ...checkBase,
    sql: z.string().trim().min(1),
    describes: z.string().trim().min(1),
  }),
]);
const dataChecks = z.array(dataCheck).superRefine((checks, ctx) => {
  const seen = new Set<string>();
  checks.forEach((c, i) => {
    if (seen.has(c.id)) {
      ctx.addIssue({ code: "custom", path: [i, "id"], message: `duplicate check id '${c.id}'` });
    }
    seen.add(c.id);
  });
});
export type DataCheckFields = z.infer<typeof dataCheck>;

/** A service file names the team that owns the service, and may describe the service. */
const serviceFile = z.strictObject({
  ...base,
  // A service also declares its checks: what VERIFY runs on prode's change.
  delivery: z
    .strictObject({ ...deliveryFields, checks: z.array(deliveryCheck).optional() })
    .optional(),
  team: slug,
  ...catalogFields,
  data_checks: dataChecks.optional(),
});
export type ServiceCatalogFields = Partial<z.infer<z.ZodObject<typeof catalogFields>>> & {
  data_checks?: DataCheckFields[];
};

export type PolicyFile = z.infer<typeof levelFile> & {
  team?: string;
  delivery?: { checks?: z.infer<typeof deliveryCheck>[] };
};
export type PolicyFileKillSwitch = z.infer<typeof killSwitch>;

function describeIssue(issue: z.core.$ZodIssue): string {
  const where =
    issue.path.length === 0
      ? "(top level)"
      : issue.path
          .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
          .join("");
  if (issue.code === "unrecognized_keys") {
    return `${where}: unknown field ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
  }
  return `${where}: ${issue.message}`;
}

/** Validates a parsed YAML document; a malformed one → PolicyInvalid naming file and field. */
export function parsePolicyFile(source: string, level: Level, doc: unknown): PolicyFile {
  const schema = level === "service" ? serviceFile : levelFile;
  const result = schema.safeParse(doc ?? {});
  if (!result.success) {
    const detail = result.error.issues.map(describeIssue).join("; ");
    throw new AppError(ErrorCode.PolicyInvalid, `${source}: ${detail}`);
  }
  return result.data;
}
