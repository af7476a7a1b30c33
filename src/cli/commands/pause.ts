import { parseArgs } from "node:util";
import { openCurrentDb } from "../../compose/open-db.ts";
import { loadConfig } from "../../config/index.ts";
import type { Db } from "../../db/client.ts";
import { AppError, ErrorCode, isAppError } from "../../domain/errors.ts";
import {
  describeKillSwitch,
  engage,
  listEngagedKillSwitches,
  normalizeKillSwitch,
  release,
} from "../../policy/kill-switches.ts";
import { CAPABILITIES, KILL_SWITCH_SCOPES, type KillSwitchScope } from "../../policy/types.ts";
import { type CliIo, type Command, defaultActor } from "../command.ts";

interface KillSwitchArgs {
  scope: KillSwitchScope;
  value: string;
  reason: string | undefined;
  actor: string;
}

export function killSwitchUsage(verb: "pause" | "resume"): string {
  return `Usage: prode ${verb} [global | team T | service S | capability C] [--reason TEXT] [--actor NAME]

Scope defaults to global. Capabilities: ${CAPABILITIES.join(", ")}.
The change and its actor are audited (kill_switch.${verb === "pause" ? "engaged" : "released"}).`;
}

/** Parses `[scope [value]] [--reason] [--actor]`; a bad scope → AppError BadInput. */
function parseKillSwitchArgs(args: string[]): KillSwitchArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new AppError(ErrorCode.BadInput, (error as Error).message, { cause: error });
  }
  const [scope = "global", value, ...extra] = parsed.positionals;
  if (extra.length > 0) {
    throw new AppError(ErrorCode.BadInput, `unexpected argument '${extra[0]}'`);
  }
  if (!(KILL_SWITCH_SCOPES as readonly string[]).includes(scope)) {
    throw new AppError(ErrorCode.BadInput, `unknown scope '${scope}'`);
  }
  if (scope !== "global" && value === undefined) {
    throw new AppError(ErrorCode.BadInput, `'${scope}' needs a value`);
  }
  const normal = normalizeKillSwitch(scope, value);
  return {
    scope: scope as KillSwitchScope,
    value: normal,
    reason: parsed.values.reason,
    actor: parsed.values.actor ?? defaultActor(),
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: { reason: { type: "string" }, actor: { type: "string" } },
  });
}

const label = (scope: string, value: string) => (value ? `${scope} ${value}` : scope);

/** Applies a parsed pause/resume to `db` and prints what changed; returns the exit code. */
async function applyKillSwitchCommand(
  db: Db,
  verb: "pause" | "resume",
  a: KillSwitchArgs,
  io: Pick<CliIo, "stdout">,
): Promise<number> {
  const by = { actor: a.actor, reason: a.reason };
  const change =
    verb === "pause"
      ? await engage(db, a.scope, a.value, by)
      : await release(db, a.scope, a.value, by);
  const what = label(change.scope, change.value);
  if (verb === "pause") {
    io.stdout.write(
      change.changed
        ? `paused: ${what} (kill switch engaged by ${change.actor}${change.reason ? `: ${change.reason}` : ""})\n`
        : `already paused: ${describeKillSwitch(change)}\n`,
    );
  } else {
    io.stdout.write(
      change.changed ? `resumed: ${what} (released by ${change.actor})\n` : `not paused: ${what}\n`,
    );
  }
  for (const k of await listEngagedKillSwitches(db)) {
    if (k.scope === change.scope && k.value === change.value) continue;
    io.stdout.write(`still engaged: ${describeKillSwitch(k)}\n`);
  }
  return 0;
}

/** Shared by `prode pause` and `prode resume`: usage errors exit 2 before any I/O. */
export async function runKillSwitchCommand(
  verb: "pause" | "resume",
  args: string[],
  io: CliIo,
): Promise<number> {
  let parsed: KillSwitchArgs;
  try {
    parsed = parseKillSwitchArgs(args);
  } catch (error) {
    if (!isAppError(error) || error.code !== ErrorCode.BadInput) throw error;
    io.stderr.write(`prode ${verb}: ${error.message}\n${killSwitchUsage(verb)}\n`);
    return 2;
  }
  const handle = await openCurrentDb(loadConfig());
  try {
    return await applyKillSwitchCommand(handle.db, verb, parsed, io);
  } finally {
    await handle.close();
  }
}

const pause: Command = {
  usage: killSwitchUsage("pause"),
  run: (args, io) => runKillSwitchCommand("pause", args, io),
};
export default pause;
