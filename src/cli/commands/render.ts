import { readFile } from "node:fs/promises";
import { isRenderKindName, RENDER_KINDS } from "../../../blocks/kinds.ts";
import { findSlackLimitViolations } from "../../../blocks/validate.ts";
import { type Command, readAll, UsageError } from "../command.ts";

const KINDS = Object.keys(RENDER_KINDS).join(", ");

const USAGE = `Usage: prode render <kind> --input FILE.json [--now ISO-8601]

Validates FILE.json against the view model of <kind> and prints the Block Kit payload
({"text", "blocks"}) as JSON. --input - reads stdin. --now fixes the clock (default: now).
Kinds: ${KINDS}
Examples: blocks/examples/<kind>.json`;

interface Args {
  kind?: string;
  input?: string;
  now?: string;
  error?: string;
}

function parseArgs(args: string[]): Args {
  const out: Args = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const [flag, inline] = arg.startsWith("--") ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (flag === "--input" || flag === "--now") {
      const value = inline ?? args[++i];
      if (value === undefined) return { error: `${flag} needs a value` };
      if (flag === "--input") out.input = value;
      else out.now = value;
    } else if (arg.startsWith("-") && arg !== "-") {
      return { error: `unknown option ${arg}` };
    } else if (out.kind === undefined) {
      out.kind = arg;
    } else {
      return { error: `unexpected argument ${arg}` };
    }
  }
  return out;
}

/** "classification.confidence" / "runs[3].ticket.key" / "(root)". */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    out += typeof key === "number" ? `[${key}]` : `${out === "" ? "" : "."}${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

const render: Command = {
  usage: USAGE,
  async run(args, io) {
    const parsed = parseArgs(args);
    if (parsed.error !== undefined || parsed.kind === undefined || parsed.input === undefined) {
      throw new UsageError(`${parsed.error ?? "missing <kind> or --input"}`);
    }
    if (!isRenderKindName(parsed.kind)) {
      throw new UsageError(`unknown kind '${parsed.kind}'; expected one of: ${KINDS}`);
    }
    const now = parsed.now === undefined ? new Date() : new Date(parsed.now);
    if (Number.isNaN(now.getTime())) {
      throw new UsageError(`--now '${parsed.now}' is not a date`);
    }

    const source = parsed.input === "-" ? "stdin" : parsed.input;
    let raw: string;
    try {
      raw = parsed.input === "-" ? await readAll(io.stdin) : await readFile(parsed.input, "utf8");
    } catch (error) {
      io.stderr.write(`prode render: cannot read ${source}: ${(error as Error).message}\n`);
      return 1;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      io.stderr.write(`prode render: ${source} is not JSON: ${(error as Error).message}\n`);
      return 1;
    }

    const kind = RENDER_KINDS[parsed.kind];
    const result = kind.schema.safeParse(json);
    if (!result.success) {
      io.stderr.write(`prode render: ${source} is not a valid '${parsed.kind}' view model:\n`);
      for (const issue of result.error.issues) {
        io.stderr.write(`  ${source}: ${formatPath(issue.path)}: ${issue.message}\n`);
      }
      return 1;
    }

    const payload = kind.render(result.data, now);
    // The renderers guarantee this; refusing here keeps a regression from reaching Slack.
    const violations = findSlackLimitViolations(payload, kind.surface);
    if (violations.length > 0) {
      io.stderr.write(`prode render: output breaks Slack limits:\n  ${violations.join("\n  ")}\n`);
      return 1;
    }
    io.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
    return 0;
  },
};
export default render;
