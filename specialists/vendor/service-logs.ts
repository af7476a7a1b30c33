import { type EvidenceCollector, settle } from "../shared/collector.ts";
import type { SpecialistInput } from "../types.ts";
import { insightsTimeMs, type LogLine } from "./egress-control.ts";

/**
 * The service's own log lines the vendor specialist reads: the last hour's error lines of
 * its log groups, and the window and size every other log read of the specialist shares.
 */

type Ref = ReturnType<EvidenceCollector["source"]>;

export const LOG_WINDOW_MS = 60 * 60_000;
export const LOG_LINES = 100;
/** Error-looking lines of the service's own log groups (the catalog's), newest first. */
const ERROR_LINES_QUERY =
  "fields @timestamp, @message | filter @message like /[Ee]rror|ERROR|[Ff]ail|FAIL|[Tt]imeout|timed out|TIMEDOUT|[Ee]xception|refused|REFUSED|ECONNRESET|[Uu]navailable|\\b5\\d\\d\\b|\\b429\\b/ | sort @timestamp desc";

const MAX_DISCOVERED_GROUPS = 10;

/**
 * The log groups to read: the resolved service's catalogued ones, else the ECS convention
 * `/ecs/<service>`; only when no service was resolved, the account's ECS application
 * groups (there is then no other service to avoid).
 */
async function logGroupsFor(
  input: SpecialistInput,
  cloudwatch: NonNullable<SpecialistInput["tools"]["cloudwatch"]>,
  signal: AbortSignal,
): Promise<string[]> {
  const declared = input.ticket.awsResources?.logGroups ?? [];
  if (declared.length > 0) return declared;
  if (input.ticket.service) return [`/ecs/${input.ticket.service}`];
  const listed = await settle(() => cloudwatch.listLogGroups("/ecs/"), signal);
  return listed.ok ? listed.value.slice(0, MAX_DISCOVERED_GROUPS) : [];
}

/**
 * The last hour's error lines of the service's own log groups ({@link logGroupsFor}),
 * never another service's. None without CloudWatch.
 */
export async function errorLogLines(
  ev: EvidenceCollector,
  input: SpecialistInput,
  signal: AbortSignal,
): Promise<ServiceLogLines | undefined> {
  const cloudwatch = input.tools.cloudwatch;
  if (!cloudwatch) return undefined;
  const groups = await logGroupsFor(input, cloudwatch, signal);
  if (groups.length === 0) return undefined;
  const result = await settle(
    () =>
      cloudwatch.queryLogs({
        logGroupNames: groups,
        query: ERROR_LINES_QUERY,
        start: new Date(input.now.getTime() - LOG_WINDOW_MS),
        end: input.now,
        limit: LOG_LINES,
      }),
    signal,
  );
  if (!result.ok) {
    ev.gap({
      what: `error log lines of ${groups.join(", ")} unavailable (${result.error.code}): vendor marks in logs not checked`,
      confidenceImpact: 0,
    });
    return undefined;
  }
  const ref = ev.source({ kind: "cloudwatch_logs", ref: `cloudwatch_logs:${groups.join(",")}` });
  return { ref, groups, lines: result.value.map(logLine) };
}

/** The error lines read, where from, and the source to cite them by. */
export interface ServiceLogLines {
  ref: Ref;
  groups: string[];
  lines: LogLine[];
}

/** A Logs Insights row as a dated line. */
export function logLine(row: Record<string, string>): LogLine {
  const at = insightsTimeMs(row["@timestamp"]);
  return {
    ...(at !== undefined ? { at } : {}),
    text: row["@message"] ?? Object.values(row).join(" "),
  };
}
