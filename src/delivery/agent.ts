/**
 * IMPLEMENT's runner: the configured coding-agent command (PRODE_AGENT_COMMAND, a template)
 * in the run's worktree, with a brief file, a scrubbed environment, a time limit and the
 * OS sandbox of sandbox.ts (PRODE_AGENT_SANDBOX), and what came of it as data.
 *
 * The sandbox is the boundary: the agent sees no other process (its own PID namespace and
 * /proc, so not prode's environment), cannot write outside its repository, home and temp,
 * and cannot read prode's home, data or policy directories or other runs. Escape
 * detection stays as a second line (and the only one with PRODE_AGENT_SANDBOX=off or
 * `auto` on a worker without a sandbox). Detected: files created, changed or removed in
 * the run directory outside `repo/`, `home/` and `tmp/` (a write to `../x`, the brief
 * altered, the git directory touched); new or changed files directly in the worktree
 * root; a symlink in the diff whose target leaves the repository; a changed file that is a
 * hard link (it shares its bytes with a file that may be anywhere).
 */
import { lstat, readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import type { Redactor } from "../safety/redact.ts";
import { commandArgv, runCommand, scrubbedEnv } from "./exec.ts";
import { DEFAULT_SANDBOX, type SandboxPolicy } from "./sandbox.ts";
import type { CommandResult, WorktreeDiff } from "./types.ts";
import { diffWorktree, isTargetInside, type Worktree } from "./worktree.ts";

export type AgentOutcome = "changed" | "no_diff" | "timeout" | "failed" | "escaped";

/** What one agent run came to; `diff` is set for "changed" and for an escape seen in the diff. */
export interface AgentRun {
  outcome: AgentOutcome;
  /** The agent's exit, with its output capped and redacted (the IMPLEMENT artifact). */
  result: CommandResult;
  diff?: WorktreeDiff;
  /** One or two sentences for the thread and the handoff; paths relative to the run. */
  detail: string;
}

export interface RunAgentInput {
  /** PRODE_AGENT_COMMAND; `{brief}`, `{worktree}` and `{run}` are substituted. */
  template: string;
  worktree: Worktree;
  /** The brief's text; redacted again before it is written (it leaves prode). */
  brief: string;
  timeoutMs: number;
  maxOutputBytes: number;
  redactor: Redactor;
  signal?: AbortSignal;
  /** PRODE_AGENT_SANDBOX and the paths to hide; without it, a sandbox is required. */
  sandbox?: SandboxPolicy;
}

/** The brief's file name in the run directory, outside the repository. */
export const BRIEF_FILE = "brief.md";
/** Directories of the run the agent may write: its repository, home and temp. */
const AGENT_WRITABLE = new Set(["repo", "home", "tmp"]);
const MAX_NAMED_ESCAPES = 5;

/**
 * Writes the brief, runs the agent, and classifies the result: escaped (any detected write
 * outside the worktree) before timeout, before failed (non-zero exit or aborted), before
 * no_diff, before changed. A template with shell operators is refused (config_invalid)
 * before anything runs.
 */
export async function runAgent(input: RunAgentInput): Promise<AgentRun> {
  const wt = input.worktree;
  const briefPath = join(wt.runDir, BRIEF_FILE);
  const argv = commandArgv(input.template, { brief: briefPath, worktree: wt.dir, run: wt.runId });
  // Read-only as a hint; a retried IMPLEMENT replaces it.
  await rm(briefPath, { force: true });
  await writeFile(briefPath, input.redactor.redact(input.brief).text, { mode: 0o444 });

  const root = join(wt.runDir, "..");
  const before = await snapshotOutside(wt.runDir, root);
  const result = await runCommand({
    argv,
    cwd: wt.dir,
    // The repository has no .git of its own: git run by the agent must not climb into
    // whatever repository holds the worktree root.
    env: { ...scrubbedEnv({ home: wt.home, tmp: wt.tmp }), GIT_CEILING_DIRECTORIES: wt.runDir },
    timeoutMs: input.timeoutMs,
    maxOutputBytes: input.maxOutputBytes,
    redact: (text) => input.redactor.redact(text).text,
    ...(input.signal ? { signal: input.signal } : {}),
    sandbox: {
      policy: input.sandbox ?? DEFAULT_SANDBOX,
      // The agent may need its model's API; the worktree root holds other runs.
      shape: agentShape(wt, { network: true }),
    },
  });
  const after = await snapshotOutside(wt.runDir, root);

  const escapes = compareSnapshots(before, after);
  if (escapes.length > 0) {
    // The git directory may be among what was touched: no git runs on it now.
    return { outcome: "escaped", result, detail: escapedDetail(escapes) };
  }
  if (result.timedOut) {
    const seconds = Math.round(input.timeoutMs / 1000);
    return {
      outcome: "timeout",
      result,
      detail: `The agent passed its ${seconds} s limit; its process group was killed.`,
    };
  }
  if (input.signal?.aborted) {
    return { outcome: "failed", result, detail: "The agent was stopped: the run was cancelled." };
  }
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `signal ${result.signal}` : `code ${result.exitCode}`;
    return { outcome: "failed", result, detail: `The agent exited with ${how}.` };
  }

  const diff = await diffWorktree(wt);
  const inDiff = await diffEscapes(wt, diff);
  if (inDiff.length > 0) return { outcome: "escaped", result, diff, detail: escapedDetail(inDiff) };
  if (diff.files.length === 0) {
    return { outcome: "no_diff", result, detail: "The agent finished without changing any file." };
  }
  const n = diff.files.length;
  return {
    outcome: "changed",
    result,
    diff,
    detail: `The agent changed ${n} file${n === 1 ? "" : "s"} (${diff.lines} lines).`,
  };
}

/**
 * What a delivery command may touch: it writes its repository (`dir`), home and temp,
 * reads the run directory (the brief), and sees nothing of the other runs.
 */
export function agentShape(wt: Worktree, options: { network: boolean }) {
  return {
    writable: [wt.dir, wt.home, wt.tmp],
    readable: [wt.runDir],
    hidden: [dirname(wt.runDir)],
    network: options.network,
  };
}

/** Identity of each file outside the agent's writable directories; ctime moves on any write. */
type Snapshot = Map<string, string>;

async function snapshotOutside(runDir: string, root: string): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  // The worktree root: files only (other runs' directories come and go).
  for (const entry of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) continue;
    await record(snapshot, join(root, entry.name), `../${entry.name}`);
  }
  const pending = [runDir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      const path = join(current, entry.name);
      const name = relative(runDir, path);
      if (current === runDir && AGENT_WRITABLE.has(entry.name) && entry.isDirectory()) continue;
      if (entry.isDirectory()) pending.push(path);
      else await record(snapshot, path, name);
    }
  }
  // The three writable directories must stay directories (a symlink would redirect them).
  for (const name of AGENT_WRITABLE) await record(snapshot, join(runDir, name), name);
  return snapshot;
}

async function record(snapshot: Snapshot, path: string, name: string): Promise<void> {
  const s = await lstat(path).catch(() => null);
  if (!s) return;
  const kind = s.isSymbolicLink() ? "l" : s.isDirectory() ? "d" : "f";
  // A directory's identity is its kind and inode: what is inside is walked, or not ours.
  const identity = kind === "d" ? `${kind}:${s.ino}` : `${kind}:${s.ino}:${s.size}:${s.ctimeMs}`;
  snapshot.set(name, identity);
}

function compareSnapshots(before: Snapshot, after: Snapshot): string[] {
  const escapes: string[] = [];
  for (const [name, identity] of after) {
    const was = before.get(name);
    if (was === undefined) escapes.push(`${name} (created)`);
    else if (was !== identity) escapes.push(`${name} (changed)`);
  }
  for (const name of before.keys()) {
    if (!after.has(name)) escapes.push(`${name} (removed)`);
  }
  return escapes.sort();
}

async function diffEscapes(wt: Worktree, diff: WorktreeDiff): Promise<string[]> {
  const escapes: string[] = [];
  for (const file of diff.files) {
    if (file.status === "removed") continue;
    if (file.symlink) {
      if (!isTargetInside(file.path, file.content ?? "")) {
        escapes.push(`repo/${file.path} (a symlink pointing outside the repository)`);
      }
      continue;
    }
    const s = await stat(join(wt.dir, file.path)).catch(() => null);
    if (s && s.nlink > 1) escapes.push(`repo/${file.path} (a hard link to another file)`);
  }
  return escapes;
}

function escapedDetail(escapes: string[]): string {
  const named = escapes.slice(0, MAX_NAMED_ESCAPES).join(", ");
  const more =
    escapes.length > MAX_NAMED_ESCAPES ? ` and ${escapes.length - MAX_NAMED_ESCAPES} more` : "";
  return `The agent wrote outside its worktree: ${named}${more}. Its changes are not used.`;
}
