import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import type { ReplicaQueryResult, ReplicaReader } from "../tools.ts";
import type { SpecialistInput, TicketContext } from "../types.ts";
import type { DbCheck } from "./checks.ts";
import { asCount, asTimestamp, createDbSpecialist } from "./index.ts";

/**
 * Decisions over a ReplicaReader double: which signal an aggregate becomes, and that a
 * refused or failing statement is a gap. The guard and real Postgres are exercised in
 * test/integration/specialist-db.int.test.ts.
 */

/** A declared check as the catalog would compile it (test data: no check is built in). */
const SEATS: DbCheck = {
  kind: "derived_counter",
  id: "workspace-member-count",
  service: "svc-seats",
  table: "workspaces",
  key: "id",
  counter: "member_count",
  source: {
    table: "workspace_members",
    key: "workspace_id",
    where: "removed_at is null",
    changedColumn: "removed_at",
  },
  subject: "billed seats (workspaces.member_count)",
  entity: /\bws_[A-Za-z0-9]{1,40}\b/g,
  symptoms: [/\bseats?\b/i],
};
const declared = (...checks: DbCheck[]) => createDbSpecialist({ checks });

const ticket: TicketContext = {
  service: "svc-seats",
  snapshot: {
    ticketKey: "ENG-4840",
    title: "Billing page shows more seats than the members list",
    labels: ["prode"],
    status: "Triage",
    descriptionExcerpt: "Workspace: ws_s17 (Team plan).",
    linked: { sentryIssueIds: [], awsRefs: [], requestIds: [] },
    createdAt: "2026-11-20T09:41:18.000Z",
    updatedAt: "2026-11-20T09:41:18.000Z",
    fetchedAt: "2026-11-20T10:00:00.000Z",
  },
  comments: [],
  attachments: [],
};

function input(replica: ReplicaReader): SpecialistInput {
  return {
    question: "What does the replica show?",
    ticket,
    hints: { pages: [], recipes: [], negativeControls: [] },
    tools: { replica },
    signal: new AbortController().signal,
    deadline: new Date(Date.now() + 5_000),
    now: new Date("2026-11-20T10:15:00Z"),
  };
}

const result = (columns: string[], row: unknown[]): ReplicaQueryResult => ({
  columns,
  rows: [row],
  rowCount: 1,
  truncated: false,
});

function replica(
  answer: (sql: string) => ReplicaQueryResult | Error,
): ReplicaReader & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    async query(sql) {
      seen.push(sql);
      const out = answer(sql);
      if (out instanceof Error) throw out;
      return out;
    },
  };
}

describe("db specialist decisions", () => {
  it("reports stale rows with their counts and the reporter's own mismatch", async () => {
    const db = declared(SEATS);
    const r = replica((sql) =>
      sql.includes("stale_count")
        ? result(["stale_count", "total_count"], ["37", "437"])
        : sql.includes("oldest_stale_at")
          ? result(["oldest_stale_at"], ["2026-11-12T11:02:00Z"])
          : result(["displayed", "computed"], [5, "3"]),
    );
    const out = normalizeSpecialistOutput(await db.run(input(r)));
    expect(out.status).toBe("returned");
    expect(out.signals).toEqual([
      {
        kind: "stale_derived_rows",
        sourceRef: "db_query:workspace-member-count",
        table: "workspaces",
        staleCount: 37,
        totalCount: 437,
        oldestStaleAt: "2026-11-12T11:02:00.000Z",
        proposedCorrection: {
          affectsRows: 37,
          statement: expect.stringMatching(
            /^update workspaces t set member_count = \(select count\(\*\) from workspace_members x where x\.workspace_id = t\.id and \(removed_at is null\)\)\nwhere t\.member_count <> /,
          ),
        },
      },
      {
        kind: "count_mismatch",
        sourceRef: "db_query:workspace-member-count/ticket-entity",
        subject: "billed seats (workspaces.member_count) of ws_s17",
        displayed: 5,
        computed: 3,
      },
    ]);
  });

  it("reports consistent rows as the negative control", async () => {
    const db = declared(SEATS);
    const r = replica((sql) =>
      sql.includes("stale_count")
        ? result(["stale_count", "total_count"], ["0", "437"])
        : result(["displayed", "computed"], [3, "3"]),
    );
    const out = normalizeSpecialistOutput(await db.run(input(r)));
    expect(out.signals).toEqual([
      {
        kind: "derived_rows_consistent",
        sourceRef: "db_query:workspace-member-count",
        table: "workspaces",
      },
    ]);
  });

  it("turns a refused statement into a gap and runs the rest", async () => {
    const db = createDbSpecialist({
      checks: [
        {
          kind: "aggregate",
          id: "refused",
          service: "svc-seats",
          sql: "select pg_sleep(10)",
          describes: "sleep",
          symptoms: [/seats/],
        },
        {
          kind: "aggregate",
          id: "outbox",
          service: "svc-seats",
          sql: "select count(*) as unsent from x",
          describes: "unsent e-mails",
          symptoms: [/seats/],
        },
      ],
    });
    const r = replica((sql) =>
      sql.includes("pg_sleep")
        ? new AppError(ErrorCode.SqlRefused, "SQL refused: function pg_sleep is not allowed")
        : result(["unsent"], ["12"]),
    );
    const out = normalizeSpecialistOutput(await db.run(input(r)));
    expect(out.status).toBe("returned");
    expect(out.gaps).toContainEqual({
      what: expect.stringContaining("db query refused unavailable (sql_refused)"),
      confidenceImpact: 10,
    });
    expect(out.findings.map((f) => f.fact)).toEqual(["unsent e-mails: unsent 12"]);
  });

  it("withholds an aggregate result that carries text, so no row content is reported", async () => {
    const db = createDbSpecialist({
      checks: [
        {
          kind: "aggregate",
          id: "leaky",
          service: "svc-seats",
          sql: "select email from users limit 1",
          describes: "x",
          symptoms: [/seats/],
        },
      ],
    });
    const out = normalizeSpecialistOutput(
      await db.run(input(replica(() => result(["email"], ["someone@example.com"])))),
    );
    expect(JSON.stringify(out)).not.toContain("someone@example.com");
    expect(out.gaps[0]?.what).toContain("non-aggregate value in email: withheld");
  });

  it("fails with the replica's error when every statement fails", async () => {
    const db = declared(SEATS);
    const down = replica(
      () => new AppError(ErrorCode.UpstreamUnavailable, "replica unavailable", { retryable: true }),
    );
    const out = normalizeSpecialistOutput(await db.run(input(down)));
    expect(out).toMatchObject({
      status: "failed",
      error: { code: "upstream_unavailable", retryable: true },
    });
  });

  it("is skipped without the replica or without a matching check", async () => {
    const db = declared(SEATS);
    expect((await db.run({ ...input(replica(() => new Error("x"))), tools: {} })).status).toBe(
      "skipped",
    );
    const other = {
      ...ticket,
      snapshot: { ...ticket.snapshot, title: "Feed slow", descriptionExcerpt: "" },
    };
    expect(db.appliesTo(other, [], input(replica(() => new Error("x"))).hints).applies).toBe(false);
    expect(db.appliesTo(ticket, [], input(replica(() => new Error("x"))).hints)).toMatchObject({
      applies: true,
      required: true,
    });
  });
});

describe("declared checks and the run's service", () => {
  const hints = { pages: [], recipes: [], negativeControls: [] };
  const available = [{ connector: "db" as const, status: "available" as const }];

  it("declares nothing by default: a matching ticket finds no check to run", () => {
    const db = createDbSpecialist();
    expect(db.appliesTo(ticket, [], hints).applies).toBe(false);
  });

  it("runs only the resolved service's checks, never another service's", async () => {
    const db = declared({ ...SEATS, service: "svc-other" });
    expect(db.appliesTo(ticket, [], hints).applies).toBe(false);
    const noIds = {
      ...ticket,
      snapshot: { ...ticket.snapshot, descriptionExcerpt: "More seats than members." },
    };
    const r = replica(() => result(["stale_count", "total_count"], ["1", "2"]));
    expect((await db.run({ ...input(r), ticket: noIds })).status).toBe("skipped");
    expect(r.seen).toEqual([]);
  });

  const { service: _, ...unresolvedTicket } = ticket;
  const unresolved = {
    ...unresolvedTicket,
    snapshot: { ...unresolvedTicket.snapshot, descriptionExcerpt: "More seats than members." },
  };

  it("with the service unresolved, runs the checks of the one service the symptoms match, saying so", async () => {
    const db = declared(SEATS);
    expect(db.appliesTo(unresolved, available as never, hints)).toMatchObject({
      applies: true,
      required: true,
      reason: expect.stringContaining("service unresolved: only svc-seats's checks match"),
    });
    const r = replica((sql) =>
      sql.includes("stale_count")
        ? result(["stale_count", "total_count"], ["0", "437"])
        : new Error("unexpected"),
    );
    const out = normalizeSpecialistOutput(await db.run({ ...input(r), ticket: unresolved }));
    expect(out.signals.map((s) => s.kind)).toEqual(["derived_rows_consistent"]);
    // Already charged by the service resolution: recorded, not charged twice.
    expect(out.gaps).toContainEqual({
      what: expect.stringMatching(
        /service is unresolved: declared data checks workspace-member-count \(svc-seats\) ran because only svc-seats's checks match/,
      ),
      confidenceImpact: 0,
    });
  });

  it("with the service unresolved and two services' checks matching, runs none and names them in a gap", async () => {
    const db = declared(SEATS, { ...SEATS, service: "svc-other" });
    expect(db.appliesTo(unresolved, available as never, hints)).toMatchObject({
      applies: true,
      required: false,
    });
    const r = replica(() => new Error("no statement should run"));
    const out = normalizeSpecialistOutput(await db.run({ ...input(r), ticket: unresolved }));
    expect(r.seen).toEqual([]);
    expect(out.signals).toEqual([]);
    expect(out.gaps).toContainEqual({
      what: expect.stringMatching(
        /workspace-member-count \(svc-seats\), workspace-member-count \(svc-other\) match the ticket but were not run: the run's service is unresolved/,
      ),
      confidenceImpact: 10,
    });
  });

  it("with the service unresolved, a wiki page naming a check is not enough to run it", async () => {
    const db = declared(SEATS);
    const wikiOnly = {
      ...unresolved,
      snapshot: { ...unresolved.snapshot, title: "Invoice wrong", descriptionExcerpt: "" },
    };
    const named = {
      pages: ["p"],
      recipes: [
        { pageId: "p", specialist: "db" as const, name: "r", body: "workspace-member-count" },
      ],
      negativeControls: [],
    };
    const r = replica(() => new Error("no statement should run"));
    const out = normalizeSpecialistOutput(
      await db.run({ ...input(r), ticket: wikiOnly, hints: named }),
    );
    expect(r.seen).toEqual([]);
    expect(out.gaps.map((g) => g.confidenceImpact)).toEqual([10]);
  });
});

describe("result cells", () => {
  it("reads int8 strings and numbers as counts and nothing else", () => {
    expect(asCount("437")).toBe(437);
    expect(asCount(12)).toBe(12);
    expect(asCount(12n)).toBe(12);
    expect(asCount("ws_s17")).toBeUndefined();
    expect(asCount(null)).toBeUndefined();
  });

  it("reads Dates and timestamp strings as ISO timestamps", () => {
    expect(asTimestamp(new Date("2026-11-20T14:02:40Z"))).toBe("2026-11-20T14:02:40.000Z");
    expect(asTimestamp("2026-11-20 14:02:40+00")).toBe("2026-11-20T14:02:40.000Z");
    expect(asTimestamp("pending")).toBeUndefined();
  });
});
