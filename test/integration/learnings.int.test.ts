import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { worldEnv } from "../../sim/demo/world-env.ts";
import { loadScenario } from "../../sim/scenario.ts";
import { startWorld } from "../../sim/server.ts";
import type { SimRepo } from "../../sim/services/github-repo.ts";
import { runCli } from "../../src/cli/run-cli.ts";
import { learnings, runs } from "../../src/db/schema.ts";
import type { Classification } from "../../src/domain/classifier-schema.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import type { PipelineDeps } from "../../src/phases/deps.ts";
import { handoffPhases } from "../../src/phases/handoff.ts";
import { putArtifact } from "../../src/runner/artifacts.ts";
import type { PhaseContext } from "../../src/runner/types.ts";
import { defaultRedactor } from "../../src/safety/redact.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { memoryIo } from "../setup/io.ts";

// Values the redactor must catch; none may reach the table or the export.
const EMAIL = "jane.doe@acme-corp.io";
const TOKEN = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";

const classification = {
  class: "code_defect",
  confidence: 86.4,
  hypotheses: [
    {
      class: "code_defect",
      evidenceFor: [
        {
          specialistId: "release",
          signalKind: "deploy",
          sourceRef: "github:deploy/42",
          summary: `deploy by ${EMAIL} touched the failing path`,
        },
      ],
    },
  ],
  rulesFired: [
    {
      ruleId: "deploy-touches-path",
      class: "code_defect",
      effect: "supports",
      explanation: "error rise began after a deploy touching the path",
    },
    { ruleId: "other", class: "infra", effect: "supports", explanation: "not this class" },
  ],
  gaps: [{ what: "no database metrics", blocking: false }],
} as unknown as Classification;

describe("candidate learnings in Postgres", () => {
  let t: TestDb;
  let dir: string;
  beforeEach(async () => {
    t = await createTestDb();
    process.env.DATABASE_URL = t.url;
    dir = await mkdtemp(join(tmpdir(), "prode-learnings-"));
  });
  afterEach(async () => {
    delete process.env.DATABASE_URL;
    await t.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A run stopped on `outcome`, with a stored bundle when `classified`. */
  async function seedRun(id: string, outcome: string, { classified = true, monitor = false } = {}) {
    await t.db.insert(runs).values({ id, ticket: `ENG-${id}`, phase: "WRITE_CANDIDATE_LEARNING" });
    const bundle = classified
      ? await putArtifact(t.db, {
          runId: id,
          kind: "evidence_bundle",
          name: "b",
          value: { classification },
        })
      : undefined;
    const context = {
      decision: { decision: "exit", outcome, reasons: [`reported by ${EMAIL} with ${TOKEN}`] },
      hints: { pages: ["checkout-errors", "checkout-errors"], recipes: [], negativeControls: [] },
      tools: [
        { connector: "sentry", status: "available", confidenceImpact: 0 },
        { connector: "aws", status: "missing", reason: "no role configured", confidenceImpact: 15 },
      ],
      ...(bundle ? { bundleSha: bundle.sha256 } : {}),
      ...(monitor ? { monitor: { verdict: "resolved" } } : {}),
    };
    await t.db.update(runs).set({ pendingOutcome: outcome, context }).where(eq(runs.id, id));
  }

  async function writeLearning(id: string) {
    const [run] = await t.db.select().from(runs).where(eq(runs.id, id));
    const ctx = {
      run: run!,
      context: parseRunContext(run!.context),
      phase: "WRITE_CANDIDATE_LEARNING",
      db: t.db,
      log: console,
      signal: new AbortController().signal,
      now: () => new Date(),
    } as unknown as PhaseContext;
    const phases = handoffPhases(
      { redactor: defaultRedactor } as unknown as PipelineDeps,
      async () => {},
    );
    return phases.WRITE_CANDIDATE_LEARNING!(ctx);
  }

  it("stores one redacted row per finished run, whatever the exit, and a rerun keeps it one", async () => {
    await seedRun("r1", "NO_CODE_CHANGE", { monitor: true });
    await seedRun("r2", "BLOCKED_NEEDS_INFO", { classified: false });
    await writeLearning("r1");
    await writeLearning("r1");
    await writeLearning("r2");

    const rows = await t.db.select().from(learnings).orderBy(learnings.runId);
    expect(rows).toHaveLength(2);
    const [r1, r2] = rows;
    expect(r1).toMatchObject({
      runId: "r1",
      ticket: "ENG-r1",
      outcome: "NO_CODE_CHANGE",
      class: "code_defect",
      confidence: 86,
      decision: "exit",
      monitorVerdict: "resolved",
      wikiPages: ["checkout-errors"],
      gaps: ["no database metrics", "aws missing: no role configured"],
    });
    expect(r1!.helped).toEqual([
      expect.stringMatching(
        /^release: deploy by \[REDACTED:[a-z_]+\] touched the failing path \[github:deploy\/42\]$/,
      ),
      "rule deploy-touches-path: error rise began after a deploy touching the path",
    ]);
    expect(r2).toMatchObject({ class: null, confidence: null, monitorVerdict: null });
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(EMAIL);
    expect(stored).not.toContain(TOKEN);
  });

  it("exports the inbox format that passes the redaction lint, adding only new runs", async () => {
    await seedRun("r1", "NO_CODE_CHANGE");
    await seedRun("r2", "VENDOR_OR_INFRA");
    await writeLearning("r1");
    await writeLearning("r2");
    // A row written before the redactor knew a pattern is redacted again on the way out.
    await t.db.execute(
      sql`update learnings set gaps = ${JSON.stringify([`ask ${EMAIL}`])}::jsonb where run_id = 'r2'`,
    );
    const out = join(dir, "inbox.md");

    const io = memoryIo();
    expect(await runCli(["learnings", "export", "--out", out], io)).toBe(0);
    expect(io.out()).toContain("2 new entries");
    const text = await readFile(out, "utf8");
    expect(text).toContain("## Entries");
    expect(text).toContain("- run: `r1`");
    expect(text).toContain("### ENG-r2: VENDOR_OR_INFRA");
    expect(text).not.toContain(EMAIL);
    const lint = memoryIo();
    expect(await runCli(["lint-redaction", out], lint)).toBe(0);
    // The lint would have caught the raw values.
    const raw = join(dir, "raw.md");
    await writeFile(raw, `reported by ${EMAIL}\n`);
    expect(await runCli(["lint-redaction", raw], memoryIo())).toBe(1);

    await seedRun("r3", "NOISE_NO_FIX");
    await writeLearning("r3");
    const again = memoryIo();
    expect(await runCli(["learnings", "export", "--out", out], again)).toBe(0);
    expect(again.out()).toContain("1 new entry");
    const after = await readFile(out, "utf8");
    expect(after.startsWith(text.trimEnd())).toBe(true);
    expect(after.match(/^- run: `/gm)).toHaveLength(3);
  });

  it("--pr opens one draft PR with the new entries through the GitHub App, and none when nothing is new", async () => {
    const world = await startWorld({
      scenario: await loadScenario("sim/scenarios/backend-500-pr.yaml"),
    });
    const env = worldEnv(world);
    const keys = Object.keys(env).filter((k) => k.startsWith("GITHUB_"));
    for (const k of keys) process.env[k] = env[k];
    try {
      await seedRun("r1", "NO_CODE_CHANGE");
      await writeLearning("r1");
      const io = memoryIo();
      expect(await runCli(["learnings", "export", "--pr"], io)).toBe(0);
      expect(io.out()).toMatch(
        /1 new entry in draft pull request \S+\/pull\/\d+ \(branch prode\/learnings-[0-9a-f]{12}\)/,
      );
      const repo = (world.state.github as { repos: Map<string, SimRepo> }).repos.get(
        env.GITHUB_REPOSITORY!,
      )!;
      expect(repo.pulls).toHaveLength(1);
      expect(repo.pulls[0]).toMatchObject({ draft: true, title: "Candidate learnings: 1 run" });

      // The same entries again: the same pull request, not a second one.
      const same = memoryIo();
      expect(await runCli(["learnings", "export", "--pr"], same)).toBe(0);
      expect(repo.pulls).toHaveLength(1);
      // Merged by a human: the default branch's inbox holds the run, nothing new, no PR.
      const merged = await fetch(
        `${world.urls.github}/_sim/repos/${env.GITHUB_REPOSITORY}/pulls/${repo.pulls[0]!.number}/merge`,
        { method: "POST", headers: { "content-type": "application/json" }, body: '{"by":"noor"}' },
      );
      expect(merged.status).toBe(200);
      const after = memoryIo();
      expect(await runCli(["learnings", "export", "--pr"], after)).toBe(0);
      expect(after.out()).toContain("nothing new");
      expect(repo.pulls).toHaveLength(1);
      expect(await runCli(["learnings", "export", "--pr", "--out", "x.md"], memoryIo())).toBe(2);
    } finally {
      for (const k of keys) delete process.env[k];
      await world.close();
    }
  });

  it("exports runs that stopped without the phase (FAILED, SUPERSEDED) from the run as stored", async () => {
    await t.db.insert(runs).values([
      {
        id: "f1",
        ticket: "ENG-f1",
        phase: "FAILED",
        outcome: "FAILED",
        error: `timeout: sentry did not answer for ${EMAIL}`,
        endedAt: new Date(),
      },
      {
        id: "s1",
        ticket: "ENG-s1",
        phase: "SUPERSEDED",
        outcome: "SUPERSEDED",
        endedAt: new Date(),
      },
      { id: "live", ticket: "ENG-live", phase: "CLASSIFY" },
    ]);
    const io = memoryIo();
    expect(await runCli(["learnings", "export"], io)).toBe(0);
    const text = io.out();
    expect(text).toContain("### ENG-f1: FAILED");
    expect(text).toMatch(
      /- reasons: failed: timeout: sentry did not answer for \[REDACTED:[a-z_]+\]/,
    );
    expect(text).toContain("### ENG-s1: SUPERSEDED");
    expect(text).not.toContain("ENG-live");
    expect(text).not.toContain(EMAIL);
    expect(await t.db.select().from(learnings)).toHaveLength(0); // the export wrote nothing
  });

  it("filters by --since and prints to stdout without --out", async () => {
    await seedRun("old", "NO_CODE_CHANGE");
    await seedRun("new", "NO_CODE_CHANGE");
    await writeLearning("old");
    await writeLearning("new");
    await t.db.execute(
      sql`update learnings set created_at = '2026-01-01T00:00:00Z' where run_id = 'old'`,
    );
    const io = memoryIo();
    expect(await runCli(["learnings", "export", "--since", "2026-06-01"], io)).toBe(0);
    expect(io.out()).toContain("# Candidate learnings inbox");
    expect(io.out()).toContain("- run: `new`");
    expect(io.out()).not.toContain("- run: `old`");
  });

  it("refuses bad flags with the usage error code and documents itself", async () => {
    const bad = memoryIo();
    expect(await runCli(["learnings", "export", "--since", "yesterday"], bad)).toBe(2);
    expect(bad.err()).toContain("--since takes an ISO 8601 date");
    expect(await runCli(["learnings", "export", "--bogus"], memoryIo())).toBe(2);
    expect(await runCli(["learnings", "export", "stray"], memoryIo())).toBe(2);
    const help = memoryIo();
    expect(await runCli(["learnings", "export", "--help"], help)).toBe(0);
    expect(help.out()).toContain(
      "Usage: prode learnings export [--since ISO] [--out FILE | --pr [--repo OWNER/NAME] [--path FILE]]",
    );
  });
});
