import { describe, expect, it } from "vitest";
import type { RoutingHints, TicketContext } from "../types.ts";
import {
  type DbCheck,
  type DerivedCounterCheck,
  entityCountSql,
  nullPreconditionSql,
  selectChecks,
  staleCountSql,
  ticketEntities,
  validateChecks,
} from "./checks.ts";

function ticket(title: string, description = ""): TicketContext {
  return {
    snapshot: {
      ticketKey: "ENG-1",
      title,
      labels: [],
      status: "Triage",
      descriptionExcerpt: description,
      linked: { sentryIssueIds: [], awsRefs: [], requestIds: [] },
      createdAt: "2026-11-20T09:41:18.000Z",
      updatedAt: "2026-11-20T09:41:18.000Z",
      fetchedAt: "2026-11-20T10:00:00.000Z",
    },
    comments: [],
    attachments: [],
  };
}

const NO_HINTS: RoutingHints = { pages: [], recipes: [], negativeControls: [] };
/** Declared checks as the catalog compiles them (test data: no check is built in). */
const memberCount: DerivedCounterCheck = {
  kind: "derived_counter",
  id: "workspace-member-count",
  service: "svc-a",
  table: "workspaces",
  key: "id",
  counter: "member_count",
  source: {
    table: "workspace_members",
    key: "workspace_id",
    where: "removed_at is null",
    changedColumn: "removed_at",
  },
  subject: "billed seats",
  entity: /\bws_[A-Za-z0-9]{1,40}\b/g,
  symptoms: [/\bseats?\b/i, /\bmembers? (?:list|page)\b/i],
};
const nullPlan: DbCheck = {
  kind: "null_precondition",
  id: "accounts-null-plan",
  service: "svc-b",
  table: "accounts",
  column: "plan_id",
  createdColumn: "created_at",
  lookbackHours: 24,
  symptoms: [/reading '?plan'?/i],
};
const DECLARED: DbCheck[] = [memberCount, nullPlan];

describe("declared aggregate statements", () => {
  it("counts stale counters against a recomputed count, selecting no row content", () => {
    const sql = staleCountSql(memberCount);
    expect(sql).toContain(
      "count(*) filter (where t.member_count <> coalesce(s.n, 0)) as stale_count",
    );
    expect(sql).toContain("from workspace_members where removed_at is null group by workspace_id");
    const selectList = sql.slice(0, sql.indexOf(" from workspaces "));
    expect(selectList).not.toMatch(/\*\s*from|\bt\.(id|plan_id|created_at)\b/);
  });

  it("quotes a ticket's entity id as a literal and refuses anything that is not a plain id", () => {
    expect(entityCountSql(memberCount, "ws_s17")).toContain("where t.id = 'ws_s17' limit 1");
    expect(() => entityCountSql(memberCount, "ws_1' or '1'='1")).toThrow(/not a plain id/);
  });

  it("bounds the null-precondition window with the run's clock", () => {
    const check = nullPlan;
    if (check.kind !== "null_precondition") throw new Error("unreachable");
    const sql = nullPreconditionSql(check, new Date("2026-11-20T14:35:00Z"));
    expect(sql).toContain("created_at >= '2026-11-19T14:35:00.000Z'::timestamptz");
    expect(sql).toContain("count(*) filter (where plan_id is null) as null_total");
  });
});

describe("validateChecks", () => {
  it("refuses identifiers and predicates that could carry SQL, and duplicate ids", () => {
    const bad = { ...memberCount, table: "workspaces; drop table x" };
    expect(() => validateChecks([bad])).toThrow(/bad identifier/);
    const predicate = {
      ...memberCount,
      source: { ...memberCount.source, where: "1=1) or (select 1" },
    };
    expect(() => validateChecks([predicate])).toThrow(/simple predicate/);
    expect(() => validateChecks([memberCount, memberCount])).toThrow(/unique/);
    expect(validateChecks(DECLARED)).toHaveLength(DECLARED.length);
    // Ids are unique per service: two services may each declare their own.
    expect(validateChecks([memberCount, { ...memberCount, service: "svc-c" }])).toHaveLength(2);
  });
});

describe("selectChecks", () => {
  it("picks checks by the ticket's symptoms", () => {
    const seats = ticket("Billing page shows more seats than the members list");
    expect(selectChecks(DECLARED, seats, NO_HINTS).map((s) => s.check.id)).toEqual([
      "workspace-member-count",
    ]);
    const onboarding = ticket(
      "Onboarding fails",
      "TypeError: Cannot read properties of null (reading 'plan')",
    );
    expect(selectChecks(DECLARED, onboarding, NO_HINTS).map((s) => s.check.id)).toEqual([
      "accounts-null-plan",
    ]);
    expect(selectChecks(DECLARED, ticket("Feed is slow"), NO_HINTS)).toEqual([]);
  });

  it("picks a check a db recipe names, and ignores recipes for other specialists", () => {
    const hints: RoutingHints = {
      pages: ["billing"],
      recipes: [
        { pageId: "billing", specialist: "aws", name: "x", body: "accounts-null-plan" },
        {
          pageId: "billing",
          specialist: "db",
          name: "seat drift",
          body: "run workspace-member-count",
        },
      ],
      negativeControls: [],
    };
    const selected = selectChecks(DECLARED, ticket("Invoice total wrong"), hints);
    expect(selected.map((s) => [s.check.id, s.why])).toEqual([
      ["workspace-member-count", "wiki billing names workspace-member-count"],
    ]);
  });

  it("finds at most three entity ids the ticket names", () => {
    const t = ticket("Seats", "Workspace: ws_s17 and ws_s17 again, also ws_a1, ws_b2, ws_c3");
    expect(ticketEntities(memberCount, t)).toEqual(["ws_s17", "ws_a1", "ws_b2"]);
  });
});
