import type { Command } from "./command.ts";

/**
 * Every subcommand: its name and summary, the only place they are written, and a loader.
 * Modules are imported lazily so `prode --help` and small commands start fast: a module's
 * static imports run when it is imported, and importing them all (serve.ts pulls in the
 * whole composition root) takes seconds, so the summary cannot live in the module itself.
 * A plain array: add one entry per command.
 */
interface CommandEntry {
  /** The word after `prode`, e.g. "migrate"; may contain a space for groups ("sql check"). */
  name: string;
  /** One line for `prode --help` and `prode <name> --help`. */
  summary: string;
  load: () => Promise<Command>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: "web",
    summary: "HTTP server: Linear webhooks, Slack, /healthz, /readyz, /metrics",
    load: async () => (await import("./commands/serve.ts")).web,
  },
  {
    name: "worker",
    summary: "phase workers, the reconciler and the Linear poller",
    load: async () => (await import("./commands/serve.ts")).worker,
  },
  {
    name: "dev",
    summary: "web and worker in one process, on embedded defaults",
    load: async () => (await import("./commands/serve.ts")).dev,
  },
  {
    name: "status",
    summary: "active runs from Postgres: ticket, phase, age, lease owner",
    load: async () => (await import("./commands/status.ts")).default,
  },
  {
    name: "audit verify",
    summary: "verify the hash-chained audit log; exits 1 naming the first broken link",
    load: async () => (await import("./commands/audit-verify.ts")).default,
  },
  {
    name: "triage",
    summary: "start triage of a Linear ticket (or join its active run)",
    load: async () => (await import("./commands/triage.ts")).default,
  },
  {
    name: "bundle show",
    summary: "print a run's evidence bundle (by run id or ticket key)",
    load: async () => (await import("./commands/bundle-show.ts")).default,
  },
  {
    name: "demo",
    summary:
      "run prode against the simulated world: every reference scenario, the channel in the terminal",
    load: async () => (await import("./commands/demo.ts")).default,
  },
  {
    name: "eval",
    summary: "run every scenario: confusion matrix, accuracy per family, wrong gate passes, time",
    load: async () => (await import("./commands/eval.ts")).default,
  },
  {
    name: "migrate",
    summary: "apply database migrations (DATABASE_URL, or the embedded PGlite)",
    load: async () => (await import("./commands/migrate.ts")).default,
  },
  {
    name: "sim",
    summary: "run the simulated world for a scenario and print its URLs",
    load: async () => (await import("./commands/sim.ts")).default,
  },
  {
    name: "sql check",
    summary: "check one SQL statement (stdin) against the read-replica guard",
    load: async () => (await import("./commands/sql-check.ts")).default,
  },
  {
    name: "schema",
    summary: "print a published JSON Schema (evidence-bundle, specialist-output, ...)",
    load: async () => (await import("./commands/schema.ts")).default,
  },
  {
    name: "policy check",
    summary: "validate policy files; print the effective policy and its hash",
    load: async () => (await import("./commands/policy-check.ts")).default,
  },
  {
    name: "policy test",
    summary: "run the table-driven policy cases in policy/cases.yaml; exits 1 when any fails",
    load: async () => (await import("./commands/policy-test.ts")).default,
  },
  {
    name: "pause",
    summary: "engage a kill switch: global (default), team T, service S or capability C",
    load: async () => (await import("./commands/pause.ts")).default,
  },
  {
    name: "resume",
    summary: "release a kill switch: global (default), team T, service S or capability C",
    load: async () => (await import("./commands/resume.ts")).default,
  },
  {
    name: "render",
    summary: "render a Block Kit payload from a view-model JSON file (blocks/examples/)",
    load: async () => (await import("./commands/render.ts")).default,
  },
  {
    name: "redact",
    summary: "redact secrets and personal data from stdin (--json adds the summary)",
    load: async () => (await import("./commands/redact.ts")).default,
  },
  {
    name: "lint-redaction",
    summary: "find secrets or personal data in wiki/ and docs/learnings/ (or given paths)",
    load: async () => (await import("./commands/lint-redaction.ts")).default,
  },
  {
    name: "learnings export",
    summary: "write the stored candidate learnings in the docs/learnings/inbox.md format",
    load: async () => (await import("./commands/learnings-export.ts")).default,
  },
  {
    name: "report calibration",
    summary: "per confidence band: runs, how often the hypothesis held, Brier score",
    load: async () => (await import("./commands/report-calibration.ts")).default,
  },
  {
    name: "report weekly",
    summary: "weekly reliability review: exits, phase times, failures, PRs, approvals",
    load: async () => (await import("./commands/report-weekly.ts")).default,
  },
];
