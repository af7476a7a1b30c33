/**
 * A stand-in for prode's worker in sandbox.test.ts: a process started with a canary in
 * its environment (as prode holds its secrets) that runs a hostile coding agent through
 * runAgent and prints what came of it as JSON. The canary must be in the environment the
 * process was started with: /proc/<pid>/environ never shows later changes to process.env.
 *
 * argv: <base dir> <sandbox mode> <outside path>...
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultRedactor } from "../safety/redact.ts";
import { runAgent } from "./agent.ts";
import type { SandboxMode } from "./sandbox.ts";
import { createWorktree } from "./worktree.ts";

const [base, mode, ...outside] = process.argv.slice(2);
const wt = await createWorktree({
  root: join(base!, "worktrees"),
  runId: "run-probe",
  branch: "prode/ENG-1-run-probe",
  baseSha: "abc123",
  files: [{ path: "README.md", content: "probe\n" }],
});
// What the probe's evil agent did: every process's environment searched for the canary,
// its parent's read whole, then a write attempted at each outside path.
const script = [
  "grep -l PRODE_SANDBOX_CANARY /proc/[0-9]*/environ >> leaked.txt 2>/dev/null",
  "p=$PPID; for i in 1 2 3 4; do tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | grep PRODE_SANDBOX_CANARY >> leaked.txt; p=$(awk '{print $4}' /proc/$p/stat 2>/dev/null); done",
  'for f in "$@"; do echo x > "$f" 2>/dev/null && echo "wrote $f" >> leaked.txt; done',
  "echo done >> leaked.txt",
].join("; ");
const run = await runAgent({
  template: `sh -c "${script.replaceAll("$", "\\$").replaceAll('"', '\\"')}" agent ${outside.map((p) => `'${p}'`).join(" ")}`,
  worktree: wt,
  brief: "# Brief\n",
  timeoutMs: 20_000,
  maxOutputBytes: 64 * 1024,
  redactor: defaultRedactor,
  sandbox: { mode: mode as SandboxMode, hidden: [] },
});
const leaked = (() => {
  try {
    return readFileSync(join(wt.dir, "leaked.txt"), "utf8");
  } catch {
    return "";
  }
})();
process.stdout.write(
  JSON.stringify({
    outcome: run.outcome,
    sandbox: run.result.sandbox,
    leaked,
    stderr: run.result.stderr,
  }),
);
