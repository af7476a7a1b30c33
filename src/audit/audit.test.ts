import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../../test/setup/db.ts";
import { auditEvents } from "../db/schema.ts";
import { appendAudit, verifyAudit } from "./audit.ts";
import { canonicalJson } from "./canonical-json.ts";

describe("audit chain", () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb();
    await t.db.execute(sql`insert into runs (id, ticket, phase) values ('r1', 'ENG-1', 'QUEUED')`);
    for (let i = 0; i < 5; i += 1) {
      await appendAudit(t.db, { runId: "r1", type: "transition", actor: "w1", payload: { i } });
    }
    await appendAudit(t.db, {
      type: "kill_switch.engaged",
      actor: "U1",
      payload: { scope: "global" },
    });
  });
  afterEach(async () => {
    await t.drop();
  });

  it("verifies an untouched log", async () => {
    const result = await verifyAudit(t.db);
    expect(result).toMatchObject({ ok: true, chains: 2, events: 6, breaks: [] });
  });

  it("detects an altered payload and names the row", async () => {
    const [row] = await t.db.select().from(auditEvents).where(eq(auditEvents.seq, 3)).limit(1);
    await t.db
      .update(auditEvents)
      .set({ payload: { i: 99 } })
      .where(eq(auditEvents.id, row!.id));
    const result = await verifyAudit(t.db);
    expect(result.ok).toBe(false);
    expect(result.breaks).toEqual([
      expect.objectContaining({
        chain: "run:r1",
        seq: 3,
        id: row!.id,
        reason: expect.stringContaining("altered"),
      }),
    ]);
  });

  it("detects a deleted middle row and a deleted newest row", async () => {
    await t.db.delete(auditEvents).where(sql`chain = 'run:r1' and seq = 2`);
    let result = await verifyAudit(t.db, { runId: "r1" });
    expect(result.breaks[0]).toMatchObject({ seq: 2, reason: expect.stringContaining("missing") });

    await t.db.delete(auditEvents).where(sql`chain = 'global'`);
    result = await verifyAudit(t.db);
    expect(result.breaks.map((b) => b.chain)).toContain("global");
  });

  it("keeps appends ordered under concurrency", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.db.transaction((tx) =>
          appendAudit(tx, { runId: "r1", type: "effect", actor: "w", payload: { i } }),
        ),
      ),
    );
    const result = await verifyAudit(t.db, { runId: "r1" });
    expect(result).toMatchObject({ ok: true, events: 25 });
  });

  it("flags an approval decided on another digest than requested, with every hash intact", async () => {
    const asked = "a".repeat(64);
    await appendAudit(t.db, {
      runId: "r1",
      type: "approval.requested",
      actor: "slack:U0ASKER01",
      payload: { approvalId: "apr_1", action: "production_write", digest: asked },
    });
    await appendAudit(t.db, {
      runId: "r1",
      type: "approval.approved",
      actor: "slack:U0APPROVE",
      payload: { approvalId: "apr_1", action: "production_write", digest: "b".repeat(64) },
    });
    const result = await verifyAudit(t.db, { runId: "r1" });
    expect(result.breaks).toEqual([]);
    expect(result.ok).toBe(false);
    expect(result.approvalMismatches).toEqual([
      expect.objectContaining({
        chain: "run:r1",
        approvalId: "apr_1",
        seq: 7,
        reason: expect.stringContaining(`is not the requested ${asked}`),
      }),
    ]);
  });

  it("flags an approval row whose digest is no longer the requested one", async () => {
    await appendAudit(t.db, {
      runId: "r1",
      type: "approval.requested",
      actor: "prode",
      payload: { approvalId: "apr_2", action: "production_write", digest: "c".repeat(64) },
    });
    await t.db.execute(sql`insert into approvals (id, run_id, action, digest, requester, expires_at)
      values ('apr_2', 'r1', 'production_write', ${"d".repeat(64)}, 'prode', now())`);
    const result = await verifyAudit(t.db);
    expect(result.ok).toBe(false);
    expect(result.approvalMismatches).toEqual([
      expect.objectContaining({
        approvalId: "apr_2",
        reason: expect.stringContaining("row edited"),
      }),
    ]);
  });

  it("hashes the same event the same whatever its key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
  });
});
