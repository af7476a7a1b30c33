import { describe, expect, it } from "vitest";
import { renderApprovalRequest } from "../../blocks/approval-request.ts";
import { assertWithinSlackLimits } from "../../blocks/validate.ts";
import { type ApprovalRow, approvalDigest } from "../approvals/create.ts";
import { approvalRequestView, decisionOf, riskView } from "./approval-views.ts";

const now = new Date("2026-11-18T14:00:00Z");

function row(overrides: Partial<ApprovalRow> = {}): ApprovalRow {
  const detail = overrides.detail ?? "UPDATE step_counts SET n = t.n FROM totals t WHERE id = 1";
  return {
    id: "apr_1",
    runId: "run_1",
    action: "production_write",
    digest: approvalDigest("production_write", detail),
    detail,
    risk: "high: rewrites 3 rows",
    rollback: "rerun aggregation",
    scope: {},
    requester: "prode",
    approver: null,
    status: "pending",
    reason: null,
    expiresAt: new Date(now.getTime() + 30 * 60_000),
    decidedAt: null,
    consumedAt: null,
    createdAt: now,
    ...overrides,
  };
}

const ticket = { key: "ENG-1", title: "Counts disagree" };

describe("approval views", () => {
  it("reads a risk level from the text, or defaults by action", () => {
    expect(riskView("production_write", "critical — all tenants")).toEqual({
      level: "critical",
      notes: "all tenants",
    });
    expect(riskView("production_write", "touches 3 rows")).toEqual({
      level: "high",
      notes: "touches 3 rows",
    });
    expect(riskView("linear_done", "")).toEqual({ level: "medium" });
  });

  it("shows SQL as SQL, with its digest and a summary from scope or the statement", () => {
    const view = approvalRequestView(row({ scope: { target: "onboarding-db" } }), ticket);
    expect(view.action).toMatchObject({
      kind: "sql",
      actionClass: "production_write",
      target: "onboarding-db",
    });
    expect(view.action.summary).toBe(
      "production write: UPDATE step_counts SET n = t.n FROM totals t WHERE id = 1",
    );
    expect(view.digest).toBe(row().digest);
    expect(
      approvalRequestView(row({ scope: { summary: "Backfill" } }), ticket).action.summary,
    ).toBe("Backfill");
    // A leading SQL comment is prose about the statement, never its title.
    const commented = row({
      detail:
        "-- Proposed by prode (run run_1); prode never runs it.\n-- 3 rows disagree.\nUPDATE t SET n = 1",
      scope: { table: "t" },
    });
    expect(approvalRequestView(commented, ticket).action.summary).toBe(
      "production write on t: UPDATE t SET n = 1",
    );
    const rendered = renderApprovalRequest(view, now);
    assertWithinSlackLimits(rendered, "message");
  });

  it("names the decision: approved, rejected with reason, expired, or none while open", () => {
    const names = new Map([["U1", "Marco"]]);
    expect(decisionOf(row(), now)).toBeNull();
    expect(
      decisionOf(row({ status: "approved", approver: "U1", decidedAt: now }), now, names),
    ).toEqual({
      kind: "approved",
      by: "Marco",
      at: now.toISOString(),
    });
    expect(
      decisionOf(
        row({ status: "rejected", approver: "U2", decidedAt: now, reason: "too broad" }),
        now,
      ),
    ).toEqual({ kind: "rejected", by: "U2", at: now.toISOString(), reason: "too broad" });
    const late = new Date(now.getTime() + 31 * 60_000);
    expect(decisionOf(row(), late)).toEqual({ kind: "expired", at: row().expiresAt.toISOString() });
  });
});
