import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyAudit } from "../../src/audit/audit.ts";
import { runCli } from "../../src/cli/run-cli.ts";
import { auditEvents, verdictFeedback } from "../../src/db/schema.ts";
import { feedbackOf, recordFeedback } from "../../src/slack/feedback-store.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { memoryIo } from "../setup/io.ts";

describe("verdict feedback (issue 19.3)", () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb();
    await t.db.execute(sql`insert into runs (id, ticket, phase, outcome, ended_at)
      values ('run_fb', 'ENG-7', 'APPROVAL_REQUIRED', 'APPROVAL_REQUIRED', now())`);
  });
  afterEach(async () => {
    await t.drop();
  });

  const at = new Date("2026-12-07T10:00:00Z");

  it("one answer per user and run: a second replaces the first, both audited on the run's chain", async () => {
    const first = await recordFeedback(t.db, {
      runId: "run_fb",
      userId: "U1",
      verdict: "right",
      prodeOutcome: "APPROVAL_REQUIRED",
      correctOutcome: null,
      at,
    });
    const second = await recordFeedback(t.db, {
      runId: "run_fb",
      userId: "U1",
      verdict: "wrong",
      prodeOutcome: "APPROVAL_REQUIRED",
      correctOutcome: "NO_CODE_CHANGE",
      at: new Date(at.getTime() + 1_000),
    });
    await recordFeedback(t.db, {
      runId: "run_fb",
      userId: "U2",
      verdict: "right",
      prodeOutcome: "APPROVAL_REQUIRED",
      correctOutcome: null,
      at,
    });
    expect([first.updated, second.updated]).toEqual([false, true]);
    const rows = await feedbackOf(t.db, "run_fb");
    expect(rows.map((r) => [r.userId, r.verdict, r.correctOutcome])).toEqual([
      ["U1", "wrong", "NO_CODE_CHANGE"],
      ["U2", "right", null],
    ]);
    const events = await t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.runId, "run_fb"))
      .orderBy(auditEvents.seq);
    expect(events.map((e) => [e.type, e.actor])).toEqual([
      ["feedback.recorded", "slack:U1"],
      ["feedback.updated", "slack:U1"],
      ["feedback.recorded", "slack:U2"],
    ]);
    expect(events[1]!.payload).toMatchObject({
      verdict: "wrong",
      correctOutcome: "NO_CODE_CHANGE",
      previous: { verdict: "right", correctOutcome: null },
    });
    expect((await verifyAudit(t.db, { runId: "run_fb" })).ok).toBe(true);
  });

  it("concurrent answers of one user leave one row and one audit event each", async () => {
    await Promise.all(
      ["right", "wrong", "right", "wrong"].map((verdict, i) =>
        recordFeedback(t.db, {
          runId: "run_fb",
          userId: "U9",
          verdict: verdict as "right" | "wrong",
          prodeOutcome: "APPROVAL_REQUIRED",
          correctOutcome: verdict === "wrong" ? "NO_CODE_CHANGE" : null,
          at: new Date(at.getTime() + i),
        }),
      ),
    );
    expect(await t.db.select().from(verdictFeedback)).toHaveLength(1);
    const types = (await t.db.select().from(auditEvents)).map((e) => e.type).sort();
    expect(types).toEqual([
      "feedback.recorded",
      "feedback.updated",
      "feedback.updated",
      "feedback.updated",
    ]);
  });

  it("`prode status RUN` shows the feedback; an unknown run is an error", async () => {
    await recordFeedback(t.db, {
      runId: "run_fb",
      userId: "U1",
      verdict: "wrong",
      prodeOutcome: "APPROVAL_REQUIRED",
      correctOutcome: "NO_CODE_CHANGE",
      at,
    });
    process.env.DATABASE_URL = t.url;
    const io = memoryIo();
    expect(await runCli(["status", "run_fb"], io)).toBe(0);
    expect(io.out()).toContain("outcome  APPROVAL_REQUIRED");
    expect(io.out()).toContain("feedback 1 wrong (said NO_CODE_CHANGE)");
    expect(io.out()).toMatch(/U1\s+wrong → NO_CODE_CHANGE/);
    const json = memoryIo();
    expect(await runCli(["status", "ENG-7", "--json"], json)).toBe(0);
    expect(JSON.parse(json.out()).feedback).toHaveLength(1);
    expect(await runCli(["status", "nope"], memoryIo())).toBe(1);
  });
});
