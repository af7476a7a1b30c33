/**
 * Running the commands delivery does not trust (the coding agent, a service's checks, the
 * reviewer): no shell, a scrubbed environment built from an allow-list, a time limit
 * enforced on the whole process group, output capped and redacted before anyone sees it,
 * and, when the caller passes a sandbox, inside the OS sandbox of sandbox.ts (its own PID
 * namespace and /proc, a read-only filesystem but for its worktree, prode's directories
 * hidden). Without one a child runs as prode's user and can read what that user can read
 * (including `/proc/<worker>/environ`, where prode's own secrets live) and write wherever
 * that user can write.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { type SandboxPolicy, type SandboxShape, sandboxArgv } from "./sandbox.ts";
import type { CommandResult } from "./types.ts";

/** How long a group has between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2_000;
/** How long to wait for the output pipes to close once the group is dead. */
const DRAIN_MS = 1_000;
/** Conventional "command not found" status, for a program that could not be started. */
const SPAWN_FAILED_EXIT = 127;

export interface RunCommandInput {
  /** Program and arguments; never passed through a shell. */
  argv: readonly string[];
  cwd: string;
  /** The child's whole environment (see {@link scrubbedEnv}); nothing is inherited. */
  env: Record<string, string>;
  timeoutMs: number;
  /** Cap per stream (stdout, stderr), in bytes. */
  maxOutputBytes: number;
  /** Applied to each stream's text before it is returned. */
  redact: (text: string) => string;
  /** Aborting kills the group like a timeout does (`timedOut` stays false). */
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL; tests shorten it. */
  killGraceMs?: number;
  /** Run inside the OS sandbox (sandbox.ts); `cwd` is the sandbox's working directory. */
  sandbox?: { policy: SandboxPolicy; shape: Omit<SandboxShape, "cwd"> };
}

/**
 * Runs `argv` as the leader of a new process group and resolves when it has ended and its
 * group has been killed (a grandchild left running could keep writing to the worktree after
 * the diff is taken). Never throws for a non-zero exit or a program that cannot be started
 * (exit 127, the reason on stderr). With `sandbox`, rejects with config_invalid when the
 * policy requires a sandbox that cannot be built here: the command is then not run.
 */
export async function runCommand(input: RunCommandInput): Promise<CommandResult> {
  if (!input.sandbox) return spawnCommand(input);
  if (input.argv.length === 0) throw new AppError(ErrorCode.BadInput, "runCommand: empty argv");
  // Outside the sandbox, a missing program is spawn's ENOENT (exit 127); inside, the
  // sandbox's own exit would hide it, so it is looked up first.
  const program = input.argv[0]!;
  if (!findProgram(program, input.cwd, input.env.PATH)) {
    return {
      exitCode: SPAWN_FAILED_EXIT,
      signal: null,
      timedOut: false,
      stdout: "",
      stderr: input.redact(`prode: cannot run ${program}: not found or not executable\n`),
      truncated: false,
      durationMs: 0,
      sandbox: "none",
    };
  }
  const { policy, shape } = input.sandbox;
  const wrapped = await sandboxArgv(policy, { ...shape, cwd: input.cwd }, input.argv);
  const result = await spawnCommand({ ...input, argv: wrapped.argv });
  return { ...result, sandbox: wrapped.backend };
}

/** Whether `program` (a path, or a name looked up on `path`) is an executable file. */
function findProgram(program: string, cwd: string, path: string | undefined): boolean {
  const candidates = program.includes("/")
    ? [resolve(cwd, program)]
    : (path ?? "")
        .split(":")
        .filter(Boolean)
        .map((dir) => join(dir, program));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

function spawnCommand(input: RunCommandInput): Promise<CommandResult> {
  const started = performance.now();
  const [program, ...args] = input.argv;
  if (!program) throw new AppError(ErrorCode.BadInput, "runCommand: empty argv");
  const stdout = new CappedOutput(input.maxOutputBytes);
  const stderr = new CappedOutput(input.maxOutputBytes);
  const grace = input.killGraceMs ?? KILL_GRACE_MS;

  return new Promise<CommandResult>((resolve) => {
    let timedOut = false;
    let settled = false;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    let spawnError: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const child = spawn(program, args, {
      cwd: input.cwd,
      env: input.env,
      detached: true,
      shell: false,
      stdio: ["ignore", "pipe", "pipe"],
      windowsHide: true,
    });
    const pid = child.pid;

    const killGroup = (sig: NodeJS.Signals): void => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const terminate = (): void => {
      killGroup("SIGTERM");
      killTimer ??= setTimeout(() => killGroup("SIGKILL"), grace);
    };

    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, input.timeoutMs);
    const onAbort = (): void => terminate();
    if (input.signal?.aborted) terminate();
    else input.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearTimeout(drainTimer);
      input.signal?.removeEventListener("abort", onAbort);
      child.stdout.destroy();
      child.stderr.destroy();
      const errText = spawnError ? `prode: cannot run ${program}: ${spawnError.message}\n` : "";
      resolve({
        exitCode: spawnError ? SPAWN_FAILED_EXIT : exitCode,
        signal: exitSignal,
        timedOut,
        stdout: input.redact(stdout.text()),
        stderr: input.redact(errText + stderr.text()),
        truncated: stdout.truncated || stderr.truncated,
        durationMs: Math.round(performance.now() - started),
      });
    };

    child.on("error", (error) => {
      // Only a failed spawn reaches here (we never write to the child or kill it by handle).
      spawnError = error;
      finish();
    });
    child.on("exit", (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      // The leader is gone; whatever it left behind in its group goes too.
      killGroup("SIGKILL");
      // A descendant that left the group can hold the pipes open: do not wait for it.
      drainTimer = setTimeout(finish, DRAIN_MS);
    });
    child.on("close", finish);
  });
}

/**
 * Keeps the first and the last half of a stream, cut at line boundaries so that a secret
 * is never split into halves the redactor no longer recognises (a single line longer than
 * half the cap can still be cut inside).
 */
class CappedOutput {
  private readonly half: number;
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;

  constructor(maxBytes: number) {
    this.half = Math.max(1, Math.floor(maxBytes / 2));
  }

  get truncated(): boolean {
    return this.total > this.half * 2;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.headBytes < this.half) {
      const take = chunk.subarray(0, this.half - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      chunk = chunk.subarray(take.length);
    }
    if (chunk.length === 0) return;
    // Chunks, not one growing buffer: a chatty child must not cost a copy per chunk.
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.half) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  text(): string {
    const head = Buffer.concat(this.head);
    if (!this.truncated) return Buffer.concat([head, ...this.tail]).toString("utf8");
    const tail = Buffer.concat(this.tail).subarray(-this.half);
    const headCut = head.lastIndexOf(0x0a);
    const tailCut = tail.indexOf(0x0a);
    const keptHead = headCut >= 0 ? head.subarray(0, headCut + 1) : head;
    const keptTail = tailCut >= 0 ? tail.subarray(tailCut + 1) : tail;
    const cut = this.total - keptHead.length - keptTail.length;
    return `${keptHead.toString("utf8")}\n[prode: ${cut} bytes cut]\n${keptTail.toString("utf8")}`;
  }
}

/**
 * The environment of every untrusted child, whole: PATH, LANG, LC_ALL and TZ copied when
 * set, and fixed values. Nothing else of `process.env` (tokens, DATABASE_URL, prode's
 * secrets) ever reaches a child, whatever it is called.
 */
export function scrubbedEnv(dirs: { home: string; tmp: string }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "LANG", "LC_ALL", "TZ"] as const) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    ...env,
    HOME: dirs.home,
    TMPDIR: dirs.tmp,
    CI: "1",
    GIT_TERMINAL_PROMPT: "0",
    NO_COLOR: "1",
  };
}

/** The placeholders a command template may use. */
export type CommandVars = Partial<Record<"brief" | "worktree" | "run", string>>;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** Characters a shell would act on outside quotes; refused rather than passed literally. */
const UNQUOTED_SPECIAL: Record<string, string> = {
  "|": "a pipe (|)",
  "&": "a background or && operator (&)",
  ";": "a command separator (;)",
  "<": "a redirection (<)",
  ">": "a redirection (>)",
  "(": "a subshell (()",
  ")": "a subshell ())",
  $: "an expansion ($)",
  "`": "a command substitution (`)",
  "\n": "a new line (a second command)",
  "*": "a glob (*), quote it",
  "?": "a glob (?), quote it",
  "[": "a glob ([), quote it",
};

/**
 * Splits a command-line template into argv the way a POSIX shell splits words (blanks,
 * single and double quotes, backslash escapes), without running a shell, then substitutes
 * `{brief}`, `{worktree}` and `{run}` inside each word (a value is never split again).
 * Anything a shell would do beyond splitting (pipes, separators, redirections, `$…`,
 * backticks, globs, `~`, comments, a leading `NAME=value`) is refused with config_invalid,
 * so the template means the same here as in a terminal. Not refused: brace expansion
 * (`{a,b}` stays one literal word) and shell keywords (run as a program, which fails).
 *
 * Hand-written rather than `shell-quote` (its parse passes backticks through as literal
 * text and splits a word containing `$VAR` into several tokens, so refusal could not be
 * exact) or `string-argv` (no backslash escapes, no operator detection).
 */
export function commandArgv(template: string, vars: CommandVars): string[] {
  // `NAME=value cmd` sets a variable in a shell; here it would be run as a program.
  if (/^\s*[A-Za-z_][A-Za-z0-9_]*=/.test(template)) {
    throw refusal(template, "an environment assignment (NAME=value) before the command");
  }
  const words = splitWords(template);
  if (words.length === 0) {
    throw new AppError(ErrorCode.ConfigInvalid, "command template is empty");
  }
  return words.map((word) =>
    word.replace(PLACEHOLDER, (_, name: string) => {
      if (!(name === "brief" || name === "worktree" || name === "run")) {
        throw refusal(template, `an unknown placeholder {${name}}`);
      }
      const value = vars[name];
      if (value === undefined) {
        throw refusal(template, `the placeholder {${name}}, which has no value here`);
      }
      return value;
    }),
  );
}

function splitWords(template: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  const at = (k: number): string => template.charAt(k);
  while (i < template.length) {
    const c = at(i);
    if (c === " " || c === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    if (c === "\\") {
      if (i + 1 >= template.length) throw refusal(template, "a trailing backslash");
      // Backslash-newline is a line continuation: both vanish.
      if (at(i + 1) !== "\n") {
        word += at(i + 1);
        inWord = true;
      }
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = template.indexOf("'", i + 1);
      if (end < 0) throw refusal(template, "an unclosed single quote");
      word += template.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < template.length && at(i) !== '"') {
        const d = at(i);
        if (d === "$" || d === "`") throw refusal(template, `an expansion (${d}) inside quotes`);
        if (d === "\\" && i + 1 < template.length && '$`"\\\n'.includes(at(i + 1))) {
          if (at(i + 1) !== "\n") word += at(i + 1);
          i += 2;
          continue;
        }
        word += d;
        i++;
      }
      if (i >= template.length) throw refusal(template, "an unclosed double quote");
      inWord = true;
      i++;
      continue;
    }
    const special = UNQUOTED_SPECIAL[c];
    if (special) throw refusal(template, special);
    if (!inWord && c === "#") throw refusal(template, "a comment (#)");
    if (!inWord && c === "~") throw refusal(template, "a home expansion (~), write the path");
    word += c;
    inWord = true;
    i++;
  }
  if (inWord) words.push(word);
  return words;
}

function refusal(template: string, what: string): AppError {
  // The template is configuration, not a secret; still, only its length is quoted, since a
  // misconfigured template might carry a token in an argument.
  return new AppError(
    ErrorCode.ConfigInvalid,
    `command template refused: it contains ${what}; it is split into words and run without a shell (${template.length} characters)`,
  );
}
