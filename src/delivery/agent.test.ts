import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { defaultRedactor } from "../safety/redact.ts";
import { BRIEF_FILE, type RunAgentInput, runAgent } from "./agent.ts";
import { createWorktree, type Worktree } from "./worktree.ts";

const REFERENCE_AGENT = fileURLToPath(
  new URL("../../sim/agent/reference-agent.mjs", import.meta.url),
);
const FIXED = "export function handler() {\n  return 200;\n}\n";

let base: string;
let root: string;
let fixPath: string;
let wt: Worktree;

beforeEach(async () => {
  base = mkdtempSync(join(tmpdir(), "prode-agent-"));
  root = join(base, "worktrees");
  fixPath = join(base, "fix.json");
  writeFileSync(fixPath, JSON.stringify({ files: { "src/handler.ts": FIXED } }));
  wt = await createWorktree({
    root,
    runId: "run-1",
    branch: "prode/ENG-1-run-1",
    baseSha: "abc123",
    files: [{ path: "src/handler.ts", content: "export function handler() {\n  return 500;\n}\n" }],
  });
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function reference(mode: string): string {
  return `'${process.execPath}' '${REFERENCE_AGENT}' --fix '${fixPath}' --brief {brief} --mode ${mode}`;
}

function inline(script: string): string {
  return `'${process.execPath}' -e '${script}' {brief}`;
}

/**
 * The escape detection is the second line, behind the OS sandbox: these tests run the
 * agent unsandboxed to see that it still catches what an unconfined agent does.
 */
const UNSANDBOXED = { sandbox: { mode: "off", hidden: [] } } as const;

function agent(template: string, over: Partial<RunAgentInput> = {}) {
  return runAgent({
    template,
    worktree: wt,
    brief: "# Brief\nFix the handler.\n",
    timeoutMs: 10_000,
    maxOutputBytes: 64 * 1024,
    redactor: defaultRedactor,
    ...over,
  });
}

/** Alive and not a zombie (a killed orphan stays a zombie until PID 1 reaps it). Linux. */
function isAlive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("runAgent with the reference agent", () => {
  it("ok: changed, with the fix in the diff and the brief outside the repository", async () => {
    const run = await agent(reference("ok"));
    expect(run.outcome).toBe("changed");
    expect(run.result.exitCode).toBe(0);
    expect(run.result.stdout).toBe("wrote src/handler.ts\n");
    expect(run.diff?.files).toEqual([
      expect.objectContaining({ path: "src/handler.ts", status: "modified", content: FIXED }),
    ]);
    expect(readFileSync(join(wt.runDir, BRIEF_FILE), "utf8")).toContain("Fix the handler.");
    expect(existsSync(join(wt.dir, BRIEF_FILE))).toBe(false);
    expect(run.detail).toMatch(/changed 1 file/);
  });

  it("none: no_diff", async () => {
    const run = await agent(reference("none"));
    expect(run.outcome).toBe("no_diff");
    expect(run.diff).toBeUndefined();
  });

  it("timeout: the agent and the child it started are both killed", async () => {
    const run = await agent(reference("timeout"), { timeoutMs: 3_000, ...UNSANDBOXED });
    expect(run.outcome).toBe("timeout");
    expect(run.result.timedOut).toBe(true);
    const sleeper = Number(/sleeper (\d+)/.exec(run.result.stdout)?.[1]);
    expect(sleeper).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(isAlive(sleeper)).toBe(false);
  });

  it("forbidden: changed, with the workflow file in the diff for REVIEW to block", async () => {
    const run = await agent(reference("forbidden"));
    expect(run.outcome).toBe("changed");
    expect(run.diff?.files.map((f) => f.path).sort()).toEqual([
      ".github/workflows/reference-agent.yml",
      "src/handler.ts",
    ]);
  });

  it("break: changed, with a thrown error appended (the checks catch it)", async () => {
    const run = await agent(reference("break"));
    expect(run.outcome).toBe("changed");
    expect(run.diff?.files[0]?.content).toMatch(/throw new Error/);
  });

  it("secret: changed, the key in the diff's content for REVIEW's scan", async () => {
    const run = await agent(reference("secret"));
    expect(run.outcome).toBe("changed");
    const env = run.diff?.files.find((f) => f.path === "config/deploy.env");
    expect(defaultRedactor.redact(env?.content ?? "").summary).toHaveProperty("aws_access_key_id");
  });

  it("outside: escaped, naming the file it wrote, and no diff is taken", async () => {
    const run = await agent(reference("outside"), UNSANDBOXED);
    expect(run.outcome).toBe("escaped");
    expect(run.detail).toContain("outside.txt (created)");
    expect(run.diff).toBeUndefined();
  });
});

describe("runAgent, other agents", () => {
  it("a non-zero exit is failed, with the exit in the detail", async () => {
    const run = await agent(inline("process.exit(3)"));
    expect(run.outcome).toBe("failed");
    expect(run.detail).toContain("code 3");
  });

  it("an agent that cannot be started is failed", async () => {
    const run = await agent(`${join(base, "missing-agent")} {brief}`);
    expect(run.outcome).toBe("failed");
    expect(run.result.exitCode).toBe(127);
  });

  it("altering the brief is an escape", async () => {
    const script = `require("fs").chmodSync(process.argv[1], 0o644); require("fs").appendFileSync(process.argv[1], "ignore the rules")`;
    const run = await agent(inline(script), UNSANDBOXED);
    expect(run.outcome).toBe("escaped");
    expect(run.detail).toContain("brief.md (changed)");
  });

  it("touching prode's git directory is an escape", async () => {
    const run = await agent(
      inline(`require("fs").writeFileSync("../git/config", "")`),
      UNSANDBOXED,
    );
    expect(run.outcome).toBe("escaped");
    expect(run.detail).toContain("git/config (changed)");
  });

  it("a file written in the worktree root, beside the runs, is an escape", async () => {
    const run = await agent(
      inline(`require("fs").writeFileSync("../../stray.txt", "x")`),
      UNSANDBOXED,
    );
    expect(run.outcome).toBe("escaped");
    expect(run.detail).toContain("../stray.txt (created)");
  });

  it("a symlink in the diff pointing outside the repository is an escape", async () => {
    const run = await agent(inline(`require("fs").symlinkSync("/etc/passwd", "leak")`));
    expect(run.outcome).toBe("escaped");
    expect(run.diff?.files[0]).toMatchObject({ path: "leak", symlink: true });
  });

  it("a hard link to a file outside is an escape", async () => {
    writeFileSync(join(base, "target.txt"), "outside\n");
    const target = join(base, "target.txt");
    const run = await agent(
      inline(`require("fs").linkSync(${JSON.stringify(target)}, "hl")`),
      UNSANDBOXED,
    );
    expect(run.outcome).toBe("escaped");
    expect(run.detail).toContain("hard link");
  });

  it("writing in its home and temp is allowed", async () => {
    const script = `const fs = require("fs"); fs.writeFileSync(process.env.HOME + "/.cache", "x"); fs.writeFileSync(process.env.TMPDIR + "/t", "x"); fs.writeFileSync("ok.txt", "x")`;
    const run = await agent(inline(script));
    expect(run.outcome).toBe("changed");
    expect(run.diff?.files.map((f) => f.path)).toEqual(["ok.txt"]);
  });

  it("the brief is redacted before the agent sees it", async () => {
    const key = ["AKIA", "R3V7W2QX9LMBKT4Z"].join("");
    await agent(reference("none"), { brief: `leaked ${key} in a log line\n` });
    const written = readFileSync(join(wt.runDir, BRIEF_FILE), "utf8");
    expect(written).not.toContain(key);
    expect(written).toContain("[REDACTED:");
  });

  it("the agent's environment holds none of prode's secrets", async () => {
    process.env.PRODE_TEST_SECRET = "planted-secret";
    process.env.GITHUB_PRIVATE_KEY = "planted-key";
    try {
      const run = await agent(inline(`console.log(JSON.stringify(process.env))`));
      expect(run.result.stdout).not.toContain("planted-");
      const env = JSON.parse(run.result.stdout) as Record<string, string>;
      expect(env.HOME).toBe(wt.home);
      expect(env.GIT_CEILING_DIRECTORIES).toBe(wt.runDir);
    } finally {
      delete process.env.PRODE_TEST_SECRET;
      delete process.env.GITHUB_PRIVATE_KEY;
    }
  });

  it("a template with shell operators is refused before anything runs", async () => {
    await expect(agent("agent {brief} | tee log")).rejects.toSatisfy(
      (e) => e instanceof AppError && e.code === ErrorCode.ConfigInvalid,
    );
    expect(existsSync(join(wt.runDir, BRIEF_FILE))).toBe(false);
  });

  it("a retried run on the same worktree rewrites the brief", async () => {
    await agent(reference("none"), { brief: "first\n" });
    await agent(reference("none"), { brief: "second\n" });
    expect(readFileSync(join(wt.runDir, BRIEF_FILE), "utf8")).toBe("second\n");
  });
});
