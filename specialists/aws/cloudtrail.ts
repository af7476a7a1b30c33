import type { EvidenceCollector, SourceRef } from "../shared/collector.ts";
import type { CheckContext } from "./checks.ts";
import type { Resource } from "./resources.ts";

/**
 * Operational changes at the onset, from CloudTrail: many accounts deliver their trail's
 * management events to a CloudWatch Logs group (the console's default names it
 * `aws-cloudtrail-logs-…`; others use `/aws/cloudtrail/…` or `CloudTrail/DefaultLogGroup`).
 * A secret updated, a task definition registered, a service force-redeployed, a database
 * modified: none of them is a release, and without them a crash loop that began at a
 * configuration change reads as capacity. Read-only: DescribeLogGroups and one Logs
 * Insights query per group, under the run's deadline.
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html
 */

/** One management event that changed something of the run's service. */
export interface ManagementChange {
  at: string;
  /** `secretsmanager.PutSecretValue`. */
  event: string;
  change: "config" | "infra" | "scaling" | "deploy";
  /** The resource the request named that carries one of the run's names (a secret's path, a service). */
  target: string;
  /** Who made it, without the person: `AssumedRole <role-name>`, `IAMUser`. */
  actor: string;
}

/** DescribeLogGroups patterns are case-sensitive substrings: both spellings in use. */
const GROUP_PATTERNS = ["cloudtrail", "CloudTrail"];
const MAX_GROUPS = 2;
const LOG_ROWS = 200;
/** Changes are read over the release window before the onset (classifier-features.ts). */
const LOOKBACK_MINUTES = 180;
const MAX_SIGNALS = 10;
const MINUTE = 60_000;
/** A name shorter than this matches too much of an account's request parameters. */
const MIN_NAME_LENGTH = 4;
/** A name or an ARN: what a finding may quote of a request's parameters. */
const IDENTIFIER = /^[\w\-./:@+=,]{1,200}$/;

/**
 * Management events that change what a service runs, by `source.eventName`, and the kind
 * of change each is. Reads (Get/Describe/List) and anything not listed are ignored.
 */
const CHANGE_EVENTS: { pattern: RegExp; change: ManagementChange["change"] }[] = [
  { pattern: /^ecs\.UpdateService$/, change: "config" },
  { pattern: /^ecs\.(RegisterTaskDefinition|UpdateServicePrimaryTaskSet)$/, change: "config" },
  {
    pattern:
      /^secretsmanager\.(PutSecretValue|UpdateSecret|RotateSecret|UpdateSecretVersionStage)$/,
    change: "config",
  },
  { pattern: /^ssm\.(PutParameter|DeleteParameters?)$/, change: "config" },
  { pattern: /^appconfig\.StartDeployment$/, change: "config" },
  { pattern: /^lambda\.(UpdateFunctionConfiguration|PutFunctionConcurrency)/, change: "config" },
  { pattern: /^lambda\.UpdateFunctionCode/, change: "deploy" },
  {
    pattern: /^elasticloadbalancing\.(Modify|CreateRule|DeleteRule|SetRulePriorities)/,
    change: "config",
  },
  {
    pattern: /^ec2\.(AuthorizeSecurityGroup|RevokeSecurityGroup|ModifySecurityGroupRules)/,
    change: "config",
  },
  { pattern: /^rds\.(Modify|Reboot|Failover|ApplyPendingMaintenance)/, change: "infra" },
  { pattern: /^elasticache\.(Modify|Reboot|TestFailover)/, change: "infra" },
  { pattern: /^sqs\.SetQueueAttributes$/, change: "config" },
  {
    pattern:
      /^(autoscaling\.(UpdateAutoScalingGroup|SetDesiredCapacity|PutScalingPolicy)|application-autoscaling\.(RegisterScalableTarget|PutScalingPolicy))$/,
    change: "scaling",
  },
];

/** ECS UpdateService that only sets the desired count scales; one that redeploys changes config. */
function kindOf(
  event: string,
  params: Record<string, unknown>,
): ManagementChange["change"] | undefined {
  const kind = CHANGE_EVENTS.find((c) => c.pattern.test(event))?.change;
  if (event === "ecs.UpdateService") {
    const redeploys = params.taskDefinition !== undefined || params.forceNewDeployment === true;
    return redeploys ? "config" : params.desiredCount !== undefined ? "scaling" : "config";
  }
  return kind;
}

/** Every string in a request's parameters, however nested. */
function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, out);
  else if (value && typeof value === "object")
    for (const v of Object.values(value)) stringsOf(v, out);
  return out;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
/** `name` as a whole token: not inside a longer word (`api` is not in `rapid`). */
const tokenOf = (name: string) =>
  new RegExp(`(?:^|[^A-Za-z0-9])${escapeRegex(name)}(?:$|[^A-Za-z0-9])`);

/**
 * The caller, without the person: the identity type and, for an assumed role, the role's
 * name (a session name is often a person's; an account id is not needed).
 */
export function actorOf(identity: unknown): string {
  const id = (identity ?? {}) as { type?: unknown; arn?: unknown; invokedBy?: unknown };
  const type = typeof id.type === "string" ? id.type : "unknown caller";
  if (typeof id.invokedBy === "string") return `${type} via ${id.invokedBy}`;
  const role =
    typeof id.arn === "string" ? /:assumed-role\/([^/]+)\//.exec(id.arn)?.[1] : undefined;
  return role ? `${type} ${role}` : type;
}

/**
 * The management events among `rows` (Logs Insights rows of a CloudTrail group) that
 * changed something and name one of `names` in their request parameters, oldest first.
 */
export function changesOf(
  rows: Record<string, string>[],
  names: readonly string[],
): ManagementChange[] {
  const tokens = names
    .filter((n) => n.length >= MIN_NAME_LENGTH)
    .map((n) => ({ n, re: tokenOf(n) }));
  const out: ManagementChange[] = [];
  for (const row of rows) {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(row["@message"] ?? "") as Record<string, unknown>;
    } catch {
      continue;
    }
    const source = String(record.eventSource ?? "").replace(/\.amazonaws\.com$/, "");
    const event = `${source}.${String(record.eventName ?? "")}`;
    const params = (record.requestParameters ?? {}) as Record<string, unknown>;
    const change = kindOf(event, params);
    if (change === undefined || record.errorCode !== undefined) continue;
    const values = stringsOf(params);
    const hit = tokens.find((t) => values.some((v) => t.re.test(v)));
    if (hit === undefined) continue;
    // The resource as the request named it (`prod/<svc>/database`), when it reads as an
    // identifier; else the run's own name (a value may be free text).
    const named = values.find((v) => hit.re.test(v) && IDENTIFIER.test(v));
    const target = named ?? hit.n;
    const at = typeof record.eventTime === "string" ? record.eventTime : toIso(row["@timestamp"]);
    if (at === undefined) continue;
    out.push({ at, event, change, target, actor: actorOf(record.userIdentity) });
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

/** Logs Insights prints `2027-01-14 10:02:03.000` (UTC, no zone). */
function toIso(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(" ", "T")}Z`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** The names a management event of the run's service would carry: the service and its resources' (not a shared cluster's). */
export function namesOf(service: string | undefined, resources: readonly Resource[]): string[] {
  const names = new Set<string>(service ? [service] : []);
  for (const r of resources) {
    for (const [key, value] of Object.entries(r.dims)) if (key !== "ClusterName") names.add(value);
  }
  return [...names].filter((n) => n.length >= MIN_NAME_LENGTH);
}

export interface CloudTrailInput {
  ctx: CheckContext;
  names: string[];
  /** The symptom's onset, when dated: changes are dated against it. */
  onset: string | undefined;
  /** The service the signals are about, when known. */
  service: string | undefined;
  run: (
    checks: { what: string; confidenceImpact: number; run: () => Promise<void> }[],
  ) => Promise<unknown>;
}

const hhmm = (iso: string) => iso.slice(11, 16);

/** Reads the account's CloudTrail log groups and emits the changes that touch the run's names. */
export async function readCloudTrail(input: CloudTrailInput): Promise<void> {
  const { ctx, names, onset, service, run } = input;
  if (names.length === 0) return;
  const groups = new Set<string>();
  await run(
    GROUP_PATTERNS.map((pattern) => ({
      what: `CloudTrail log groups (${pattern})`,
      confidenceImpact: 0,
      run: async () => {
        for (const g of await ctx.cloudwatch.listLogGroups(pattern)) {
          if (/cloudtrail/i.test(g)) groups.add(g);
        }
      },
    })),
  );
  if (groups.size === 0) return;
  const to = onset ? Date.parse(onset) : ctx.now.getTime();
  const query = [
    "fields @timestamp, @message",
    `filter @message like /${names.map(escapeRegex).join("|")}/`,
    "sort @timestamp asc",
    `limit ${LOG_ROWS}`,
  ].join(" | ");
  await run(
    [...groups].slice(0, MAX_GROUPS).map((group) => ({
      what: `management events in ${group}`,
      confidenceImpact: 0,
      run: async () => {
        const rows = await ctx.cloudwatch.queryLogs({
          logGroupNames: [group],
          query,
          start: new Date(to - LOOKBACK_MINUTES * MINUTE),
          end: ctx.now,
          limit: LOG_ROWS,
        });
        const source = ctx.ev.source({
          kind: "cloudwatch_logs",
          ref: `cloudwatch_logs:${group}`,
          fetchedAt: ctx.clock(),
        });
        emitChanges(ctx.ev, source, group, changesOf(rows, names), { onset, service });
      },
    })),
  );
}

/** Each change as a `change_event` dated against the onset, and a finding citing the group. */
export function emitChanges(
  ev: EvidenceCollector,
  source: SourceRef,
  group: string,
  changes: ManagementChange[],
  at: { onset: string | undefined; service: string | undefined },
): void {
  if (changes.length === 0) {
    ev.finding({
      fact: `no management event in ${group} changed this service's resources in the window`,
      source,
    });
    return;
  }
  const minutesBefore = (iso: string) =>
    at.onset ? Math.round((Date.parse(at.onset) - Date.parse(iso)) / 6_000) / 10 : undefined;
  for (const c of changes.slice(-MAX_SIGNALS)) {
    const before = minutesBefore(c.at);
    ev.signal({
      source,
      kind: "change_event",
      change: c.change,
      ref: `${c.event}:${c.target}`,
      ...(at.service ? { service: at.service } : {}),
      resource: c.target,
      at: c.at,
      ...(before !== undefined ? { minutesBeforeOnset: before } : {}),
    });
    const when =
      before === undefined
        ? ""
        : before >= 0
          ? `, ${before} min before the onset`
          : `, ${-before} min after the onset`;
    ev.finding({
      fact: `${c.event} on ${c.target} by ${c.actor} at ${hhmm(c.at)}${when} (${c.change} change, CloudTrail ${group})`,
      source,
      observedAt: c.at,
    });
  }
}
