import { describe, expect, it } from "vitest";
import type { ApprovalRow } from "./create.ts";
import { stateRefusal } from "./decide-refusals.ts";

const now = new Date("2026-11-18T14:00:00Z");
const row = (o: Partial<ApprovalRow>): ApprovalRow => ({
  id: "apr_1",
  runId: "run_1",
  action: "production_write",
  digest: "d",
  detail: "",
  risk: "",
  rollback: "",
  scope: {},
  requester: "prode",
  approver: null,
  status: "pending",
  reason: null,
  expiresAt: new Date(now.getTime() + 60_000),
  decidedAt: null,
  consumedAt: null,
  createdAt: now,
  ...o,
});
const click = { userId: "U1", verdict: "approve" as const };

describe("refusals from an approval's state", () => {
  it("lets a pending, unexpired approval through", () => {
    expect(stateRefusal(row({}), click, now)).toBeNull();
  });

  it("refuses one past its expiry even before the reconciler marked it", () => {
    const r = stateRefusal(row({ expiresAt: new Date(now.getTime() - 1) }), click, now);
    expect(r).toEqual({ reason: "expired", message: expect.stringContaining("13:59 UTC") });
  });

  it("tells a double click apart from someone else's decision", () => {
    const decided = row({ status: "approved", approver: "U1", decidedAt: now });
    expect(stateRefusal(decided, click, now)?.message).toMatch(/^You already approved this/);
    expect(stateRefusal(decided, { userId: "U2", verdict: "reject" }, now)?.message).toMatch(
      /already approved by <@U1>/,
    );
  });

  it("refuses a used approval as consumed", () => {
    expect(stateRefusal(row({ status: "consumed", consumedAt: now }), click, now)?.reason).toBe(
      "already_consumed",
    );
  });
});
