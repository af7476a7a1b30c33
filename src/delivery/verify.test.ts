import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { defaultRedactor } from "../safety/redact.ts";
import type { CheckSpec, CommandResult } from "./types.ts";
import { failingLines, runChecks } from "./verify.ts";
import { createWorktree, type Worktree } from "./worktree.ts";

let base: string;
let wt: Worktree;

beforeEach(async () => {
  base = mkdtempSync(join(tmpdir(), "prode-verify-"));
  wt = await createWorktree({
    root: base,
    runId: "run-1",
    branch: "prode/ENG-1-run-1",
    baseSha: "abc123",
    files: [{ path: "package.json", content: "{}\n" }],
  });
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function check(name: string, script: string, timeout_seconds = 10): CheckSpec {
  return { name, command: `'${process.execPath}' -e '${script}'`, timeout_seconds };
}

function checks(list: CheckSpec[]) {
  return runChecks({ checks: list, worktree: wt, redactor: defaultRedactor, maxOutputBytes: 8192 });
}

describe("runChecks", () => {
  it("runs every check in the worktree, in order, and passes when all pass", async () => {
    const outcome = await checks([
      check("lint", `require("fs").writeFileSync("lint.ran", ""); console.log("lint ok")`),
      check("test", `console.log(require("fs").existsSync("lint.ran") ? "after lint" : "first")`),
    ]);
    expect(outcome.passed).toBe(true);
    expect(outcome.results.map((r) => [r.name, r.passed, r.stdout])).toEqual([
      ["lint", true, "lint ok\n"],
      ["test", true, "after lint\n"],
    ]);
  });

  it("stops at the first failure; later checks do not run", async () => {
    const outcome = await checks([
      check("lint", `console.log("fine")`),
      check(
        "test",
        `console.log("FAIL src/handler.test.ts"); console.error("expected 200, got 500"); process.exit(1)`,
      ),
      check("build", `require("fs").writeFileSync("build.ran", "")`),
    ]);
    expect(outcome.passed).toBe(false);
    expect(outcome.results.map((r) => [r.name, r.passed, r.exitCode])).toEqual([
      ["lint", true, 0],
      ["test", false, 1],
    ]);
    expect(existsSync(join(wt.dir, "build.ran"))).toBe(false);
    expect(failingLines(outcome.results[1]!)).toEqual([
      "FAIL src/handler.test.ts",
      "expected 200, got 500",
    ]);
  });

  it("a check past its time limit is killed and fails", async () => {
    const outcome = await checks([check("hang", "setInterval(() => {}, 1000)", 1)]);
    expect(outcome.passed).toBe(false);
    expect(outcome.results[0]).toMatchObject({ name: "hang", timedOut: true, passed: false });
    expect(failingLines(outcome.results[0]!).at(-1)).toMatch(/killed at its time limit/);
  });

  it("output is redacted, and the check cannot see prode's secrets", async () => {
    process.env.PRODE_TEST_SECRET = "planted-secret";
    try {
      const key = ["AKIA", "R3V7W2QX9LMBKT4Z"].join("");
      const outcome = await checks([
        check(
          "env",
          `console.log(process.env.PRODE_TEST_SECRET ?? "absent"); console.log("${key}")`,
        ),
      ]);
      expect(outcome.results[0]?.stdout).toMatch(/^absent\n\[REDACTED:/);
    } finally {
      delete process.env.PRODE_TEST_SECRET;
    }
  });

  it("a command needing a shell is refused before any check runs", async () => {
    const list = [
      check("first", `require("fs").writeFileSync("first.ran", "")`),
      { name: "piped", command: "npm test | tee out.log", timeout_seconds: 10 },
    ];
    await expect(checks(list)).rejects.toSatisfy(
      (e) => e instanceof AppError && e.code === ErrorCode.PolicyInvalid && /piped/.test(e.message),
    );
    expect(existsSync(join(wt.dir, "first.ran"))).toBe(false);
  });

  it("an aborted run stops before the next check", async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await runChecks({
      checks: [check("lint", `console.log("x")`)],
      worktree: wt,
      redactor: defaultRedactor,
      maxOutputBytes: 1024,
      signal: controller.signal,
    });
    expect(outcome).toEqual({ passed: false, results: [] });
  });
});

describe("failingLines", () => {
  const result = (stdout: string, stderr = ""): CommandResult => ({
    exitCode: 1,
    signal: null,
    timedOut: false,
    stdout,
    stderr,
    truncated: false,
    durationMs: 10,
  });

  it("keeps the last meaningful lines, without colours, blanks or rules", () => {
    const out = [
      "\u001b[31m× handler returns 200\u001b[39m",
      "",
      "-----",
      "  at handler.ts:3",
      "====",
      "",
    ];
    expect(failingLines(result(out.join("\n"), "npm ERR! Test failed.\n"))).toEqual([
      "× handler returns 200",
      "  at handler.ts:3",
      "npm ERR! Test failed.",
    ]);
  });

  it("returns at most `max` lines, the last ones, each cut to a readable length", () => {
    const many = Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n");
    expect(failingLines(result(many), 3)).toEqual(["line 47", "line 48", "line 49"]);
    expect(failingLines(result("word ".repeat(200)))[0]).toHaveLength(300);
    // A cut inside a token drops the token: its head could be half a credential.
    expect(failingLines(result(`token ${"x".repeat(1000)}`))[0]).toBe("token …");
  });
});
