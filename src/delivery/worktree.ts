/**
 * The per-run working copy of a service's repository (CREATE_WORKTREE). Layout:
 *
 *   <root>/<runId>/          runDir: prode's, the agent must not write here
 *     repo/                  the repository's files: the agent's cwd
 *     git/                   the git directory, outside the repository
 *     home/ tmp/             the agent's HOME and TMPDIR
 *     brief.md               written by IMPLEMENT
 *
 * The git directory sits outside `repo/` on purpose: a `.git/config` the agent could edit
 * (a `core.fsmonitor` command, a filter driver) would otherwise run code in prode's own
 * `git add` and `git diff`. The agent sees a plain directory (it may `git init` its own;
 * git ignores a top-level `.git` in the work tree). Every git command here runs with a
 * scrubbed environment, no system or global config, and hooks off.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { dirname, isAbsolute, join, posix } from "node:path";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { scrubbedEnv } from "./exec.ts";
import type { DiffFile, RepoFile, WorktreeDiff } from "./types.ts";

/** A materialised run worktree (see the module comment for the layout). */
export interface Worktree {
  runId: string;
  runDir: string;
  /** The repository's files; the agent's and the checks' cwd. */
  dir: string;
  /** prode's git directory for `dir`, outside it. */
  gitDir: string;
  home: string;
  tmp: string;
  /** The commit of the service's repository the files came from. */
  baseSha: string;
  /** `prode/<ticket>-<run>`; the local branch and the one OPEN_PR pushes. */
  branch: string;
}

/** Largest git output read (the unified patch of a big diff). */
const MAX_GIT_OUTPUT = 64 * 1024 * 1024;
/** No git step on a worktree should take this long; a hung one must not hold the phase. */
const GIT_TIMEOUT_MS = 5 * 60_000;
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const GIT_MODE = { file: "100644", executable: "100755", symlink: "120000", gitlink: "160000" };
/** git's own binary test: a NUL in the first 8000 bytes. */
const BINARY_PROBE = 8000;

/** The paths of one run's worktree under `root`. */
export function worktreePaths(root: string, runId: string) {
  assertRunId(runId);
  const runDir = join(root, runId);
  return {
    runDir,
    dir: join(runDir, "repo"),
    gitDir: join(runDir, "git"),
    home: join(runDir, "home"),
    tmp: join(runDir, "tmp"),
  };
}

/**
 * Materialises `files` in `<root>/<runId>/repo` with one base commit on `branch`. Any
 * leftover of the same run is removed first, so a retried CREATE_WORKTREE starts clean.
 * Paths that are absolute, climb out with `..`, or name `.git` are refused (bad_input).
 */
export async function createWorktree(input: {
  root: string;
  runId: string;
  branch: string;
  baseSha: string;
  files: readonly RepoFile[];
}): Promise<Worktree> {
  const paths = worktreePaths(input.root, input.runId);
  const wt: Worktree = {
    runId: input.runId,
    ...paths,
    baseSha: input.baseSha,
    branch: input.branch,
  };
  await rm(paths.runDir, { recursive: true, force: true });
  for (const d of [paths.dir, paths.gitDir, paths.home, paths.tmp]) {
    await mkdir(d, { recursive: true });
  }
  for (const file of input.files) await writeRepoFile(wt.dir, file);
  await git(wt, ["init", "-q", "-b", input.branch]);
  await git(wt, ["add", "-A"]);
  await git(wt, [
    "commit",
    "-q",
    "--allow-empty",
    "--no-verify",
    "-m",
    `prode base ${input.baseSha}`,
  ]);
  return wt;
}

/**
 * What changed in the worktree since its base commit: every file with its status, line
 * counts, mode and new content read from disk (symlinks carry their target; binaries and
 * nested repositories are flagged, content ""). The patch is raw, not redacted: whoever
 * stores or shows it passes it through the redactor.
 */
export async function diffWorktree(wt: Worktree): Promise<WorktreeDiff> {
  await git(wt, ["add", "-A"]);
  const diff = (...options: string[]) =>
    git(wt, [
      "diff",
      "--cached",
      "--no-renames",
      "--no-ext-diff",
      "--no-textconv",
      ...options,
      "HEAD",
    ]);
  const raw = await diff("--raw", "-z");
  const numstat = await diff("--numstat", "-z");
  const patch = await diff("--no-color");

  const counts = parseNumstat(numstat);
  const files: DiffFile[] = [];
  for (const entry of parseRaw(raw)) {
    const count = counts.get(entry.path) ?? { additions: 0, deletions: 0, binary: false };
    const file: DiffFile = {
      path: entry.path,
      status: entry.status,
      additions: count.additions,
      deletions: count.deletions,
      content: null,
    };
    if (entry.status !== "removed") {
      file.mode = entry.mode;
      Object.assign(file, await readNewContent(wt.dir, entry.path, entry.mode, count.binary));
    }
    files.push(file);
  }
  const lines = files.reduce((sum, f) => sum + f.additions + f.deletions, 0);
  return { files, patch, lines };
}

/**
 * Rebuilds a diff (from {@link diffWorktree} on another worker) on a fresh worktree of the
 * same base. Binaries cannot be rebuilt from text (bad_input); symlinks may not leave the
 * repository.
 */
export async function applyChanges(wt: Worktree, files: readonly DiffFile[]): Promise<void> {
  for (const file of files) {
    assertRepoPath(file.path);
    if (file.binary) {
      throw new AppError(ErrorCode.BadInput, `cannot rebuild binary file ${file.path}`);
    }
    if (file.status === "removed" || file.content === null) {
      await assertNoSymlinkAncestor(wt.dir, file.path);
      await rm(join(wt.dir, file.path), { force: true });
      continue;
    }
    const mode = file.symlink ? GIT_MODE.symlink : file.mode;
    await writeRepoFile(wt.dir, { path: file.path, content: file.content, mode });
  }
}

/** Removes a run's worktree; nothing to remove is not an error. */
export async function removeWorktree(root: string, runId: string): Promise<void> {
  await rm(worktreePaths(root, runId).runDir, { recursive: true, force: true });
}

/** The run ids that have a worktree under `root` (the reconciler's orphan sweep). */
export async function listWorktreeRunIds(root: string): Promise<string[]> {
  try {
    const entries = await readdir(root, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && RUN_ID.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Bytes under the run's directory (files, git objects, the agent's home), for the disk cap. */
export async function worktreeBytes(wt: Worktree): Promise<number> {
  let total = 0;
  const pending = [wt.runDir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else total += (await lstat(path).catch(() => ({ size: 0 }))).size;
    }
  }
  return total;
}

/** SHA-256 of a file's bytes, or null when it does not exist (for escape detection). */
export async function fileDigest(path: string): Promise<string | null> {
  try {
    return createHash("sha256")
      .update(await readFile(path))
      .digest("hex");
  } catch {
    return null;
  }
}

/** Whether a symlink at `linkPath` (repository-relative) with `target` stays inside. */
export function isTargetInside(linkPath: string, target: string): boolean {
  if (target === "" || isAbsolute(target) || posix.isAbsolute(target)) return false;
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  return resolved !== ".." && !resolved.startsWith("../");
}

export function assertRunId(runId: string): void {
  if (!RUN_ID.test(runId)) {
    throw new AppError(ErrorCode.BadInput, `not a usable run id for a directory: ${runId}`);
  }
}

function assertRepoPath(path: string): void {
  const segments = path.split("/");
  const bad =
    path === "" ||
    path.includes("\0") ||
    path.startsWith("/") ||
    isAbsolute(path) ||
    segments.some((s) => s === "" || s === "." || s === ".." || s.toLowerCase() === ".git");
  if (bad) throw new AppError(ErrorCode.BadInput, `refused repository path: ${path}`);
}

/** Writing through a symlinked directory would land outside the repository. */
async function assertNoSymlinkAncestor(dir: string, path: string): Promise<void> {
  const segments = path.split("/").slice(0, -1);
  let current = dir;
  for (const segment of segments) {
    current = join(current, segment);
    const stat = await lstat(current).catch(() => null);
    if (!stat) return;
    if (stat.isSymbolicLink()) {
      throw new AppError(ErrorCode.BadInput, `refused path through a symlink: ${path}`);
    }
  }
}

async function writeRepoFile(dir: string, file: RepoFile): Promise<void> {
  assertRepoPath(file.path);
  await assertNoSymlinkAncestor(dir, file.path);
  const target = join(dir, file.path);
  await mkdir(dirname(target), { recursive: true });
  // Never write through an existing symlink at the path itself.
  await rm(target, { force: true });
  const mode = file.mode ?? GIT_MODE.file;
  if (mode === GIT_MODE.symlink) {
    if (!isTargetInside(file.path, file.content)) {
      throw new AppError(
        ErrorCode.BadInput,
        `refused symlink leaving the repository: ${file.path}`,
      );
    }
    await symlink(file.content, target);
    return;
  }
  if (mode !== GIT_MODE.file && mode !== GIT_MODE.executable) {
    throw new AppError(ErrorCode.BadInput, `unsupported file mode ${mode} for ${file.path}`);
  }
  await writeFile(target, file.content);
  await chmod(target, mode === GIT_MODE.executable ? 0o755 : 0o644);
}

async function readNewContent(
  dir: string,
  path: string,
  mode: string,
  binary: boolean,
): Promise<Pick<DiffFile, "content" | "symlink" | "binary">> {
  const full = join(dir, path);
  if (mode === GIT_MODE.symlink) return { content: await readlink(full), symlink: true };
  if (mode === GIT_MODE.gitlink) return { content: "", binary: true };
  const bytes = await readFile(full);
  if (binary || bytes.subarray(0, BINARY_PROBE).includes(0)) return { content: "", binary: true };
  return { content: bytes.toString("utf8") };
}

interface RawEntry {
  path: string;
  status: DiffFile["status"];
  mode: string;
}

/** `git diff --raw -z`: ":<old mode> <new mode> <old sha> <new sha> <status>\0<path>\0". */
function parseRaw(out: string): RawEntry[] {
  const fields = out.split("\0");
  const entries: RawEntry[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const meta = fields[i]!.replace(/^:/, "").split(" ");
    const path = fields[i + 1]!;
    const code = meta[4]?.charAt(0);
    const status = code === "A" ? "added" : code === "D" ? "removed" : "modified";
    entries.push({ path, status, mode: meta[1] ?? GIT_MODE.file });
  }
  return entries;
}

/** `git diff --numstat -z` without renames: "<added>\t<deleted>\t<path>\0" ("-" for binary). */
function parseNumstat(
  out: string,
): Map<string, { additions: number; deletions: number; binary: boolean }> {
  const counts = new Map<string, { additions: number; deletions: number; binary: boolean }>();
  for (const record of out.split("\0")) {
    const match = /^(-|\d+)\t(-|\d+)\t([\s\S]*)$/.exec(record);
    if (!match) continue;
    const binary = match[1] === "-";
    counts.set(match[3]!, {
      additions: binary ? 0 : Number(match[1]),
      deletions: binary ? 0 : Number(match[2]),
      binary,
    });
  }
  return counts;
}

/** git on the run's own git directory, with nothing of the machine's or the agent's config. */
function git(wt: Worktree, args: string[]): Promise<string> {
  const env = {
    ...scrubbedEnv({ home: wt.home, tmp: wt.tmp }),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ATTR_NOSYSTEM: "1",
    GIT_OPTIONAL_LOCKS: "0",
  };
  const config = [
    "user.name=prode",
    "user.email=prode@localhost",
    "commit.gpgsign=false",
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.autocrlf=false",
    "core.symlinks=true",
    "core.quotePath=false",
    "core.attributesFile=/dev/null",
    "core.excludesFile=/dev/null",
  ].flatMap((c) => ["-c", c]);
  const argv = ["--git-dir", wt.gitDir, "--work-tree", wt.dir, ...config, ...args];
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      argv,
      { cwd: wt.runDir, env, maxBuffer: MAX_GIT_OUTPUT, timeout: GIT_TIMEOUT_MS, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new AppError(
              ErrorCode.Internal,
              `git ${args[0]} failed: ${stderr.trim().slice(0, 500)}`,
              {
                cause: error,
              },
            ),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}
