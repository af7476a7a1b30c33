import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { AppError, ErrorCode } from "../domain/errors.ts";

/**
 * The only reader of process.env. One zod parse at boot, so a typo'd value fails fast
 * with one line naming the variable. Integrations are optional: an absent one is
 * reported as missing (it feeds the tool inventory), never fatal.
 */

// The AWS SDK warns on every start that releases after January 2027 need Node 22. prode
// runs on Node 20.19+ today; the README says so, and the notice only clutters the demo.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** A secret that prints as ********** in logs, JSON and inspection. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "**********";
  }
  toJSON(): string {
    return "**********";
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "**********";
  }
}

const secret = z
  .string()
  .min(1)
  .transform((v) => new Secret(v));
const optionalString = z.string().min(1).optional();
const url = z.url();
const durationMs = z.coerce.number().int().positive();

/**
 * Phase jobs one worker process runs at once. 32 carried a 200-ticket storm 1.4–1.7 times
 * faster on 2 cores, but would send vendors, Slack and Linear four times the calls at
 * once; it waits for a bound on each integration (ADR 0012).
 */
export const DEFAULT_WORKER_CONCURRENCY = 8;

const coreSchema = z.object({
  DATABASE_URL: url.optional(),
  PRODE_DATA_DIR: z.string().min(1).default(".prode/data"),
  REDIS_URL: url.optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Port of `prode worker`'s own /healthz, /readyz and /metrics (0 = any free port). */
  PRODE_WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(9091),
  /**
   * How long a SIGTERM'd process may take to stop (phases finish or release their
   * leases) before it exits anyway, whatever Redis and Postgres are doing. Keep it under
   * the supervisor's kill timeout (fly.toml kill_timeout).
   */
  PRODE_SHUTDOWN_GRACE_MS: durationMs.default(20_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PRODE_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, _ or - (BullMQ ids may not contain ':')")
    .default("prode"),
  PRODE_WORKER_ID: optionalString,
  PRODE_WORKER_CONCURRENCY: z.coerce.number().int().positive().default(DEFAULT_WORKER_CONCURRENCY),
  PRODE_LEASE_MS: durationMs.default(30_000),
  PRODE_HEARTBEAT_MS: durationMs.default(5_000),
  PRODE_RECONCILE_MS: durationMs.default(15_000),
  /**
   * How often the reconciler reads the PR of each run waiting in AWAIT_HUMAN_REVIEW (GitHub
   * never redelivers a lost webhook; a PR merged or closed by hand is found this way).
   */
  PRODE_PR_POLL_MS: durationMs.default(120_000),
  /**
   * BullMQ's lock on a running step's job (renewed every half of it) and the interval of
   * the stalled-job check: a worker that died holding a step (SIGKILL, a lost machine)
   * has it redelivered to another worker within about two of these.
   */
  PRODE_JOB_LOCK_MS: durationMs.default(30_000),
  /**
   * `prode dev` only: prode's clock runs this many milliseconds off the wall clock, so it
   * reads the simulated world's time (`prode sim --env` prints it). The demo and the
   * end-to-end harness hand prode the world's clock the same way (startProde's `now`).
   */
  PRODE_CLOCK_OFFSET_MS: z.coerce.number().int().optional(),
  PRODE_POLICY_DIR: z.string().min(1).default("policy"),
  PRODE_WIKI_DIR: z.string().min(1).default("wiki"),
  PRODE_TRIGGER_LABELS: z.string().min(1).default("prode,sentry-issue"),
  /** Vendor status pages the vendor specialist reads: "stripe=https://status.stripe.com,…". */
  PRODE_VENDOR_STATUS: z
    .string()
    .regex(
      /^[a-z0-9-]+=https?:\/\/[^,\s]+(,[a-z0-9-]+=https?:\/\/[^,\s]+)*$/,
      "vendor=url pairs separated by commas",
    )
    .optional(),
  /**
   * How evidence implicates each vendor of PRODE_VENDOR_STATUS, as JSON (all optional):
   * {"<vendor>": {"hosts": ["<domain>"], "errorTypes": ["<regex>"], "requestIds": ["<regex>"],
   * "kind": "vendor" | "cloud"}}. Without hosts or error types a vendor is recognised by
   * its own name as a host label, error-type prefix or SDK package; `cloud` marks a cloud
   * provider's status source, whose incidents are matched to our region and zones.
   */
  PRODE_VENDOR_MATCH: z
    .string()
    .transform((text, ctx) => {
      const parsed = vendorMatchSchema.safeParse(safeJson(text));
      if (parsed.success) return parsed.data;
      ctx.addIssue({
        code: "custom",
        message:
          'a JSON object of vendor → {hosts?, errorTypes?, requestIds?, kind?}, e.g. {"acme-pay":{"hosts":["acmepay.example"]}}',
      });
      return z.NEVER;
    })
    .optional(),
  /**
   * Deployment identifier shapes the redactor removes at every egress, as JSON:
   * {"customer_id": "cus_[A-Za-z0-9]{14}", "kyc_ref": "KYC-\\d{8}"}.
   */
  PRODE_REDACT_PATTERNS: z
    .string()
    .transform((text, ctx) => {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
          const entries = Object.entries(parsed as Record<string, unknown>);
          if (
            entries.every(([k, v]) => /^[a-z][a-z0-9_]{0,39}$/.test(k) && typeof v === "string")
          ) {
            return entries.map(([category, pattern]) => ({ category, pattern: pattern as string }));
          }
        }
      } catch {}
      ctx.addIssue({
        code: "custom",
        message:
          'a JSON object of snake_case category → regex, e.g. {"customer_id":"cus_[A-Za-z0-9]{14}"}',
      });
      return z.NEVER;
    })
    .optional(),
  /** How often the poller looks for labelled tickets the webhooks missed (0 = off). */
  PRODE_POLL_MS: z.coerce.number().int().min(0).default(300_000),
  /**
   * How long a run's step waits out a provider that is throttling or down (Retry-After
   * honoured, backoff from PRODE_PROVIDER_BACKOFF_MS up to PRODE_PROVIDER_BACKOFF_MAX_MS)
   * before the run fails; its handoff is still written once the provider is back.
   * Minutes; fractions allowed (docs/runbooks/provider-storms.md).
   */
  PRODE_PROVIDER_OUTAGE_MAX_MINUTES: z.coerce
    .number()
    .positive()
    .max(24 * 60)
    .default(30),
  PRODE_PROVIDER_BACKOFF_MS: durationMs.default(2_000),
  PRODE_PROVIDER_BACKOFF_MAX_MS: durationMs.default(120_000),
  /** Requests per minute one source may make to one HTTP route (docs/runbooks/security.md). */
  PRODE_HTTP_RATE_PER_SOURCE: z.coerce.number().int().positive().default(1_200),
  /** Requests per minute one HTTP route accepts from all sources together. */
  PRODE_HTTP_RATE_PER_ROUTE: z.coerce.number().int().positive().default(6_000),
  /** The trusted proxy's client-address header (e.g. fly-client-ip) rate limits key on. */
  PRODE_CLIENT_IP_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, "an HTTP header name")
    .optional(),
  /**
   * Sentry for prode's own errors (src/observability/sentry.ts); unset = nothing loaded,
   * no network. A secret: its key lets anyone post events to the project.
   */
  PRODE_SENTRY_DSN: url.transform((v) => new Secret(v)).optional(),
  PRODE_SENTRY_ENVIRONMENT: optionalString,
  /**
   * OpenTelemetry traces over OTLP/HTTP (src/observability/tracing.ts); unset = the SDK is
   * not loaded. The exporter reads the other OTEL_* variables (headers, service name) itself.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
});

const regexSource = z.string().refine((source) => {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}, "a valid regular expression");

const vendorMatchSchema = z.record(
  z.string().regex(/^[a-z0-9-]+$/),
  z.strictObject({
    hosts: z.array(z.string().regex(/^[A-Za-z0-9.-]+$/, "a domain")).default([]),
    errorTypes: z.array(regexSource).default([]),
    requestIds: z.array(regexSource).default([]),
    kind: z.enum(["vendor", "cloud"]).default("vendor"),
  }),
);
export type VendorMatchConfig = z.output<typeof vendorMatchSchema>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const slackSchema = z.object({
  SLACK_BOT_TOKEN: secret,
  SLACK_SIGNING_SECRET: secret,
  SLACK_APP_TOKEN: secret.optional(),
  SLACK_INCIDENT_CHANNEL: z.string().min(1),
  SLACK_API_URL: url.optional(),
});
const linearSchema = z.object({
  LINEAR_API_KEY: secret,
  LINEAR_WEBHOOK_SECRET: secret.optional(),
  LINEAR_API_URL: url.optional(),
});
const githubSchema = z.object({
  GITHUB_APP_ID: z.string().min(1),
  GITHUB_PRIVATE_KEY: secret,
  GITHUB_INSTALLATION_ID: z.coerce.number().int().positive(),
  GITHUB_REPOSITORY: z.string().regex(/^[\w.-]+\/[\w.-]+$/, "owner/name"),
  GITHUB_WEBHOOK_SECRET: secret.optional(),
  GITHUB_API_URL: url.optional(),
});
const sentrySchema = z.object({
  SENTRY_AUTH_TOKEN: secret,
  SENTRY_ORG: z.string().min(1),
  SENTRY_API_URL: url.default("https://sentry.io"),
});
const awsSchema = z.object({
  AWS_REGION: z.string().min(1),
  AWS_ACCESS_KEY_ID: secret,
  AWS_SECRET_ACCESS_KEY: secret,
  /** With temporary credentials (an assumed role, SSO): the session token that goes with them. */
  AWS_SESSION_TOKEN: secret.optional(),
  AWS_EXPECTED_ACCOUNT_ID: z
    .string()
    .regex(/^\d{12}$/, "a 12-digit AWS account id")
    .optional(),
  AWS_ENDPOINT_URL: url.optional(),
});
const replicaSchema = z.object({
  REPLICA_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "a postgres:// connection string")
    .transform((v) => new Secret(v)),
  REPLICA_STATEMENT_TIMEOUT_MS: durationMs.default(5_000),
  REPLICA_ROW_CAP: z.coerce.number().int().positive().default(200),
  // Byte caps and the EXPLAIN cost and row ceilings of the replica reader (src/safety/replica-limits.ts).
  REPLICA_MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  REPLICA_MAX_CELL_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(8 * 1024),
  REPLICA_MAX_PLAN_COST: z.coerce.number().positive().default(1_000_000),
  REPLICA_MAX_PLAN_ROWS: z.coerce.number().positive().default(100_000_000),
});

/**
 * Delivery (worktree → coding agent → checks → draft PR): on when a coding-agent command
 * is configured. The command is a template run without a shell in the run's worktree:
 * `{brief}` is the brief file, `{worktree}` the repository, `{run}` the run id.
 */
const deliverySchema = z.object({
  PRODE_AGENT_COMMAND: z.string().trim().min(1),
  /** Reported in each PR's provenance, e.g. the agent CLI's version. */
  PRODE_AGENT_VERSION: z.string().trim().min(1).optional(),
  /** An optional reviewer run on the diff in REVIEW (same template rules). */
  PRODE_REVIEWER_COMMAND: z.string().trim().min(1).optional(),
  /** Where run worktrees live; each run gets `<dir>/<run id>`, removed when it stops. */
  PRODE_WORKTREE_DIR: z.string().min(1).default(join(tmpdir(), "prode-worktrees")),
  /** The skill handed to the agent with the brief (DESIGN.md, "Delivery"). */
  PRODE_SKILL_FILE: z.string().min(1).default(".agents/skills/prode-triage/SKILL.md"),
  /**
   * The OS sandbox around the coding agent, the checks and the reviewer
   * (src/delivery/sandbox.ts): `required` never runs them without one (IMPLEMENT and VERIFY
   * stop with a handoff instead), `auto` runs them unsandboxed where none can be built,
   * `off` never sandboxes. docs/deploy.md says what the worker needs.
   */
  PRODE_AGENT_SANDBOX: z.enum(["required", "auto", "off"]).default("required"),
  /** Dry run everywhere: every mutation is shown as "would have …" and none is made. */
  PRODE_DRY_RUN: z
    .enum(["0", "1", "true", "false"])
    .default("0")
    .transform((v) => v === "1" || v === "true"),
});

/** Each optional integration: the variables that switch it on, and its schema. */
const integrations = {
  slack: { trigger: ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"], schema: slackSchema },
  linear: { trigger: ["LINEAR_API_KEY"], schema: linearSchema },
  github: { trigger: ["GITHUB_APP_ID", "GITHUB_PRIVATE_KEY"], schema: githubSchema },
  sentry: { trigger: ["SENTRY_AUTH_TOKEN"], schema: sentrySchema },
  aws: { trigger: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"], schema: awsSchema },
  replica: { trigger: ["REPLICA_DATABASE_URL"], schema: replicaSchema },
  delivery: { trigger: ["PRODE_AGENT_COMMAND"], schema: deliverySchema },
} as const;

type IntegrationName = keyof typeof integrations;
const INTEGRATION_NAMES = Object.keys(integrations) as IntegrationName[];

type CoreConfig = z.infer<typeof coreSchema>;
export interface Config extends CoreConfig {
  slack?: z.infer<typeof slackSchema>;
  linear?: z.infer<typeof linearSchema>;
  github?: z.infer<typeof githubSchema>;
  sentry?: z.infer<typeof sentrySchema>;
  aws?: z.infer<typeof awsSchema>;
  replica?: z.infer<typeof replicaSchema>;
  delivery?: z.infer<typeof deliverySchema>;
  /** Integrations with none of their variables set: reported, not fatal. */
  missing: IntegrationName[];
  triggerLabels: string[];
  vendorStatus: Record<string, string>;
}

function firstIssue(error: z.ZodError, env: Record<string, string | undefined>): string {
  const issue = error.issues[0];
  const name = String(issue?.path[0] ?? "environment");
  const present = env[name] !== undefined && env[name] !== "";
  const expected = issue?.message ?? "a valid value";
  return present
    ? `${name} is malformed: expected ${expected}`
    : `${name} is required: expected ${expected}`;
}

function parseOrThrow<T extends z.ZodType>(
  schema: T,
  env: Record<string, string | undefined>,
): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) throw new AppError(ErrorCode.ConfigInvalid, firstIssue(result.error, env));
  return result.data;
}

/** Empty strings count as unset, as most deploy tools write them for "not configured". */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const clean = withoutEmpty(env);
  const core = parseOrThrow(coreSchema, clean);
  // A step may start on a lease handed to it with half its time left (ADR 0010): the
  // first heartbeat must come well before that half runs out.
  if (core.PRODE_HEARTBEAT_MS * 4 > core.PRODE_LEASE_MS) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `PRODE_HEARTBEAT_MS is malformed: expected at most a quarter of PRODE_LEASE_MS (${core.PRODE_LEASE_MS} ms), got ${core.PRODE_HEARTBEAT_MS} ms`,
    );
  }
  const config: Config = {
    ...core,
    missing: [],
    triggerLabels: core.PRODE_TRIGGER_LABELS.split(",")
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean),
    vendorStatus: Object.fromEntries(
      (core.PRODE_VENDOR_STATUS ?? "")
        .split(",")
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
    ),
  };
  for (const name of INTEGRATION_NAMES) {
    const { trigger, schema } = integrations[name];
    if (!trigger.some((key) => clean[key] !== undefined)) {
      config.missing.push(name);
      continue;
    }
    // Partly configured is a mistake worth failing on: name the variable that is missing.
    (config as unknown as Record<string, unknown>)[name] = parseOrThrow(schema, clean);
  }
  return config;
}
