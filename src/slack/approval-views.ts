import type {
  ApprovalActionView,
  ApprovalDecidedView,
  ApprovalDecisionView,
  ApprovalRequestView,
  PendingApprovalView,
  TicketView,
} from "../../blocks/view-models.ts";
import type { ApprovalRow } from "../approvals/create.ts";
import { parseRequester } from "../domain/run-starter.ts";

/**
 * Approval rows as the approval renderers want them. The row stores the exact action
 * (`detail`, digested), free-text risk and rollback, and a scope map that may carry
 * `summary`, `kind` (sql | command | text) and `target`.
 */

type RiskLevel = ApprovalRequestView["risk"]["level"];

/** Actions that change production directly are high risk unless the request says otherwise. */
const DEFAULT_RISK: Record<string, RiskLevel> = {
  production_write: "high",
  deploy_risk_change: "high",
  kill_switch_change: "high",
  pr_merge: "medium",
};

/** "high: touches 611 rows" → level high, notes "touches 611 rows". */
export function riskView(action: string, risk: string): ApprovalRequestView["risk"] {
  const match = /^\s*(low|medium|high|critical)\b[\s:—–-]*(.*)$/is.exec(risk);
  if (match) {
    const notes = (match[2] ?? "").trim();
    return { level: match[1]!.toLowerCase() as RiskLevel, ...(notes ? { notes } : {}) };
  }
  const level = DEFAULT_RISK[action] ?? "medium";
  return { level, ...(risk.trim() ? { notes: risk.trim() } : {}) };
}

function actionKind(row: ApprovalRow): ApprovalActionView["kind"] {
  const declared = row.scope.kind;
  if (declared === "sql" || declared === "command" || declared === "text") return declared;
  if (/^\s*(update|insert|delete|with|alter|create|drop|truncate|merge)\b/i.test(row.detail)) {
    return "sql";
  }
  return row.action === "production_write" ? "sql" : "text";
}

/** A comment line of SQL or a shell command: never a title (it is prose about the action). */
const COMMENT_LINE = /^(--|#|\/\/|\/\*)/;

/** The action in words when the request gave none: its class, its table, its first statement. */
function defaultSummary(row: ApprovalRow): string {
  const first =
    row.detail
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "" && !COMMENT_LINE.test(l)) ?? "";
  const what = `${row.action.replace(/_/g, " ")}${row.scope.table ? ` on ${row.scope.table}` : ""}`;
  return first.length > 0 && first.length <= 120 ? `${what}: ${first}` : what;
}

/**
 * Who asked, for people: a Slack user by name (or id; never a mention, no ping), a
 * Linear user by the name Linear gave, "prode (no human started this run)" otherwise.
 */
export function requesterName(
  requester: string,
  names?: ReadonlyMap<string, string>,
  linearName?: string,
): string {
  const who = parseRequester(requester);
  switch (who.kind) {
    case "slack":
      return names?.get(who.userId) ?? who.userId;
    case "linear":
      return `${linearName ?? "a Linear user"} (Linear)`;
    default:
      return "prode (no human started this run)";
  }
}

export function approvalRequestView(
  row: ApprovalRow,
  ticket: TicketView,
  names?: ReadonlyMap<string, string>,
): ApprovalRequestView {
  const risk = riskView(row.action, row.risk);
  return {
    approvalId: row.id,
    runId: row.runId,
    ticket,
    action: {
      summary: row.scope.summary ?? defaultSummary(row),
      kind: actionKind(row),
      body: row.detail,
      actionClass: row.action,
      ...(row.scope.target ? { target: row.scope.target } : {}),
    },
    digest: row.digest,
    risk,
    rollback: row.rollback || "none stated",
    requestedBy: requesterName(row.requester, names, row.scope.requesterName),
    requestedAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
  };
}

/** The decision a row records, or null while it is pending (and unexpired at `now`). */
export function decisionOf(
  row: ApprovalRow,
  now: Date,
  names?: ReadonlyMap<string, string>,
): ApprovalDecisionView | null {
  const by = row.approver ? (names?.get(row.approver) ?? row.approver) : "unknown";
  const at = (row.decidedAt ?? now).toISOString();
  switch (row.status) {
    case "approved":
    case "consumed":
      return { kind: "approved", by, at };
    case "rejected":
      return { kind: "rejected", by, at, ...(row.reason ? { reason: row.reason } : {}) };
    case "expired":
      return { kind: "expired", at: row.expiresAt.toISOString() };
    default:
      return row.expiresAt.getTime() <= now.getTime()
        ? { kind: "expired", at: row.expiresAt.toISOString() }
        : null;
  }
}

export function approvalDecidedView(
  row: ApprovalRow,
  ticket: TicketView,
  decision: ApprovalDecisionView,
  names?: ReadonlyMap<string, string>,
): ApprovalDecidedView {
  return { ...approvalRequestView(row, ticket, names), decision };
}

export function pendingApprovalView(
  row: ApprovalRow,
  ticket: TicketView,
  messageUrl?: string,
): PendingApprovalView {
  const request = approvalRequestView(row, ticket);
  return {
    approvalId: row.id,
    runId: row.runId,
    ticket,
    summary: request.action.summary,
    risk: request.risk.level,
    requestedBy: request.requestedBy,
    expiresAt: request.expiresAt,
    ...(messageUrl ? { messageUrl } : {}),
  };
}
