import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run-cli.ts";
import {
  approvals,
  learnings,
  phaseTransitions,
  runs,
  verdictFeedback,
} from "../../src/db/schema.ts";
import type { CalibrationReport } from "../../src/reports/calibration.ts";
import type { WeeklyReport } from "../../src/reports/weekly.ts";
import { putArtifact } from "../../src/runner/artifacts.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { memoryIo } from "../setup/io.ts";

const DAY = 24 * 3600 * 1000;

async function cli(args: string[]) {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe("reports on a seeded history", () => {
  let t: TestDb;
  beforeEach(async () => {
    t = await createTestDb();
    process.env.DATABASE_URL = t.url;
  });
  afterEach(async () => {
    delete process.env.DATABASE_URL;
    await t.drop();
  });

  describe("report calibration", () => {
    /** A finished run whose bundle states `confidence` (none when null). */
    async function classified(
      id: string,
      confidence: number | null,
      {
        monitor,
        outcome = "RUN_COMPLETE",
        createdAt = new Date(),
      }: {
        monitor?: string;
        outcome?: string | null;
        createdAt?: Date;
      } = {},
    ) {
      await t.db
        .insert(runs)
        .values({ id, ticket: `ENG-${id}`, phase: outcome ?? "CLASSIFY", outcome, createdAt });
      const context: Record<string, unknown> = {};
      if (confidence !== null) {
        const { sha256 } = await putArtifact(t.db, {
          runId: id,
          kind: "evidence_bundle",
          name: "bundle",
          value: { classification: { class: "code_defect", confidence } },
        });
        context.bundleSha = sha256;
        context.decision = { decision: "proceed_to_delivery", reasons: [] };
      }
      if (monitor) context.monitor = { verdict: monitor };
      await t.db.update(runs).set({ context }).where(eq(runs.id, id));
    }
    const feedback = (runId: string, userId: string, verdict: "right" | "wrong") =>
      t.db.insert(verdictFeedback).values({ runId, userId, verdict });

    beforeEach(async () => {
      await classified("c1", 92, { monitor: "resolved" });
      await classified("c2", 95, { monitor: "still recurring" });
      await classified("c3", 85);
      await feedback("c3", "U1", "right");
      await feedback("c3", "U2", "right");
      await feedback("c3", "U3", "wrong");
      await classified("c4", 75, { monitor: "inconclusive" });
      await feedback("c4", "U1", "wrong");
      await classified("c5", 72);
      await classified("c6", 60);
      await t.db.insert(learnings).values({
        runId: "c6",
        ticket: "ENG-c6",
        outcome: "RUN_COMPLETE",
        monitorVerdict: "resolved",
      });
      await classified("c7", null, { outcome: "BLOCKED_NEEDS_INFO" });
      await classified("c8", 99, { outcome: null, monitor: "resolved" }); // still running
      await classified("c9", 90, {
        monitor: "resolved",
        createdAt: new Date(Date.now() - 60 * DAY),
      });
    });

    it("reports the held rate and Brier score per band, with unknowns counted apart", async () => {
      const { code, out } = await cli([
        "report",
        "calibration",
        "--since",
        new Date(Date.now() - 30 * DAY).toISOString(),
      ]);
      expect(code).toBe(0);
      expect(out).toMatch(/^90-100\s+2\s+1\s+1\s+0\s+50%\s+94%\s+0\.454$/m);
      expect(out).toMatch(/^80-89\s+1\s+1\s+0\s+0\s+100%\s+85%\s+0\.023$/m);
      expect(out).toMatch(/^70-79\s+2\s+0\s+1\s+1\s+0%\s+75%\s+0\.563$/m);
      expect(out).toMatch(/^<70\s+1\s+1\s+0\s+0\s+100%\s+60%\s+0\.160$/m);
      expect(out).toMatch(/^all\s+6\s+3\s+2\s+1\s+60%/m);
      expect(out).toContain("1 run stopped before CLASSIFY");

      const json = await cli([
        "report",
        "calibration",
        "--json",
        "--since",
        new Date(Date.now() - 30 * DAY).toISOString(),
      ]);
      const report = JSON.parse(json.out) as CalibrationReport;
      expect(report.overall).toMatchObject({ runs: 6, held: 3, notHeld: 2, unknown: 1 });
      expect(report.overall.brier).toBeCloseTo((0.0064 + 0.9025 + 0.0225 + 0.5625 + 0.16) / 5, 6);
      expect(report.unclassified).toBe(1);
    });

    it("includes older runs without --since", async () => {
      const report = JSON.parse(
        (await cli(["report", "calibration", "--json"])).out,
      ) as CalibrationReport;
      expect(report.bands.find((b) => b.band === "90-100")).toMatchObject({ runs: 3, held: 2 });
    });

    it("refuses bad flags with exit 2 and shows its usage on --help", async () => {
      expect((await cli(["report", "calibration", "--bogus"])).code).toBe(2);
      const bad = await cli(["report", "calibration", "--since", "last week"]);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain("Usage: prode report calibration");
      const help = await cli(["report", "calibration", "--help"]);
      expect(help.code).toBe(0);
      expect(help.out).toContain("Brier");
      expect((await cli(["report"])).code).toBe(2);
    });
  });

  describe("report weekly", () => {
    const base = new Date(Date.now() - 2 * DAY);
    const at = (seconds: number) => new Date(base.getTime() + seconds * 1000);

    /** A run created at `base` with its transitions [from, to, seconds after base]. */
    async function run(
      id: string,
      outcome: string | null,
      steps: [string, string, number][],
      extra: { error?: string; context?: Record<string, unknown>; createdAt?: Date } = {},
    ) {
      await t.db.insert(runs).values({
        id,
        ticket: `ENG-${id}`,
        phase: outcome ?? steps.at(-1)?.[1] ?? "PRECHECK",
        outcome,
        createdAt: extra.createdAt ?? base,
        context: extra.context ?? {},
        ...(extra.error ? { error: extra.error } : {}),
      });
      for (const [i, [fromState, toState, s]] of steps.entries()) {
        await t.db.insert(phaseTransitions).values({
          runId: id,
          seq: i + 1,
          fromState,
          toState,
          fencing: 1,
          createdAt: at(s),
        });
      }
    }
    const pr = (n: number) => ({
      delivery: {
        band: "draft_pr",
        confidence: 90,
        dryRun: false,
        repository: "o/r",
        pr: { number: n, url: `https://github.com/o/r/pull/${n}` },
      },
    });

    beforeEach(async () => {
      await run(
        "a",
        "RUN_COMPLETE",
        [
          ["", "PRECHECK", 0],
          ["PRECHECK", "CLASSIFY", 60],
          ["CLASSIFY", "OPEN_PR", 180],
          ["OPEN_PR", "AWAIT_HUMAN_REVIEW", 600],
          ["AWAIT_HUMAN_REVIEW", "POST_MERGE_MONITOR", 3600],
          ["POST_MERGE_MONITOR", "WRITE_CANDIDATE_LEARNING", 7200],
          ["WRITE_CANDIDATE_LEARNING", "RUN_COMPLETE", 7210],
        ],
        // The ticket was filed an hour before the run started.
        { context: { ...pr(1), ticket: { snapshot: { createdAt: at(-3600).toISOString() } } } },
      );
      await run(
        "b",
        "NO_CODE_CHANGE",
        [
          ["", "PRECHECK", 0],
          ["PRECHECK", "CLASSIFY", 120],
          ["CLASSIFY", "OPEN_PR", 300],
          ["OPEN_PR", "AWAIT_HUMAN_REVIEW", 1200],
          ["AWAIT_HUMAN_REVIEW", "LINEAR_HANDOFF", 5000],
          ["LINEAR_HANDOFF", "NO_CODE_CHANGE", 5010],
        ],
        { context: pr(2) },
      );
      await run(
        "c",
        null,
        [
          ["", "OPEN_PR", 0],
          ["OPEN_PR", "AWAIT_HUMAN_REVIEW", 300],
        ],
        { context: pr(3) },
      );
      await run("d", "FAILED", [], { error: "timeout: specialist aws timed out" });
      await run("e", "FAILED", [], { error: "timeout: specialist aws timed out" });
      await run("f", "FAILED", [], { error: "bad_input: run context does not parse" });
      await run("g", "NOISE_NO_FIX", []);
      await run("old", "FAILED", [], {
        error: "internal: old",
        createdAt: new Date(Date.now() - 30 * DAY),
      });

      const approval = (id: string, over: Partial<typeof approvals.$inferInsert>) =>
        t.db.insert(approvals).values({
          id,
          runId: "a",
          action: "production_write",
          digest: "d",
          requester: "U1",
          createdAt: base,
          expiresAt: at(3600),
          ...over,
        });
      await approval("ap1", { status: "approved", decidedAt: at(600) });
      await approval("ap2", { status: "rejected", decidedAt: at(1800) });
      await approval("ap3", { status: "consumed", decidedAt: at(300), consumedAt: at(400) });
      await approval("ap4", { status: "expired" });
      await approval("ap5", { status: "pending" }); // past its expiry, not swept yet
      await approval("ap6", { status: "pending", expiresAt: new Date(Date.now() + DAY) });
      await approval("ap-old", {
        status: "approved",
        createdAt: new Date(Date.now() - 30 * DAY),
        decidedAt: new Date(),
      });
    });

    it("answers every figure of the week from the history", async () => {
      const { code, out } = await cli(["report", "weekly", "--json"]);
      expect(code).toBe(0);
      const r = JSON.parse(out) as WeeklyReport;
      expect(r.runs).toMatchObject({
        total: 7,
        succeeded: 3,
        failed: 3,
        successErrorRatio: 1,
        successRate: 0.5,
      });
      expect(r.runs.byExit).toEqual([
        { exit: "FAILED", count: 3 },
        { exit: "(active)", count: 1 },
        { exit: "NOISE_NO_FIX", count: 1 },
        { exit: "NO_CODE_CHANGE", count: 1 },
        { exit: "RUN_COMPLETE", count: 1 },
      ]);
      const phase = (name: string) => r.phases.find((p) => p.phase === name);
      expect(phase("PRECHECK")).toMatchObject({ count: 2, p50: 90 });
      expect(phase("PRECHECK")!.p95).toBeCloseTo(117);
      expect(phase("OPEN_PR")).toMatchObject({ count: 3, p50: 420 });
      expect(phase("AWAIT_HUMAN_REVIEW")).toMatchObject({ count: 2, p50: 3400 });
      expect(phase("RUN_COMPLETE")).toBeUndefined();
      expect(r.failureCauses).toEqual([
        { code: "timeout", count: 2, example: "timeout: specialist aws timed out" },
        { code: "bad_input", count: 1, example: "bad_input: run context does not parse" },
      ]);
      expect(r.delivery).toMatchObject({
        prs: 3,
        merged: 1,
        closedUnmerged: 1,
        open: 1,
        mergeRate: 0.5,
      });
      expect(r.delivery.ticketToPr).toMatchObject({ count: 3, p50: 1200 });
      expect(r.delivery.ticketToPr.p95).toBeCloseTo(3900);
      expect(r.delivery.mergeToVerdict).toMatchObject({ count: 1, p50: 3600 });
      expect(r.approvals).toMatchObject({
        requested: 6,
        decided: 3,
        approved: 2,
        rejected: 1,
        expired: 2,
        pending: 1,
      });
      expect(r.approvals.decisionLatency).toMatchObject({ count: 3, p50: 600 });
      expect(r.approvals.decisionLatency.p95).toBeCloseTo(1680);
    });

    it("prints the review as text", async () => {
      const { code, out } = await cli(["report", "weekly"]);
      expect(code).toBe(0);
      expect(out).toContain(
        "runs: 7 started; 3 stopped on a named exit, 3 FAILED (success 50%, success/error 1.0)",
      );
      expect(out).toMatch(/^\s+OPEN_PR\s+3\s+7m\s+/m);
      expect(out).toContain("2× timeout: timeout: specialist aws timed out");
      expect(out).toContain("merged 1, closed unmerged 1, open 1; merge rate 50%");
      expect(out).toContain("ticket to PR p50 20m, p95 1.1h (3)");
      expect(out).toContain(
        "approvals: 6 requested, 3 decided (2 approved, 1 rejected), 2 expired, 1 pending",
      );
    });

    it("takes --since and refuses a bad one with exit 2", async () => {
      const all = JSON.parse(
        (
          await cli([
            "report",
            "weekly",
            "--json",
            "--since",
            new Date(Date.now() - 60 * DAY).toISOString(),
          ])
        ).out,
      ) as WeeklyReport;
      expect(all.runs.total).toBe(8);
      expect(all.approvals.requested).toBe(7);
      expect((await cli(["report", "weekly", "--since", "2026-13-45"])).code).toBe(2);
      expect((await cli(["report", "weekly", "--verbose"])).code).toBe(2);
      const help = await cli(["report", "weekly", "--help"]);
      expect(help.code).toBe(0);
      expect(help.out).toContain("Usage: prode report weekly [--since ISO] [--json]");
    });
  });
});
