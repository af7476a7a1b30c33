import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { auditEvents } from "../../src/db/schema.ts";
import { parseRunContext, scopeOf } from "../../src/domain/run-context.ts";
import type { ServiceResolution } from "../../src/domain/service-resolution.ts";
import { killSwitchCheck } from "../../src/policy/kill-switch-check.ts";
import { engage } from "../../src/policy/kill-switches.ts";
import { recordScopeConflict } from "../../src/policy/policy-scope.ts";
import { canApprove } from "../../src/policy/roles.ts";
import { cachedPolicySource } from "../../src/policy/source.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { usePolicyDirs } from "../setup/policy-dir.ts";

/**
 * Issue 18 item 3: a ticket whose sources name a second service (a label, a pasted link,
 * its text) cannot move the run onto a laxer policy or out from under a kill switch.
 * Every scope the sources name stays in play: the strictest rules of all of them apply,
 * and any of their kill switches stops the run. The disagreement is audited.
 */

const ORG = `version: 1
confidence_threshold: 70
roles:
  admin: { users: [U0ADMIN001] }
  approver: { users: [U0LEAD0001, U0LEAD0002] }
  operator: { users: [U0OPS00001] }
  viewer: { users: [U0VIEW0001] }
`;
const STRICT_TEAM = `version: 1
confidence_threshold: 90
actions:
  production_write: { approval_expiry_minutes: 10, approvers: [admin] }
`;
const LAX_TEAM = `version: 1
roles:
  approver: { users: [U0LEAD0001, U0LEAD0002] }
`;

const makeDir = usePolicyDirs();
let t: TestDb;
let dir: string;
beforeEach(async () => {
  t = await createTestDb();
  dir = makeDir({
    "platform.yaml": "version: 1\n",
    "org.yaml": ORG,
    "teams/ledger.yaml": STRICT_TEAM,
    "teams/growth.yaml": LAX_TEAM,
    "services/ledger-api.yaml": "version: 1\nteam: ledger\n",
    "services/promo-api.yaml": "version: 1\nteam: growth\n",
  });
});
afterEach(async () => {
  await t.drop();
});

/** The Sentry project says ledger-api; a label (or the text) names the laxer promo-api. */
function disputed(chosen: string): ServiceResolution {
  return {
    service: "ledger-api",
    team: "ledger",
    decidedBy: "sentry_project",
    declared: true,
    sources: [
      {
        source: "sentry_project",
        value: "ledger-api",
        service: "ledger-api",
        detail: "Sentry issue 1 is in project ledger-api",
      },
      {
        source: "ticket_text",
        value: "promo-api",
        service: "promo-api",
        detail: "the ticket's text names promo-api",
      },
    ],
    mismatch: {
      services: ["ledger-api", "promo-api"],
      votes: [],
      detail: "sources disagree on the service",
    },
    // Whichever one was chosen, the other stays a candidate.
    policyScope:
      chosen === "promo-api"
        ? { team: "growth", service: chosen }
        : {
            team: "ledger",
            service: chosen,
          },
    gaps: [],
  };
}

describe("a disputed scope never loosens policy or kill switches", () => {
  it("applies the strictest rules of every scope the sources name", async () => {
    const scope = scopeOf(parseRunContext({ resolution: disputed("promo-api") }));
    expect(scope).toMatchObject({
      service: "promo-api",
      candidates: expect.arrayContaining([{ service: "ledger-api" }]),
    });
    const policy = await cachedPolicySource(dir)(scope);
    expect(policy.confidence_threshold).toBe(90);
    expect(policy.actions.production_write).toMatchObject({
      approvers: ["admin"],
      approval_expiry_minutes: 10,
    });
    // The lead approves for promo-api alone, but not for a run disputed with ledger-api.
    const lead = { userId: "U0LEAD0001" };
    const lax = await cachedPolicySource(dir)({ service: "promo-api" });
    expect(canApprove(lax, "production_write", lead)).toBe(true);
    expect(canApprove(policy, "production_write", lead)).toBe(false);
    expect(canApprove(policy, "production_write", { userId: "U0ADMIN001" })).toBe(true);
  });

  it("stops the run on the kill switch of any service its sources name", async () => {
    const check = killSwitchCheck(t.db);
    const scope = scopeOf(parseRunContext({ resolution: disputed("promo-api") }));
    expect(await check(scope)).toBeNull();
    await engage(t.db, "service", "ledger-api", { actor: "test", reason: "ledger freeze" });
    expect(await check({ ...scope, capability: "slack_post" })).toMatchObject({
      scope: "service",
      value: "ledger-api",
    });
    // And the chosen one's own switch, when the stricter service was chosen.
    await engage(t.db, "team", "growth", { actor: "test", reason: "growth freeze" });
    const other = scopeOf(parseRunContext({ resolution: disputed("ledger-api") }));
    const found = await check(other);
    expect(found).not.toBeNull();
  });

  it("a ticket that named no service: the one its evidence dated the symptom on counts too", async () => {
    // The ticket's structured data named only the lax team; the evidence found the
    // symptom on ledger-api (WAIT_FOR_EVIDENCE records it in inferredServices).
    const scope = scopeOf(parseRunContext({ team: "growth", inferredServices: ["ledger-api"] }));
    expect(scope).toEqual({ team: "growth", candidates: [{ service: "ledger-api" }] });
    const policy = await cachedPolicySource(dir)(scope);
    expect(policy.confidence_threshold).toBe(90);
    expect(canApprove(policy, "production_write", { userId: "U0LEAD0001" })).toBe(false);
    const check = killSwitchCheck(t.db);
    expect(await check(scope)).toBeNull();
    await engage(t.db, "service", "ledger-api", { actor: "test", reason: "ledger freeze" });
    expect(await check({ ...scope, capability: "slack_post" })).toMatchObject({
      scope: "service",
      value: "ledger-api",
    });
  });

  it("audits the disagreement with every vote and the scope applied", async () => {
    await t.db.execute(
      `insert into runs (id, ticket, phase) values ('run_scope', 'ENG-77', 'FETCH_LINEAR')`,
    );
    const resolution = disputed("ledger-api");
    const conflict = await recordScopeConflict(t.db, "run_scope", resolution, new Date());
    expect(conflict?.services).toEqual(["ledger-api", "promo-api"]);
    const [event] = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, "policy.scope_conflict"));
    expect(event?.runId).toBe("run_scope");
    expect(event?.payload).toMatchObject({
      services: ["ledger-api", "promo-api"],
      applied: { team: "ledger", service: "ledger-api" },
      votes: [
        expect.objectContaining({ source: "sentry_project", service: "ledger-api" }),
        expect.objectContaining({ source: "ticket_text", service: "promo-api" }),
      ],
    });
  });
});
