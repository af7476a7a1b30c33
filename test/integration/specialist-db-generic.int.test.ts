import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SeededReplica, seedReplica } from "../../sim/replica-seed.ts";
import { findScenario, type Scenario } from "../../sim/scenario.ts";
import db, { createDbSpecialist } from "../../specialists/db/index.ts";
import { openReplica, type ReplicaAdapter } from "../../src/adapters/replica/reader.ts";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { checkSql } from "../../src/safety/sql-guard.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { specialistInput } from "../setup/scenario-ticket.ts";

/**
 * The db specialist's schema-generic checks on real replicas seeded from scenarios,
 * through the guarded reader: duplicate rows on a natural key and records stuck in a
 * state their related rows moved past are found from the ticket's record ids alone (no
 * declared check names those tables), and a one-to-many reference is not a duplicate;
 * records lacking the related row nearly all their peers in the same state have are found
 * the same way.
 */

interface Replica {
  scenario: Scenario;
  seeded: SeededReplica;
  adapter: ReplicaAdapter;
}
const replicas = new Map<string, Replica>();
const NAMES = [
  "duplicate-subscriptions-one-off-script",
  "orders-stuck-payment-pending",
  "refunds-stuck-after-maintenance-window",
  "db-state-approval",
  "outbound-shipped-orders-without-tracking",
];

beforeAll(async () => {
  for (const name of NAMES) {
    const scenario = await findScenario(name);
    const seeded = await seedReplica(TEST_ADMIN_URL, scenario);
    replicas.set(name, { scenario, seeded, adapter: openReplica(seeded.url) });
  }
}, 60_000);

afterAll(async () => {
  for (const r of replicas.values()) {
    await r.adapter.close();
    await r.seeded.drop();
  }
});

async function run(name: string, specialist = db, description?: string) {
  const { scenario: seeded, adapter } = replicas.get(name)!;
  const scenario = description
    ? { ...seeded, ticket: { ...seeded.ticket, description, comments: [] } }
    : seeded;
  const input = specialistInput(scenario, { replica: adapter.reader });
  const applies = specialist.appliesTo(
    input.ticket,
    [{ connector: "db", status: "available", confidenceImpact: 0 }],
    input.hints,
  );
  const out = normalizeSpecialistOutput(await specialist.run(input));
  return { applies, out };
}

describe("db specialist: schema-generic data-state checks", () => {
  it("finds the one-off duplicates from the ticket's account ids, none appearing lately", async () => {
    const { applies, out } = await run("duplicate-subscriptions-one-off-script");
    expect(applies).toMatchObject({ applies: true, required: false });
    expect(out.status).toBe("returned");
    const stale = out.signals.filter((s) => s.kind === "stale_derived_rows");
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({
      discrepancy: "duplicate_rows",
      table: "subscriptions",
      staleCount: 58,
      ongoing: false,
      ticketEntitiesAffected: 2,
      oldestStaleAt: "2026-11-28T02:10:00.000Z",
    });
    const s = stale[0] as { sampleIds?: string[]; proposedCorrection?: { affectsRows: number } };
    expect(s.sampleIds?.length).toBe(5);
    expect(s.proposedCorrection?.affectsRows).toBe(58);
  });

  it("finds records stuck in a state their related rows moved past, still appearing", async () => {
    const { out } = await run("orders-stuck-payment-pending");
    expect(out.status).toBe("returned");
    const stale = out.signals.filter((s) => s.kind === "stale_derived_rows");
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({
      discrepancy: "stuck_state",
      table: "orders",
      staleCount: 212,
      ongoing: true,
      ticketEntitiesAffected: 1,
      oldestStaleAt: "2026-12-15T10:20:00.000Z",
    });
    const fix = (stale[0] as { proposedCorrection?: { statement: string } }).proposedCorrection;
    expect(fix?.statement).toMatch(/^update orders t set status = :next_state where/m);
    // The proposal is for a human: the guard refuses it, so prode could never run it.
    expect(await checkSql(fix!.statement)).toMatchObject({ allowed: false });
  });

  it("a burst stuck in one window, none since and the in-flight ones too young: one-off", async () => {
    const { out } = await run("refunds-stuck-after-maintenance-window");
    const stale = out.signals.filter((s) => s.kind === "stale_derived_rows");
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({
      discrepancy: "stuck_state",
      table: "refunds",
      staleCount: 73,
      ongoing: false,
      ticketEntitiesAffected: 2,
      oldestStaleAt: "2026-12-01T03:00:30.000Z",
    });
  });

  it("a one-to-many reference (members of a workspace) is not a duplicate", async () => {
    const { out } = await run("db-state-approval", createDbSpecialist({ checks: [] }));
    expect(out.status).toBe("returned");
    expect(out.signals.filter((s) => s.kind === "stale_derived_rows")).toEqual([]);
    expect(out.findings.map((f) => f.fact).join("\n")).toMatch(/one-to-many reference/);
  });

  it("a record in the usual state for its related rows is not stuck (healthy records quoted)", async () => {
    const { out } = await run(
      "orders-stuck-payment-pending",
      db,
      "Customer asks about order ord_h4 and ord_n7, both fine as far as we can tell.",
    );
    expect(out.status).toBe("returned");
    expect(out.signals.filter((s) => s.kind === "stale_derived_rows")).toEqual([]);
  });

  it("finds records without the related row nearly all their state's peers have: a burst that ended", async () => {
    const { out } = await run("outbound-shipped-orders-without-tracking");
    expect(out.status).toBe("returned");
    expect(out.gaps).toEqual([]);
    const stale = out.signals.filter((s) => s.kind === "stale_derived_rows");
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({
      discrepancy: "missing_related_row",
      table: "orders",
      staleCount: 300,
      totalCount: 5720,
      ongoing: false,
      ticketEntitiesAffected: 3,
      oldestStaleAt: "2027-03-02T15:40:00.000Z",
      newestStaleAt: "2027-03-02T15:59:56.000Z",
    });
    const s = stale[0] as { sampleIds?: string[]; proposedCorrection?: unknown };
    expect(s.sampleIds).toHaveLength(5);
    // The missing rows' content is not in the replica: no correction is guessed.
    expect(s.proposedCorrection).toBeUndefined();
  });

  it("records with their related row, or too young to have it yet (in flight), are not missing one", async () => {
    const { out } = await run(
      "outbound-shipped-orders-without-tracking",
      db,
      "Orders ord_h4 and ord_a7 look fine; ord_p2 was placed a few minutes ago.",
    );
    expect(out.status).toBe("returned");
    expect(out.signals.filter((s) => s.kind === "stale_derived_rows")).toEqual([]);
  });
});
