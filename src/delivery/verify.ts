/**
 * VERIFY's runner: a service's configured checks (policy `delivery.checks`) in the run's
 * worktree, one after the other, each with its own time limit, stopping at the first
 * failure, each inside the OS sandbox of sandbox.ts without network. Checks may write
 * build output into the worktree: the diff that REVIEW and OPEN_PR use is the one
 * IMPLEMENT took, not one taken after the checks.
 */
import { stripVTControlCharacters } from "node:util";
import { clipText as clipUntrusted } from "../../specialists/clip.ts";
import { AppError, ErrorCode, isAppError } from "../domain/errors.ts";
import type { Redactor } from "../safety/redact.ts";
import { agentShape } from "./agent.ts";
import { commandArgv, runCommand, scrubbedEnv } from "./exec.ts";
import { DEFAULT_SANDBOX, type SandboxPolicy } from "./sandbox.ts";
import type { CheckResult, CheckSpec, CommandResult } from "./types.ts";
import type { Worktree } from "./worktree.ts";

export interface RunChecksInput {
  checks: readonly CheckSpec[];
  worktree: Worktree;
  redactor: Redactor;
  signal?: AbortSignal;
  /** Cap per stream of each check's output. */
  maxOutputBytes: number;
  /** PRODE_AGENT_SANDBOX and the paths to hide; without it, a sandbox is required. */
  sandbox?: SandboxPolicy;
}

export interface ChecksOutcome {
  /** Every check ran and passed (vacuously true with no checks: the caller's policy decides). */
  passed: boolean;
  /** The checks that ran, in order; the last one failed when `passed` is false. */
  results: CheckResult[];
}

/**
 * Runs the checks in order and stops at the first that fails (non-zero exit, killed, timed
 * out) or when `signal` aborts. Every command is split first: one a shell would be needed
 * for is refused (policy_invalid) before any check runs.
 */
export async function runChecks(input: RunChecksInput): Promise<ChecksOutcome> {
  const wt = input.worktree;
  const planned = input.checks.map((check) => ({ check, argv: checkArgv(check, wt) }));
  const results: CheckResult[] = [];
  for (const { check, argv } of planned) {
    if (input.signal?.aborted) return { passed: false, results };
    const result = await runCommand({
      argv,
      cwd: wt.dir,
      env: { ...scrubbedEnv({ home: wt.home, tmp: wt.tmp }), GIT_CEILING_DIRECTORIES: wt.runDir },
      timeoutMs: check.timeout_seconds * 1000,
      maxOutputBytes: input.maxOutputBytes,
      redact: (text) => input.redactor.redact(text).text,
      ...(input.signal ? { signal: input.signal } : {}),
      // The checks are the repository's code, which the agent may have changed: the same
      // sandbox, and no network (a test has no business calling out).
      sandbox: {
        policy: input.sandbox ?? DEFAULT_SANDBOX,
        shape: agentShape(wt, { network: false }),
      },
    });
    const passed = result.exitCode === 0 && !result.timedOut && !input.signal?.aborted;
    results.push({ ...result, name: check.name, command: check.command, passed });
    if (!passed) return { passed: false, results };
  }
  return { passed: true, results };
}

function checkArgv(check: CheckSpec, wt: Worktree): string[] {
  try {
    return commandArgv(check.command, { worktree: wt.dir, run: wt.runId });
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw new AppError(ErrorCode.PolicyInvalid, `check "${check.name}": ${error.message}`, {
      cause: error,
    });
  }
}

/** Rules, boxes and bare punctuation: lines that separate output rather than say anything. */
const DECORATION = /^[\s\-=_*#~.:·•─━│┃┄┈╌═>|+]*$/u;
const MAX_LINE = 300;

/**
 * The last `max` meaningful lines of a check's output (stdout, then stderr), for the
 * handoff: colour codes stripped, blank and decoration lines dropped, long lines cut; a
 * timeout says so on the last line.
 */
export function failingLines(result: CommandResult, max = 20): string[] {
  const lines = stripVTControlCharacters(`${result.stdout}\n${result.stderr}`)
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => !DECORATION.test(line))
    // Cut at a token boundary: these lines are redacted only after the cut.
    .map((line) => (line.length > MAX_LINE ? clipUntrusted(line, MAX_LINE - 1) : line));
  if (result.timedOut) {
    lines.push(`[prode: killed at its time limit after ${Math.round(result.durationMs / 1000)} s]`);
  }
  return lines.slice(-max);
}
