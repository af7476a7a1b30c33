import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { defaultRedactor } from "../safety/redact.ts";
import { commandArgv, type RunCommandInput, runCommand, scrubbedEnv } from "./exec.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "prode-exec-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(script: string, over: Partial<RunCommandInput> = {}) {
  return runCommand({
    argv: [process.execPath, "-e", script],
    cwd: dir,
    env: scrubbedEnv({ home: dir, tmp: dir }),
    timeoutMs: 10_000,
    maxOutputBytes: 64 * 1024,
    redact: (text) => defaultRedactor.redact(text).text,
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

describe("runCommand", () => {
  it("returns a non-zero exit with its output instead of throwing", async () => {
    const result = await run("console.log('out'); console.error('err'); process.exit(3)");
    expect(result.exitCode).toBe(3);
    expect(result.timedOut).toBe(false);
    expect(result.stdout).toBe("out\n");
    expect(result.stderr).toBe("err\n");
  });

  it("a program that cannot be started is exit 127 with the reason, not a throw", async () => {
    const result = await runCommand({
      argv: [join(dir, "no-such-program")],
      cwd: dir,
      env: scrubbedEnv({ home: dir, tmp: dir }),
      timeoutMs: 5_000,
      maxOutputBytes: 1024,
      redact: (t) => t,
    });
    expect(result.exitCode).toBe(127);
    expect(result.stderr).toMatch(/cannot run .*ENOENT/);
  });

  it("a timeout kills the whole process group, grandchildren included", async () => {
    // The child starts a grandchild that ignores SIGTERM, prints its pid, then sleeps.
    const script = `
      const { spawn } = require("node:child_process");
      const g = spawn(process.execPath, ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: "ignore" });
      console.log("grandchild " + g.pid);
      setInterval(() => {}, 1000);
    `;
    const result = await run(script, { timeoutMs: 2_000, killGraceMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe("SIGTERM");
    const pid = Number(/grandchild (\d+)/.exec(result.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 600));
    expect(isAlive(pid)).toBe(false);
  });

  it("a grandchild left running after a normal exit is killed too", async () => {
    const script = `
      const { spawn } = require("node:child_process");
      const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      console.log("grandchild " + g.pid);
      g.unref();
    `;
    const result = await run(script);
    expect(result.exitCode).toBe(0);
    const pid = Number(/grandchild (\d+)/.exec(result.stdout)?.[1]);
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(pid)).toBe(false);
  });

  it("an abort kills the group without calling it a timeout", async () => {
    const controller = new AbortController();
    const pending = run("setInterval(() => {}, 1000)", { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const result = await pending;
    expect(result.timedOut).toBe(false);
    expect(result.signal).toBe("SIGTERM");
  });

  it("caps each stream, keeping its first and last lines, and says it cut", async () => {
    const script = `for (let i = 0; i < 5000; i++) console.log("line " + i);`;
    const result = await run(script, { maxOutputBytes: 1000 });
    expect(result.truncated).toBe(true);
    expect(result.stdout.length).toBeLessThan(1100);
    expect(result.stdout.startsWith("line 0\n")).toBe(true);
    expect(result.stdout.endsWith("line 4999\n")).toBe(true);
    expect(result.stdout).toMatch(/\[prode: \d+ bytes cut\]/);
  });

  it("redacts both streams before returning them", async () => {
    const key = ["AKIA", "R3V7W2QX9LMBKT4Z"].join("");
    const result = await run(`console.log("key=${key}"); console.error("${key}")`);
    expect(result.stdout).not.toContain(key);
    expect(result.stderr).not.toContain(key);
    expect(result.stdout).toContain("[REDACTED:");
  });
});

describe("scrubbedEnv", () => {
  const planted = ["PRODE_TEST_SECRET", "GITHUB_PRIVATE_KEY", "DATABASE_URL"] as const;
  afterEach(() => {
    for (const name of planted) delete process.env[name];
  });

  it("a child sees only the allow-list, never a secret of prode's environment", async () => {
    for (const name of planted) process.env[name] = `planted-${name}`;
    const result = await run("console.log(JSON.stringify(process.env))");
    const env = JSON.parse(result.stdout) as Record<string, string>;
    for (const name of planted) expect(env[name]).toBeUndefined();
    expect(result.stdout).not.toContain("planted-");
    expect(env.HOME).toBe(dir);
    expect(env.TMPDIR).toBe(dir);
    expect(env.CI).toBe("1");
    expect(env.GIT_TERMINAL_PROMPT).toBe("0");
    const allowed = ["PATH", "LANG", "LC_ALL", "TZ", "HOME", "TMPDIR", "CI"];
    allowed.push("GIT_TERMINAL_PROMPT", "NO_COLOR");
    // Node itself may add nothing to a spawned environment; anything else is a leak.
    for (const name of Object.keys(env)) expect(allowed).toContain(name);
  });
});

describe("commandArgv", () => {
  const vars = { brief: "/runs/r 1/brief.md", worktree: "/runs/r 1/repo", run: "r1" };

  it("splits like a shell: quotes, escapes, placeholders inside words", () => {
    expect(
      commandArgv(`agent -p "fix it" --brief={brief} 'a b' c\\ d "" --cwd "{worktree}"`, vars),
    ).toEqual([
      "agent",
      "-p",
      "fix it",
      "--brief=/runs/r 1/brief.md",
      "a b",
      "c d",
      "",
      "--cwd",
      "/runs/r 1/repo",
    ]);
    expect(commandArgv(`x "say \\"hi\\" \\\\ 'q'" 'back\\slash'`, vars)).toEqual([
      "x",
      `say "hi" \\ 'q'`,
      "back\\slash",
    ]);
  });

  it("a substituted value is never split or interpreted again", () => {
    expect(commandArgv("run {run}", { run: "a;b {brief}" })).toEqual(["run", "a;b {brief}"]);
  });

  it.each([
    ["a | b"],
    ["a; b"],
    ["a && b"],
    ["a & b"],
    ["a > out"],
    ["a < in"],
    ["a 2>&1"],
    ["a $(whoami)"],
    ["a `whoami`"],
    ['a "$(whoami)"'],
    ['a "`whoami`"'],
    ["a $HOME"],
    ["a *.ts"],
    ["a ~/x"],
    ["a # comment"],
    ["a\nb"],
    ["a 'open"],
    ['a "open'],
    [""],
    ["   "],
    ["a {unknown}"],
    ["TOKEN=x agent {brief}"],
  ])("refuses %j with config_invalid", (template) => {
    let error: unknown;
    try {
      commandArgv(template, vars);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.ConfigInvalid);
    expect((error as AppError).message).toMatch(/command template/);
  });

  it("operators quoted or escaped are plain text", () => {
    expect(commandArgv(`a '|' "&&" \\; '$(x)' \\$HOME`, vars)).toEqual([
      "a",
      "|",
      "&&",
      ";",
      "$(x)",
      "$HOME",
    ]);
  });

  it("a placeholder with no value is refused", () => {
    expect(() => commandArgv("check {brief}", { worktree: "/w" })).toThrow(/no value/);
  });
});
