import { redact } from "../../safety/redact.ts";
import { type Command, readAll, UsageError } from "../command.ts";

const USAGE = `Usage: prode redact [--json] < input

Reads stdin and writes it with secrets, tokens, contact and payment data replaced by
[REDACTED:<category>] placeholders.

  --json   print {"text": ..., "summary": {category: count}} instead of the text
`;

const redactCommand: Command = {
  usage: USAGE,
  async run(args, io) {
    const unknown = args.filter((a) => a !== "--json");
    if (unknown.length > 0) {
      throw new UsageError(`unexpected argument '${unknown[0]}'`);
    }
    const { text, summary } = redact(await readAll(io.stdin));
    io.stdout.write(args.includes("--json") ? `${JSON.stringify({ text, summary })}\n` : text);
    return 0;
  },
};
export default redactCommand;
