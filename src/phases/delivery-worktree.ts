import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { scrubbedEnv } from "../delivery/exec.ts";
import type { TreeCaps, WorktreeDiff } from "../delivery/types.ts";
import {
  applyChanges,
  createWorktree,
  type Worktree,
  worktreePaths,
} from "../delivery/worktree.ts";
import type { DeliveryState } from "../domain/run-context.ts";
import type { LoadedPolicy } from "../policy/types.ts";
import { getArtifact } from "../runner/artifacts.ts";
import type { PhaseContext } from "../runner/types.ts";
import type { DeliveryDeps, PipelineDeps } from "./deps.ts";

/**
 * What one delivery phase works with: the pipeline's ports, the phase context, the run's
 * delivery state and the policy of its scope, loaded once per phase.
 */
export interface DeliveryStep {
  deps: PipelineDeps;
  delivery: DeliveryDeps;
  ctx: PhaseContext;
  state: DeliveryState;
  policy: LoadedPolicy;
}

/** The worktree caps of policy as the tree read takes them. */
export function treeCaps(policy: LoadedPolicy): TreeCaps {
  return {
    maxFiles: policy.delivery.worktree.max_files,
    maxBytes: policy.delivery.worktree.max_bytes,
  };
}

/** The marker IMPLEMENT leaves in the run directory before the agent starts. */
export const IMPLEMENT_MARKER = "implement-started";

/** `prode/<ticket>-<run>`, as DESIGN.md names it (lower case, git-safe). */
export function branchName(ticket: string, runId: string): string {
  const safe = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^-+|-+$/g, "");
  return `prode/${safe(ticket)}-${safe(runId).slice(0, 12)}`;
}

/**
 * This run's worktree on this machine: the one CREATE_WORKTREE made when it is here and
 * untouched, else rebuilt from the base commit (another worker, a crash mid-agent) with
 * the agent's stored diff applied when there is one.
 */
export async function worktreeFor(
  step: DeliveryStep,
  options: { fresh?: boolean } = {},
): Promise<Worktree> {
  const { delivery, ctx, state } = step;
  const paths = worktreePaths(delivery.worktreeDir, ctx.run.id);
  const wt: Worktree = {
    runId: ctx.run.id,
    ...paths,
    baseSha: state.baseSha!,
    branch: state.branch!,
  };
  // A fresh tree is wanted by IMPLEMENT: one an agent already ran in is not.
  const agentRan = options.fresh && existsSync(join(paths.runDir, IMPLEMENT_MARKER));
  if (existsSync(join(paths.gitDir, "HEAD")) && !agentRan) return wt;
  const files = await delivery
    .github(state.repository)
    .readTree(state.baseSha!, treeCaps(step.policy));
  const rebuilt = await createWorktree({
    root: delivery.worktreeDir,
    runId: ctx.run.id,
    branch: state.branch!,
    baseSha: state.baseSha!,
    files,
  });
  if (!options.fresh && state.diffSha) {
    const diff = await getArtifact<WorktreeDiff>(ctx.db, ctx.run.id, state.diffSha);
    if (diff) await applyChanges(rebuilt, diff.files);
  }
  return rebuilt;
}

const run = promisify(execFile);

/**
 * A file's content at the worktree's base commit (prode's own git, not the agent's
 * view), or undefined when the base has no such file.
 */
export async function baseFile(wt: Worktree, path: string): Promise<string | undefined> {
  try {
    const { stdout } = await run("git", ["--git-dir", wt.gitDir, "show", `HEAD:${path}`], {
      env: {
        ...scrubbedEnv({ home: wt.home, tmp: wt.tmp }),
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
      },
      maxBuffer: 64 * 1024 * 1024,
      encoding: "utf8",
    });
    return stdout;
  } catch {
    return undefined;
  }
}
