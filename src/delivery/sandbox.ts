/**
 * The OS sandbox around every command delivery does not trust (the coding agent, a
 * service's checks, the reviewer). A scrubbed environment is not enough: a child running
 * as prode's user with no isolation reads prode's secrets from `/proc/<worker>/environ`
 * and writes wherever that user may (security probe 2026-12-07, F0 and F0b). Inside the
 * sandbox a child has:
 *
 * - its own PID namespace and a fresh `/proc`: no other process of the host is visible;
 * - a mount namespace where `/` is read-only, prode's home, data and policy directories
 *   and the worktree root are empty, `/tmp` is a private tmpfs, and only the run's
 *   repository (or VERIFY's copy), home and temp are writable;
 * - no capabilities (bubblewrap drops them, `setpriv` in the fallback), no new privileges;
 * - the network only when asked for (the agent may need its model's API; checks do not);
 * - a life bound to prode's: when the sandbox's leader dies, its PID namespace dies whole,
 *   so a child that left its process group with `setsid` no longer outlives the kill.
 *
 * Backends: bubblewrap (`bwrap`) first, then util-linux `unshare` + `setpriv`. Both need
 * to create namespaces: as root that always works; as another user it needs unprivileged
 * user namespaces (docs/deploy.md). Which one works is probed once per process.
 */
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, resolve, sep } from "node:path";
import { AppError, ErrorCode } from "../domain/errors.ts";
import type { SandboxShape } from "./sandbox-shape.ts";
import { unshareArgv } from "./sandbox-unshare.ts";

/** PRODE_AGENT_SANDBOX: `required` never runs a child unsandboxed; `auto` does when no backend works. */
export type SandboxMode = "auto" | "required" | "off";
export type SandboxBackend = "bwrap" | "unshare";

/** What the operator configured: the mode and what the children must never see. */
export interface SandboxPolicy {
  mode: SandboxMode;
  /** Directories (or files) hidden from children: prode's data and policy directories, say. prode's home is always added. */
  hidden: readonly string[];
}

/** The shape of one sandboxed command. All paths absolute. */
export type { SandboxShape } from "./sandbox-shape.ts";

/** The policy when none is configured: fail closed. */
export const DEFAULT_SANDBOX: SandboxPolicy = { mode: "required", hidden: [] };

/** How a command was wrapped; `none` only when the mode allows it. */
export interface SandboxedArgv {
  argv: string[];
  backend: SandboxBackend | "none";
}

/**
 * Wraps `argv` in the sandbox the policy asks for. `required` with no working backend
 * throws config_invalid (IMPLEMENT and VERIFY then stop with a handoff that says so);
 * `auto` falls back to running unsandboxed; `off` never wraps.
 */
export async function sandboxArgv(
  policy: SandboxPolicy,
  shape: SandboxShape,
  argv: readonly string[],
): Promise<SandboxedArgv> {
  if (policy.mode === "off") return { argv: [...argv], backend: "none" };
  const probe = await probeSandbox();
  if (!probe.backend) {
    if (policy.mode === "auto") return { argv: [...argv], backend: "none" };
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `PRODE_AGENT_SANDBOX is required but no sandbox can be set up on this worker (${probe.reason}); the command was not run. Install bubblewrap and allow unprivileged user namespaces (docs/deploy.md), or set PRODE_AGENT_SANDBOX=auto to accept unsandboxed runs`,
    );
  }
  const hidden = [homedir(), ...policy.hidden, ...shape.hidden];
  const readable = [...shape.readable, ...namedPaths(argv)];
  const full = { ...shape, hidden: existing(hidden), readable: existing(readable) };
  return probe.backend === "bwrap"
    ? { argv: bwrapArgv(full, argv), backend: "bwrap" }
    : { argv: unshareArgv(full, argv, isRoot()), backend: "unshare" };
}

/**
 * bubblewrap's command line. Order matters: later mounts go on top of earlier ones, so
 * the hidden directories come after `/` and before the paths shown again inside them.
 * Sources are resolved outside the sandbox, so a path under a hidden directory can still
 * be bound back.
 */
export function bwrapArgv(shape: SandboxShape, argv: readonly string[]): string[] {
  const out = [
    "bwrap",
    "--die-with-parent",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(shape.network ? [] : ["--unshare-net"]),
    // As root, bwrap keeps every capability unless told otherwise (a child could remount `/`).
    ...(isRoot() ? ["--cap-drop", "ALL"] : []),
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    "--tmpfs",
    "/tmp",
  ];
  for (const path of shape.hidden) {
    // A hidden file becomes empty; a hidden directory an empty tmpfs.
    if (isDirectory(path)) out.push("--tmpfs", path);
    else out.push("--ro-bind", "/dev/null", path);
  }
  for (const path of shape.readable) out.push("--ro-bind", path, path);
  for (const path of shape.writable) out.push("--bind", path, path);
  // Last, once the paths shown inside them are mounted: a hidden directory is read-only
  // too, so a write there fails instead of vanishing with the sandbox.
  for (const path of shape.hidden) if (isDirectory(path)) out.push("--remount-ro", path);
  out.push("--chdir", shape.cwd, "--", ...argv);
  return out;
}

/**
 * Absolute paths a command's words name (`/x` or `--opt=/x`), the program included: the
 * operator gave them to the command, so they are shown read-only even inside a hidden
 * directory (a key file for the agent's model API, the reference agent's fix).
 */
export function namedPaths(argv: readonly string[]): string[] {
  const paths: string[] = [];
  for (const word of argv) {
    const value =
      word.startsWith("-") && word.includes("=") ? word.slice(word.indexOf("=") + 1) : word;
    if (isAbsolute(value) && value !== "/") paths.push(value);
  }
  return paths;
}

interface Probe {
  backend?: SandboxBackend;
  reason: string;
}

let probed: Promise<Probe> | undefined;

/**
 * Which backend can build the sandbox here, tried once per process with the real shape
 * (namespaces, a read-only `/`, a fresh `/proc`, no network): in a container the kernel
 * or the runtime's seccomp profile may refuse any of them.
 */
export function probeSandbox(): Promise<Probe> {
  probed ??= (async () => {
    const shape: SandboxShape = {
      writable: [],
      readable: [],
      hidden: [],
      network: false,
      cwd: "/",
    };
    const reasons: string[] = [];
    const bwrap = await tryRun(bwrapArgv(shape, ["true"]));
    if (bwrap === "") return { backend: "bwrap", reason: "" };
    reasons.push(`bwrap: ${bwrap}`);
    const unshare = await tryRun(unshareArgv(shape, ["true"], isRoot()));
    if (unshare === "") return { backend: "unshare", reason: "" };
    reasons.push(`unshare: ${unshare}`);
    return { reason: reasons.join("; ") };
  })();
  return probed;
}

/** Tests change what the worker has (PATH) and probe again. */
export function forgetSandboxProbe(): void {
  probed = undefined;
}

/** "" when the command exits 0, else why not (its first line of stderr, or the spawn error). */
function tryRun(argv: string[]): Promise<string> {
  return new Promise((done) => {
    const [program, ...args] = argv;
    const child = spawn(program!, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => {
      if (err.length < 2000) err += chunk.toString("utf8");
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      done(error.message);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = err.split("\n").find((l) => l.trim()) ?? "";
      done(code === 0 ? "" : `${line.trim().slice(0, 200) || `exit ${code}`}`);
    });
  });
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Absolute, deduplicated, existing, `/` itself excluded; a path inside another listed one is kept (binds stack). */
function existing(paths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const abs = resolve(p);
    if (abs !== sep && existsSync(abs)) out.add(abs);
  }
  return [...out];
}
