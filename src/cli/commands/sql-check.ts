import { checkSql } from "../../safety/sql-guard.ts";
import { type Command, readAll, UsageError } from "../command.ts";

/**
 * `prode sql check [--json]`: runs the replica SQL guard on one statement read from
 * stdin, without touching any database. Exit 0 when allowed, 1 when refused, 2 on a
 * usage error. Plain output is "allowed" or "refused: <reason>"; with --json it is
 * `{"allowed": true, "reason": ""}` (the reason is empty when allowed) or
 * `{"allowed": false, "reason": "function nextval is not allowed: …"}`.
 */
const sqlCheck: Command = {
  usage: [
    "Usage: prode sql check [--json] < statement.sql",
    "",
    "Exit 0 when the statement is allowed, 1 when it is refused.",
    '  --json   print {"allowed": bool, "reason": string}; reason is "" when allowed',
  ].join("\n"),
  async run(args, io) {
    const unknown = args.filter((a) => a !== "--json");
    if (unknown.length > 0) {
      throw new UsageError(`unknown option ${unknown[0]}`);
    }
    const result = await checkSql(await readAll(io.stdin));
    if (args.includes("--json")) {
      const reason = result.allowed ? "" : result.reason;
      io.stdout.write(`${JSON.stringify({ allowed: result.allowed, reason })}\n`);
    } else {
      io.stdout.write(result.allowed ? "allowed\n" : `refused: ${result.reason}\n`);
    }
    return result.allowed ? 0 : 1;
  },
};
export default sqlCheck;
