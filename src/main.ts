import { runCli } from "./cli/run-cli.ts";

/** Composition root: `prode <command>`; web, worker and dev are commands too. */
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
process.exitCode = code;
