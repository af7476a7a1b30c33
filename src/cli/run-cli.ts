import { packageVersion } from "../config/version.ts";
import { asAppError, ErrorCode } from "../domain/errors.ts";
import { type CliIo, isUsageError } from "./command.ts";
import { COMMANDS } from "./registry.ts";

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `prode: Slack-first agent production engineer\n\nUsage: prode <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun 'prode <command> --help' for a command's options.\n`;
}

/** Finds the longest command name that prefixes argv ("sql check" before "sql"). */
function match(argv: string[]) {
  let best: { entry: (typeof COMMANDS)[number]; rest: string[] } | undefined;
  for (const entry of COMMANDS) {
    const words = entry.name.split(" ");
    if (words.every((w, i) => argv[i] === w)) {
      if (!best || words.length > best.entry.name.split(" ").length) {
        best = { entry, rest: argv.slice(words.length) };
      }
    }
  }
  return best;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    io.stdout.write(help());
    return 0;
  }
  if (argv[0] === "--version" || argv[0] === "-v" || argv[0] === "version") {
    io.stdout.write(`prode ${packageVersion()}\n`);
    return 0;
  }
  if (argv[0]?.startsWith("-")) {
    io.stderr.write(`prode: unknown option '${argv[0]}'\n${help()}`);
    return 2;
  }
  const found = match(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length > 0) {
      io.stderr.write(
        `prode ${argv[0]}: expected one of: ${group.map((c) => c.name.split(" ")[1]).join(", ")}\n`,
      );
    } else {
      io.stderr.write(`prode: unknown command '${argv[0]}'. Run 'prode --help'.\n`);
    }
    return 2;
  }
  let command: Awaited<ReturnType<(typeof COMMANDS)[number]["load"]>> | undefined;
  try {
    command = await found.entry.load();
    if (found.rest.includes("--help") || found.rest.includes("-h")) {
      const { name, summary } = found.entry;
      io.stdout.write(`prode ${name}: ${summary}\n${command.usage ?? ""}\n`);
      return 0;
    }
    return await command.run(found.rest, io);
  } catch (error) {
    if (isUsageError(error)) {
      // One line saying what is wrong, then how to call the command; exit 2 (README).
      const usage = command?.usage?.trim() ?? `Usage: prode ${found.entry.name}`;
      // parseArgs appends advice about '--' after its first sentence; the usage says more.
      const what = error.message.split(/\.\s/)[0]!.replace(/\.$/, "");
      io.stderr.write(`prode ${found.entry.name}: ${what}\n${usage}\n`);
      return 2;
    }
    const e = asAppError(error);
    if (e.code === ErrorCode.BadInput) {
      const usage = command?.usage?.trim() ?? `Usage: prode ${found.entry.name}`;
      io.stderr.write(`prode ${found.entry.name}: ${e.message}\n${usage}\n`);
      return 2;
    }
    io.stderr.write(`prode ${found.entry.name}: ${e.message} (${e.code})\n`);
    return 1;
  }
}
