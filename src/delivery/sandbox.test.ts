import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { defaultRedactor } from "../safety/redact.ts";
import { runAgent } from "./agent.ts";
import { runCommand, scrubbedEnv } from "./exec.ts";
import { bwrapArgv, forgetSandboxProbe, type SandboxMode } from "./sandbox.ts";
import { expandHidden, unshareArgv } from "./sandbox-unshare.ts";
import { runChecks } from "./verify.ts";
import { createWorktree, type Worktree } from "./worktree.ts";

const FIXTURE = fileURLToPath(new URL("./sandbox-probe.fixture.ts", import.meta.url));

let base: string;
let wt: Worktree;

beforeEach(async () => {
  base = mkdtempSync(join(tmpdir(), "prode-sandbox-"));
  wt = await createWorktree({
    root: join(base, "worktrees"),
    runId: "run-1",
    branch: "prode/ENG-1-run-1",
    baseSha: "abc123",
    files: [{ path: "README.md", content: "x\n" }],
  });
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

/** Runs the probe's hostile agent from a process started with a canary in its environment. */
function probe(mode: SandboxMode, outside: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, base, mode, ...outside], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PRODE_SANDBOX_CANARY: "canary-4b1e9c" },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.once("close", (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`fixture exited ${code}: ${err}`)),
    );
  });
}

const shell = (script: string) => `sh -c '${script}'`;

describe("the sandbox around the coding agent (security probe F0, F0b)", () => {
  it("an agent finds no process's environment through /proc and cannot write outside its worktree", async () => {
    // Outside paths: beside the worktrees (under the temp dir) and in prode's own directory.
    const nearby = join(base, "outside.txt");
    const inProde = join(process.cwd(), `.prode-sandbox-probe-${process.pid}.txt`);
    try {
      const run = await probe("required", [nearby, inProde]);
      expect(run.sandbox).toMatch(/^(bwrap|unshare)$/);
      expect(run.outcome).toBe("changed");
      expect(run.leaked).not.toContain("PRODE_SANDBOX_CANARY");
      expect(run.leaked).not.toContain("environ");
      expect(run.leaked).not.toContain(`wrote ${inProde}`);
      expect(run.leaked).toMatch(/done\n$/);
      expect(existsSync(nearby)).toBe(false);
      expect(existsSync(inProde)).toBe(false);
    } finally {
      rmSync(inProde, { force: true });
    }
  }, 30_000);

  it("prode's home and the other runs are hidden; the run's brief is readable, its git directory is not writable", async () => {
    const other = await createWorktree({
      root: join(base, "worktrees"),
      runId: "run-2",
      branch: "b",
      baseSha: "abc123",
      files: [{ path: "other.txt", content: "another run\n" }],
    });
    const script = `ls -A ~ > /dev/null; ls -A "$HOME_OF_PRODE" | wc -l > seen.txt; cat ${other.dir}/other.txt >> seen.txt 2>/dev/null; head -1 {brief} >> seen.txt; echo x > ../git/x 2>/dev/null && echo wrote-git >> seen.txt; true`;
    const run = await runAgent({
      template: shell(script.replace("$HOME_OF_PRODE", process.env.HOME ?? "/root")),
      worktree: wt,
      brief: "# The brief\n",
      timeoutMs: 10_000,
      maxOutputBytes: 64 * 1024,
      redactor: defaultRedactor,
    });
    expect(run.outcome).toBe("changed");
    expect(readFileSync(join(wt.dir, "seen.txt"), "utf8")).toBe("0\n# The brief\n");
  });

  it("a process the agent leaves behind with setsid dies with the sandbox", async () => {
    const late = join(wt.dir, "late.txt");
    const run = await runAgent({
      template: shell(`setsid sh -c "sleep 1; echo late > ${late}" & echo started`),
      worktree: wt,
      brief: "# Brief\n",
      timeoutMs: 10_000,
      maxOutputBytes: 64 * 1024,
      redactor: defaultRedactor,
    });
    expect(run.result.stdout).toBe("started\n");
    await new Promise((r) => setTimeout(r, 1_800));
    expect(existsSync(late)).toBe(false);
  });

  it("the agent keeps the network; the checks run without it", async () => {
    const server: Server = createServer((s) => s.end("pong\n"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const connect = `${process.execPath} -e 'require("net").connect(${port}, "127.0.0.1").on("data", (d) => process.stdout.write(d)).on("error", (e) => { console.log(e.code); process.exit(3) })'`;
    try {
      const agent = await runAgent({
        template: `${connect} {brief}`,
        worktree: wt,
        brief: "# Brief\n",
        timeoutMs: 10_000,
        maxOutputBytes: 64 * 1024,
        redactor: defaultRedactor,
      });
      expect(agent.result.stdout).toBe("pong\n");
      const checks = await runChecks({
        checks: [{ name: "net", command: connect, timeout_seconds: 10 }],
        worktree: wt,
        redactor: defaultRedactor,
        maxOutputBytes: 64 * 1024,
      });
      expect(checks.passed).toBe(false);
      expect(checks.results[0]?.stdout).toBe("ECONNREFUSED\n");
      expect(checks.results[0]?.sandbox).toMatch(/^(bwrap|unshare)$/);
    } finally {
      server.close();
    }
  });
});

describe("when no sandbox can be built", () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
    forgetSandboxProbe();
  });

  it("required: the agent is not run, and the error says what to do", async () => {
    process.env.PATH = join(base, "empty-bin");
    forgetSandboxProbe();
    const marker = join(wt.dir, "ran.txt");
    const run = runAgent({
      template: `/bin/sh -c 'echo ran > ${marker}'`,
      worktree: wt,
      brief: "# Brief\n",
      timeoutMs: 10_000,
      maxOutputBytes: 64 * 1024,
      redactor: defaultRedactor,
      sandbox: { mode: "required", hidden: [] },
    });
    await expect(run).rejects.toSatisfy(
      (e) =>
        e instanceof AppError &&
        e.code === ErrorCode.ConfigInvalid &&
        /PRODE_AGENT_SANDBOX is required/.test(e.message),
    );
    expect(existsSync(marker)).toBe(false);
  });

  it("auto: the agent runs unsandboxed and the result says so", async () => {
    // git stays (the diff needs it); bwrap and unshare are gone.
    const bin = join(base, "git-only-bin");
    mkdirSync(bin);
    symlinkSync(
      execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim(),
      join(bin, "git"),
    );
    process.env.PATH = bin;
    forgetSandboxProbe();
    const run = await runAgent({
      template: "/bin/sh -c 'echo ran > ran.txt'",
      worktree: wt,
      brief: "# Brief\n",
      timeoutMs: 10_000,
      maxOutputBytes: 64 * 1024,
      redactor: defaultRedactor,
      sandbox: { mode: "auto", hidden: [] },
    });
    expect(run.outcome).toBe("changed");
    expect(run.result.sandbox).toBe("none");
  });
});

describe("the unshare fallback", () => {
  it("gives its own /proc and a read-only filesystem but for the writable directories", async () => {
    const outside = join(process.cwd(), `.prode-unshare-probe-${process.pid}.txt`);
    const argv = unshareArgv(
      {
        writable: [wt.dir, wt.home, wt.tmp],
        readable: [wt.runDir],
        hidden: [join(base, "worktrees")],
        network: false,
        cwd: wt.dir,
      },
      [
        "sh",
        "-c",
        `ls /proc | grep -c "^[0-9]"; test -e /proc/${process.pid}/environ && echo parent-visible; echo x > ${outside} 2>/dev/null && echo wrote-outside; echo x > ../brief.md 2>/dev/null && echo wrote-run; echo ok > inside.txt && cat inside.txt; grep -c CapEff:.0000000000000000 /proc/self/status`,
      ],
      process.getuid?.() === 0,
    );
    try {
      const result = await runCommand({
        argv,
        cwd: wt.dir,
        env: scrubbedEnv({ home: wt.home, tmp: wt.tmp }),
        timeoutMs: 10_000,
        maxOutputBytes: 64 * 1024,
        redact: (t) => t,
      });
      expect(result.stderr).not.toContain("prode-sandbox:");
      expect(result.stderr).toContain("Read-only file system");
      const [count, ...rest] = result.stdout.trim().split("\n");
      expect(Number(count)).toBeLessThan(6);
      expect(rest).toEqual(["ok", "1"]);
      expect(existsSync(outside)).toBe(false);
    } finally {
      rmSync(outside, { force: true });
    }
  });

  it("covers a hidden directory whole, or entry by entry around a path that must stay visible", () => {
    const root = join(base, "worktrees");
    expect(expandHidden([root], [])).toEqual([root]);
    expect(expandHidden([root], [wt.dir, wt.runDir])).toEqual([]);
    expect(expandHidden([base], [wt.runDir]).sort()).toEqual([]);
    expect(expandHidden([wt.runDir], [wt.dir]).sort()).toEqual(
      ["brief.md", "git", "home", "tmp"]
        .map((n) => join(wt.runDir, n))
        .filter((p) => existsSync(p))
        .sort(),
    );
  });
});

describe("bwrap's command line", () => {
  it("mounts / read-only, then hides, then shows paths again, then the writable ones, then the command", () => {
    const argv = bwrapArgv(
      { writable: [wt.dir], readable: [wt.runDir], hidden: [base], network: false, cwd: wt.dir },
      ["agent", "--flag"],
    );
    const at = (flag: string, path: string) =>
      argv.findIndex((a, i) => a === flag && argv[i + 1] === path);
    expect(argv.slice(0, 2)).toEqual(["bwrap", "--die-with-parent"]);
    expect(argv).toContain("--unshare-pid");
    expect(argv).toContain("--unshare-net");
    expect(at("--proc", "/proc")).toBeGreaterThan(0);
    expect(at("--ro-bind", "/")).toBeLessThan(at("--tmpfs", base));
    expect(at("--tmpfs", base)).toBeLessThan(at("--ro-bind", wt.runDir));
    expect(at("--ro-bind", wt.runDir)).toBeLessThan(at("--bind", wt.dir));
    expect(at("--bind", wt.dir)).toBeLessThan(at("--remount-ro", base));
    expect(argv.slice(-3)).toEqual(["--", "agent", "--flag"]);
  });
});
