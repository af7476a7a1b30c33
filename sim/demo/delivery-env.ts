import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Scenario } from "../scenario.ts";

/** How the reference agent behaves (sim/agent/reference-agent.mjs). */
export type ReferenceAgentMode =
  | "ok"
  | "none"
  | "timeout"
  | "forbidden"
  | "break"
  | "secret"
  | "outside";

const AGENT = resolve(import.meta.dirname, "../agent/reference-agent.mjs");

/**
 * The environment that turns delivery on for a scenario's world with the reference
 * coding agent: its fix written to `dir`, the agent command as an operator would set
 * PRODE_AGENT_COMMAND, and a private worktree root. Nothing here bypasses the wiring.
 */
export function referenceAgentEnv(
  scenario: Scenario,
  dir: string,
  options: { mode?: ReferenceAgentMode; dryRun?: boolean } = {},
): Record<string, string> {
  if (!scenario.delivery) throw new Error(`scenario ${scenario.name} has no delivery fix`);
  mkdirSync(dir, { recursive: true });
  const fix = join(dir, "fix.json");
  const { fix: files, broken } = scenario.delivery;
  writeFileSync(fix, JSON.stringify({ files, ...(broken ? { broken } : {}) }));
  return {
    PRODE_AGENT_COMMAND: `node ${AGENT} --fix ${fix} --brief {brief} --mode ${options.mode ?? "ok"}`,
    PRODE_AGENT_VERSION: "reference-agent 1",
    PRODE_WORKTREE_DIR: join(dir, "worktrees"),
    ...(options.dryRun ? { PRODE_DRY_RUN: "1" } : {}),
  };
}
