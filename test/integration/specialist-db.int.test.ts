import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SeededReplica, seedReplica } from "../../sim/replica-seed.ts";
import { findScenario, type Scenario } from "../../sim/scenario.ts";
import {
  correctionSql,
  type DbCheck,
  entityCountSql,
  nullPreconditionSql,
  staleCountSql,
  staleSinceSql,
} from "../../specialists/db/checks.ts";
import { createDbSpecialist } from "../../specialists/db/index.ts";
import type { Specialist } from "../../specialists/types.ts";
import {
  openReplica,
  probeReplica,
  type ReplicaAdapter,
} from "../../src/adapters/replica/reader.ts";
import { classify } from "../../src/domain/classifier.ts";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { catalogDataChecks, loadServiceCatalog } from "../../src/policy/catalog.ts";
import { createGuardedReplica } from "../../src/safety/replica.ts";
import { checkSql } from "../../src/safety/sql-guard.ts";
import { input as classifierInput, staleCounts } from "../setup/classifier-fixtures.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { specialistInput } from "../setup/scenario-ticket.ts";

/**
 * The db specialist on real Postgres replicas seeded from the reference scenarios,
 * reached only through the guarded reader (SQL guard + READ ONLY transaction) with the
 * SELECT-only role: aggregate counts become signals, a refused statement becomes a gap.
 * The checks are the shipped service catalog's `data_checks` (policy/services/*.yaml),
 * handed over as src/compose does: none is built into the specialist.
 */

interface Replica {
  scenario: Scenario;
  seeded: SeededReplica;
  adapter: ReplicaAdapter;
}
const replicas = new Map<string, Replica>();
/** The catalog's declared checks, and the db specialist built from them. */
let CATALOG_CHECKS: DbCheck[] = [];
let db: Specialist;

beforeAll(async () => {
  CATALOG_CHECKS = catalogDataChecks(await loadServiceCatalog("policy"));
  db = createDbSpecialist({ checks: CATALOG_CHECKS });
  for (const name of ["db-state-approval", "backend-500-pr"]) {
    const scenario = await findScenario(name);
    const seeded = await seedReplica(TEST_ADMIN_URL, scenario);
    replicas.set(name, { scenario, seeded, adapter: openReplica(seeded.url) });
  }
});

afterAll(async () => {
  for (const r of replicas.values()) {
    await r.adapter.close();
    await r.seeded.drop();
  }
});

const replica = (name: string) => replicas.get(name)!;

describe("db specialist on the seeded replicas", () => {
  it("db-state-approval: aggregate SELECTs prove 37 stale member counts and the reporter's 5 vs 3", async () => {
    const { scenario, adapter } = replica("db-state-approval");
    const input = specialistInput(scenario, { replica: adapter.reader });
    expect(db.appliesTo(input.ticket, [], input.hints)).toMatchObject({
      applies: true,
      required: true,
    });
    const out = normalizeSpecialistOutput(await db.run(input));

    expect(out.status).toBe("returned");
    expect(out.signals).toEqual([
      {
        kind: "stale_derived_rows",
        sourceRef: "db_query:workspace-member-count",
        table: "workspaces",
        staleCount: 37,
        totalCount: 437,
        oldestStaleAt: expect.stringMatching(/^2026-11-\d\dT/),
        proposedCorrection: {
          statement: expect.stringMatching(/^update workspaces t set member_count/),
          affectsRows: 37,
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
    expect(out.sources.every((s) => s.kind === "db_query")).toBe(true);
    expect(out.gaps).toEqual([]);
    // Numbers and query ids only: no other workspace id, no user id leaves the replica.
    const text = JSON.stringify(out);
    expect(text).not.toMatch(/usr_|ws_h\d|ws_s(?!17)\d/);
  });

  it("db-state-approval: with the fixture's release and aws evidence, classifies as a data defect above 70", async () => {
    const { scenario, adapter } = replica("db-state-approval");
    const real = normalizeSpecialistOutput(
      await db.run(specialistInput(scenario, { replica: adapter.reader })),
    );
    const fixture = staleCounts();
    const result = classify(
      classifierInput({
        ...fixture,
        specialists: [...fixture.specialists.filter((o) => o.specialistId !== "db"), real],
      }),
      // The fixture's other outputs were fetched on another clock.
      { now: new Date(scenario.now), maxEvidenceAgeMinutes: 10_000_000 },
    );
    expect(result.class).toBe("data_defect");
    expect(result.confidence).toBeGreaterThanOrEqual(70);
  });

  it("backend-500-pr: counts the accounts without a plan created since yesterday", async () => {
    const { scenario, adapter } = replica("backend-500-pr");
    const out = normalizeSpecialistOutput(
      await db.run(specialistInput(scenario, { replica: adapter.reader })),
    );
    expect(out.status).toBe("returned");
    expect(out.signals).toEqual([
      {
        kind: "data_precondition",
        sourceRef: "db_query:accounts-null-plan",
        table: "accounts",
        condition: "plan_id IS NULL (created in the last 24 h)",
        rowCount: 141,
      },
    ]);
    expect(out.findings[0]?.fact).toContain("the first at 2026-11-20T14:02:40.000Z");
    expect(JSON.stringify(out)).not.toContain("acct_");
  });

  it("a statement the guard refuses becomes a gap, and the other checks still run", async () => {
    const { scenario, adapter } = replica("db-state-approval");
    const withRefused = createDbSpecialist({
      checks: [
        {
          kind: "aggregate",
          id: "two-statements",
          sql: "select count(*) from workspaces; delete from workspaces",
          describes: "workspaces",
          service: scenario.service!,
          symptoms: [/seats/],
        },
        {
          kind: "aggregate",
          id: "sleeps",
          sql: "select pg_sleep(5)",
          describes: "sleep",
          service: scenario.service!,
          symptoms: [/seats/],
        },
        ...CATALOG_CHECKS,
      ],
    });
    const out = normalizeSpecialistOutput(
      await withRefused.run(specialistInput(scenario, { replica: adapter.reader })),
    );
    expect(out.status).toBe("returned");
    expect(out.gaps.map((g) => g.what)).toEqual([
      expect.stringMatching(/^db query two-statements unavailable \(sql_refused\): SQL refused/),
      expect.stringMatching(
        /^db query sleeps unavailable \(sql_refused\): SQL refused: function pg_sleep/,
      ),
    ]);
    expect(out.signals.map((s) => s.kind)).toEqual(["stale_derived_rows", "count_mismatch"]);
    const rows = await adapter.reader.query("select count(*) from workspaces");
    expect(Number(rows.rows[0]?.[0])).toBe(437);
  });

  it("without a resolved service, runs the one service's checks the symptoms match, and says so", async () => {
    const { scenario, adapter } = replica("db-state-approval");
    const input = specialistInput(scenario, { replica: adapter.reader });
    const { service: _, ...unresolved } = input.ticket;
    const out = normalizeSpecialistOutput(await db.run({ ...input, ticket: unresolved }));
    expect(out.signals.map((s) => s.kind)).toEqual(["stale_derived_rows", "count_mismatch"]);
    expect(out.gaps).toEqual([
      {
        what: expect.stringMatching(
          /service is unresolved: declared data checks workspace-member-count \(workspace-api\) ran because only workspace-api's checks match/,
        ),
        confidenceImpact: 0,
      },
    ]);
  });

  it("another service's run never runs this service's declared checks", async () => {
    const { scenario, adapter } = replica("db-state-approval");
    const input = specialistInput(scenario, { replica: adapter.reader });
    const other = { ...input.ticket, service: "svc-without-data-checks" };
    const out = normalizeSpecialistOutput(await db.run({ ...input, ticket: other }));
    expect(out.sources.map((s) => s.ref)).not.toContain("db_query:workspace-member-count");
    expect(out.gaps).toEqual([]);
  });

  it("every declared statement of the shipped catalog passes the SQL guard", async () => {
    const now = new Date("2026-11-20T14:35:00Z");
    expect(CATALOG_CHECKS.length).toBeGreaterThan(0);
    for (const check of CATALOG_CHECKS) {
      const statements =
        check.kind === "derived_counter"
          ? [
              staleCountSql(check),
              entityCountSql(check, "ws_s17"),
              ...(staleSinceSql(check) ? [staleSinceSql(check)!] : []),
            ]
          : check.kind === "null_precondition"
            ? [nullPreconditionSql(check, now)]
            : [check.sql];
      for (const sql of statements) {
        expect(await checkSql(sql), sql).toMatchObject({ allowed: true });
      }
    }
  });

  it("proposes a recount the guard would refuse: a production write can never run through the replica path", async () => {
    for (const check of CATALOG_CHECKS) {
      if (check.kind !== "derived_counter") continue;
      expect(await checkSql(correctionSql(check))).toMatchObject({ allowed: false });
    }
  });

  it("dates the drift after the deploy that introduced it", async () => {
    const { scenario, adapter } = replica("db-state-approval");
    const out = normalizeSpecialistOutput(
      await db.run(specialistInput(scenario, { replica: adapter.reader })),
    );
    const stale = out.signals.find((s) => s.kind === "stale_derived_rows");
    expect(stale?.kind === "stale_derived_rows" && stale.oldestStaleAt).toBeTruthy();
    const deployed = Date.parse("2026-11-12T10:25:12Z");
    expect(Date.parse((stale as { oldestStaleAt: string }).oldestStaleAt)).toBeGreaterThan(
      deployed,
    );
  });

  it("times out at the deadline instead of waiting for the replica", async () => {
    const { scenario, adapter } = replica("db-state-approval");
    const out = await db.run(
      specialistInput(
        scenario,
        { replica: adapter.reader },
        { deadline: new Date(Date.now() - 1) },
      ),
    );
    expect(out.status).toBe("timed_out");
  });
});

describe("probeReplica for the tool inventory", () => {
  it("records the SELECT-only, read-only-by-default role as physically read-only", async () => {
    const probe = await replica("db-state-approval").adapter.probe();
    expect(probe).toMatchObject({
      ok: true,
      physicallyReadOnly: true,
      basis: { roleWithoutWrites: true, defaultReadOnly: true, hotStandby: false },
    });
  });

  it("records a role that can write as not physically read-only", async () => {
    const { seeded } = replica("db-state-approval");
    const url = new URL(TEST_ADMIN_URL);
    url.pathname = `/${seeded.database}`;
    const admin = createGuardedReplica(url.toString(), {
      statementTimeoutMs: 2_000,
      lockTimeoutMs: 1_000,
      idleTimeoutMs: 5_000,
      rowCap: 10,
    });
    try {
      const probe = await probeReplica(admin);
      expect(probe).toMatchObject({
        ok: true,
        physicallyReadOnly: false,
        basis: { roleWithoutWrites: false },
      });
    } finally {
      await admin.close();
    }
  });

  it("reports an unreachable replica instead of throwing", async () => {
    const down = openReplica("postgres://nobody:nothing@127.0.0.1:1/none", { connectTimeoutS: 2 });
    try {
      const probe = await down.probe();
      expect(probe).toMatchObject({ ok: false, retryable: true });
    } finally {
      await down.close();
    }
  });
});
