import { DEFAULT_LINT_PATHS, lintForRedaction } from "../../safety/redaction-lint.ts";
import type { Command } from "../command.ts";

const USAGE = `Usage: prode lint-redaction [paths…]

Checks text files (directories recursively) for anything the redactor would redact and
prints one 'file:line: category' per finding, never the value. Defaults to ${DEFAULT_LINT_PATHS.join(" and ")}
(either may be absent). Exit status: 0 clean, 1 findings, 2 a named path does not exist.
`;

const lintRedaction: Command = {
  usage: USAGE,
  async run(args, io) {
    const option = args.find((a) => a.startsWith("-"));
    if (option !== undefined) {
      io.stderr.write(`prode lint-redaction: unknown option '${option}'\n\n${USAGE}`);
      return 2;
    }
    const explicit = args.length > 0;
    const report = await lintForRedaction(explicit ? args : DEFAULT_LINT_PATHS);
    if (explicit && report.missing.length > 0) {
      for (const path of report.missing) {
        io.stderr.write(`prode lint-redaction: ${path}: no such file or directory\n`);
      }
      return 2;
    }
    for (const { file, line, category } of report.findings) {
      io.stdout.write(`${file}:${line}: ${category}\n`);
    }
    const files = `${report.filesScanned} file${report.filesScanned === 1 ? "" : "s"}`;
    if (report.findings.length > 0) {
      const n = report.findings.length;
      io.stderr.write(
        `prode lint-redaction: ${n} finding${n === 1 ? "" : "s"} in ${files}; replace each value with a [REDACTED:<category>] placeholder\n`,
      );
      return 1;
    }
    io.stdout.write(`prode lint-redaction: ${files} clean\n`);
    return 0;
  },
};
export default lintRedaction;
