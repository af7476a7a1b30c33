import type { Command } from "./command.ts";

/**
 * Every subcommand, lazily imported so `prode --help` and small commands start fast.
 * A plain array: add one line per command.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load: () => Promise<Command>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: "migrate",
    summary: "apply database migrations (DATABASE_URL, or the embedded PGlite)",
    load: async () => (await import("./commands/migrate.ts")).default,
  },
];
