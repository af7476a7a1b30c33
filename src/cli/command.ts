import { userInfo } from "node:os";

/**
 * A `prode` subcommand. Each lives in its own file under src/cli/commands/ and is listed
 * once in src/cli/registry.ts, with its name and one-line summary, so adding one never
 * touches another.
 */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export interface Command {
  /** Usage details printed by `prode <name> --help`. */
  usage?: string;
  /** Returns the exit code; long-running commands resolve when they stop. */
  run(args: string[], io: CliIo): Promise<number>;
}

/**
 * A command invoked wrongly (a missing argument, a bad value, a required setting absent):
 * the CLI prints its message on one line with the command's usage and exits 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Node's parseArgs throws these codes for unknown options, missing values, stray positionals. */
export function isUsageError(error: unknown): error is Error {
  if (error instanceof UsageError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Who runs the CLI, for audit: `cli:<user>`, or `cli` where the OS user is unknown
 * (os.userInfo throws in containers with no passwd entry). */
export function defaultActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}
