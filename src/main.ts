import { runCli } from "./cli/run-cli.ts";
import { loadConfig } from "./config/index.ts";
import { configureDefaultRedactor } from "./safety/redact.ts";

// `prode … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

/** Composition root: `prode <command>`; web, worker and dev are commands too. */
// Every egress of every command redacts the deployment's own identifier shapes too. A
// config error is left for the command that needs the config to report, in its words.
try {
  configureDefaultRedactor(loadConfig().PRODE_REDACT_PATTERNS ?? []);
} catch {}

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
process.exitCode = code;
