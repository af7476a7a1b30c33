import type { Logger } from "pino";
import { escapeMrkdwn, inlineCode } from "../../blocks/escape.ts";
import { renderHelp } from "../../blocks/help.ts";
import { finish, type RenderedMessage, section } from "../../blocks/kit.ts";
import { renderReport } from "../../blocks/report.ts";
import { renderStatus } from "../../blocks/status.ts";
import type { HelpView } from "../../blocks/view-models.ts";
import { policyGroups } from "../approvals/decide.ts";
import { appendAudit } from "../audit/audit.ts";
import type { Db } from "../db/client.ts";
import { asAppError, ErrorCode, isAppError } from "../domain/errors.ts";
import {
  describeKillSwitch,
  engage,
  normalizeKillSwitch,
  release,
} from "../policy/kill-switches.ts";
import { rolesOf } from "../policy/roles.ts";
import type { PolicySource } from "../policy/source.ts";
import { CAPABILITIES, type KillSwitchScope, type Role } from "../policy/types.ts";
import { calibrate, formatCalibration } from "../reports/calibration.ts";
import { loadCalibrationRows } from "../reports/calibration-query.ts";
import { formatWeekly } from "../reports/weekly.ts";
import { loadWeeklyReport } from "../reports/weekly-query.ts";
import { defaultRedactor } from "../safety/redact.ts";
import { redactView } from "./messages.ts";
import { activeRunViews, runDetailView } from "./run-queries.ts";
import { runVisibility } from "./visibility.ts";

/**
 * `/prode`: status, triage, pause/resume, report, help. Parsing is pure; answering reads the
 * database and policy and returns the ephemeral reply. Commands that change something
 * check the caller's role in policy first and are audited either way.
 */

/** Starts (or joins) the ticket's triage run; provided by the pipeline. */
export type StartTriage = (
  ticketKey: string,
  actor: string,
) => Promise<{ runId: string; created: boolean }>;

export type ProdeCommand =
  | { kind: "status"; query?: string }
  | { kind: "triage"; ticket: string }
  | { kind: "pause" | "resume"; scope: KillSwitchScope; value: string; reason?: string }
  | { kind: "report"; which: "weekly" | "calibration" }
  | { kind: "help" }
  | { kind: "invalid"; message: string };

const SCOPE_USAGE = "[global | team T | service S | capability C] [reason…]";
const TICKET = /^[A-Za-z][A-Za-z0-9]*-\d+$/;

function invalid(message: string): ProdeCommand {
  return { kind: "invalid", message };
}

function parseScope(verb: "pause" | "resume", args: string[]): ProdeCommand {
  const [scope = "global", ...rest] = args;
  const reasonOf = (words: string[]) => {
    const reason = words.join(" ").trim();
    return reason ? { reason } : {};
  };
  if (scope === "global") return { kind: verb, scope: "global", value: "", ...reasonOf(rest) };
  if (scope === "team" || scope === "service" || scope === "capability") {
    const [value, ...reason] = rest;
    if (value === undefined) {
      return invalid(
        `\`${verb} ${scope}\` needs a ${scope === "capability" ? "capability" : `${scope} name`}: \`/prode ${verb} ${scope} <name>\`${scope === "capability" ? ` (one of ${CAPABILITIES.join(", ")})` : ""}.`,
      );
    }
    try {
      return { kind: verb, scope, value: normalizeKillSwitch(scope, value), ...reasonOf(reason) };
    } catch (error) {
      if (isAppError(error) && error.code === ErrorCode.BadInput) return invalid(error.message);
      throw error;
    }
  }
  return invalid(
    `Unknown scope \`${scope}\` for \`${verb}\`. Usage: \`/prode ${verb} ${SCOPE_USAGE}\`.`,
  );
}

/** Parses the text after `/prode`. Never throws: bad input is an `invalid` command. */
export function parseProdeCommand(text: string): ProdeCommand {
  const [verb, ...args] = text.trim().split(/\s+/).filter(Boolean);
  switch (verb?.toLowerCase()) {
    case undefined:
    case "help":
      return { kind: "help" };
    case "status":
      if (args.length > 1)
        return invalid(
          "`status` takes at most one ticket or run id, e.g. `/prode status ENG-123`.",
        );
      return args[0] ? { kind: "status", query: args[0] } : { kind: "status" };
    case "triage": {
      const ticket = args[0];
      if (!ticket || args.length > 1 || !TICKET.test(ticket)) {
        return invalid(
          `\`triage\` takes one Linear ticket key, e.g. \`/prode triage ENG-123\`${ticket ? ` (got \`${ticket}\`)` : ""}.`,
        );
      }
      return { kind: "triage", ticket: ticket.toUpperCase() };
    }
    case "pause":
    case "resume":
      return parseScope(verb.toLowerCase() as "pause" | "resume", args);
    case "report": {
      const which = (args[0] ?? "weekly").toLowerCase();
      if (args.length > 1 || (which !== "weekly" && which !== "calibration"))
        return invalid("`report` takes `weekly` (the default) or `calibration`.");
      return { kind: "report", which };
    }
    default:
      return invalid(`Unknown subcommand \`${verb}\`.`);
  }
}

export interface CommandDeps {
  db: Db;
  log: Logger;
  policyFor: PolicySource;
  groupsOf(userId: string, candidates: readonly string[]): Promise<readonly string[]>;
  startTriage: StartTriage;
  now(): Date;
  /** The slash command as installed. */
  command?: string;
}

export interface Caller {
  userId: string;
}

/** A one-section reply; its text may quote user input (a reason), so it is redacted. */
function reply(text: string): RenderedMessage {
  const safe = defaultRedactor.redact(text).text;
  return finish(safe, [section(safe)]);
}

async function highestRole(
  deps: CommandDeps,
  who: Caller,
  scope: { team?: string; service?: string } = {},
): Promise<Role | undefined> {
  const policy = await deps.policyFor(scope);
  const groupIds = await deps.groupsOf(who.userId, policyGroups(policy));
  return rolesOf(policy, { userId: who.userId, groupIds }).at(-1);
}

function helpMessage(deps: CommandDeps, role: Role | undefined, problem?: string): RenderedMessage {
  const view: HelpView = { command: deps.command ?? "/prode", ...(role ? { role } : {}) };
  const help = renderHelp(view, deps.now());
  if (!problem) return help;
  // The problem quotes what the user typed (an unknown verb, a ticket): redacted.
  const safe = defaultRedactor.redact(problem).text;
  return {
    text: `${safe} ${help.text}`.slice(0, 3_900),
    blocks: [section(`:warning: ${safe}`), ...help.blocks],
  };
}

async function refuse(
  deps: CommandDeps,
  who: Caller,
  type: string,
  payload: Record<string, unknown>,
  text: string,
): Promise<RenderedMessage> {
  await appendAudit(deps.db, { type, actor: `slack:${who.userId}`, payload });
  return reply(text);
}

async function killSwitchCommand(
  deps: CommandDeps,
  who: Caller,
  cmd: Extract<ProdeCommand, { kind: "pause" | "resume" }>,
): Promise<RenderedMessage> {
  const scope =
    cmd.scope === "team"
      ? { team: cmd.value }
      : cmd.scope === "service"
        ? { service: cmd.value }
        : {};
  const role = await highestRole(deps, who, scope);
  const what = cmd.value ? `${cmd.scope} ${cmd.value}` : cmd.scope;
  if (role !== "admin") {
    return refuse(
      deps,
      who,
      "kill_switch.refused",
      {
        verb: cmd.kind,
        scope: cmd.scope,
        value: cmd.value,
        reason: "not_admin",
        role: role ?? null,
      },
      `:no_entry: Only prode admins may ${cmd.kind} (${escapeMrkdwn(what)}); your role is ${role ?? "none"}. Nothing changed. Ask an admin, or use the \`prode ${cmd.kind}\` CLI where you operate prode.`,
    );
  }
  const by = { actor: `slack:${who.userId}`, reason: cmd.reason };
  const change =
    cmd.kind === "pause"
      ? await engage(deps.db, cmd.scope, cmd.value, by)
      : await release(deps.db, cmd.scope, cmd.value, by);
  const label = escapeMrkdwn(what);
  if (cmd.kind === "pause") {
    return reply(
      change.changed
        ? `:double_vertical_bar: Paused *${label}*. Workers stop before their next phase or external effect. Resume with \`/prode resume ${label}\`.`
        : `Already paused: ${escapeMrkdwn(describeKillSwitch(change))}.`,
    );
  }
  return reply(
    change.changed
      ? `:arrow_forward: Resumed *${label}*. Paused runs continue with their next phase.`
      : `*${label}* was not paused; nothing changed.`,
  );
}

/** The result of asking for a triage: started or joined (`ok`), or refused / failed. */
export interface TriageAnswer {
  ok: boolean;
  message: RenderedMessage;
}

/**
 * Starts (or joins) a ticket's triage for `who` through the pipeline's intake, the same
 * path for `/prode triage` and a thread's "rerun": the operator role is checked (a refusal
 * is audited) and one active run per ticket holds.
 */
export async function triageAs(
  deps: CommandDeps,
  who: Caller,
  ticket: string,
): Promise<TriageAnswer> {
  const role = await highestRole(deps, who);
  if (role === undefined || role === "viewer") {
    return {
      ok: false,
      message: await refuse(
        deps,
        who,
        "triage.refused",
        { ticket, reason: "not_operator", role: role ?? null },
        `:no_entry: Starting a triage needs the operator role in prode's policy; your role is ${role ?? "none"}. Nothing was started.`,
      ),
    };
  }
  try {
    const { runId, created } = await deps.startTriage(ticket, `slack:${who.userId}`);
    return {
      ok: true,
      message: reply(
        created
          ? `:mag: Started triage of *${escapeMrkdwn(ticket)}* (run ${inlineCode(runId)}). Its thread appears in the incident channel.`
          : `*${escapeMrkdwn(ticket)}* already has an active run (${inlineCode(runId)}); joined it instead of starting another.`,
      ),
    };
  } catch (error) {
    const e = asAppError(error);
    deps.log.warn({ err: e, ticket }, "slack triage command failed");
    return {
      ok: false,
      message: reply(
        e.code === ErrorCode.BadInput
          ? `:warning: Could not start triage of *${escapeMrkdwn(ticket)}*: ${escapeMrkdwn(e.message)}`
          : `:warning: Could not start triage of *${escapeMrkdwn(ticket)}* (${e.code}). Try again in a minute; if it keeps failing, check \`prode status\`.`,
      ),
    };
  }
}

/**
 * `/prode status [ticket|run]`: runs are shown only to holders of the viewer role under
 * their team's policy; someone with no viewer role anywhere prode looks is refused
 * (audited). Titles and kill-switch reasons come from outside: views are redacted.
 */
async function statusCommand(
  deps: CommandDeps,
  who: Caller,
  query: string | undefined,
  now: Date,
): Promise<RenderedMessage> {
  const canView = runVisibility(deps, who.userId);
  const orgViewer = (await highestRole(deps, who)) !== undefined;
  if (query) {
    const view = await runDetailView(deps.db, query, now, canView);
    if (view.kind === "not_found" && !orgViewer) return refuseStatus(deps, who, query);
    return renderStatus(redactView(view), now);
  }
  const { runs, pauses } = await activeRunViews(deps.db, 60, canView);
  if (!orgViewer && runs.length === 0) return refuseStatus(deps, who);
  // Engaged kill switches are org-wide facts: shown to org viewers only.
  return renderStatus(
    redactView({ kind: "list" as const, runs, pauses: orgViewer ? pauses : [] }),
    now,
  );
}

function refuseStatus(deps: CommandDeps, who: Caller, query?: string): Promise<RenderedMessage> {
  return refuse(
    deps,
    who,
    "status.refused",
    { reason: "not_viewer", ...(query ? { query: query.slice(0, 80) } : {}) },
    ":no_entry: `/prode status` needs the viewer role in prode's policy (for the run's team); you hold none. Nothing is shown.",
  );
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

/**
 * `/prode report [weekly|calibration]`: the reliability review of the last 7 days, or the
 * calibration of every run's confidence, as `prode report` prints them. They span every
 * team, so they need a role in the platform policy; a refusal is audited. The reports'
 * texts (failure examples) are redacted when loaded.
 */
async function reportCommand(
  deps: CommandDeps,
  who: Caller,
  which: "weekly" | "calibration",
  now: Date,
): Promise<RenderedMessage> {
  if ((await highestRole(deps, who)) === undefined) {
    return refuse(
      deps,
      who,
      "report.refused",
      { which, reason: "not_viewer" },
      ":no_entry: `/prode report` spans every team: it needs a role in prode's platform policy; you hold none. Nothing is shown.",
    );
  }
  const clean = (text: string) => defaultRedactor.redact(text).text;
  if (which === "weekly") {
    const since = new Date(now.getTime() - WEEK_MS);
    const report = await loadWeeklyReport(deps.db, { since, until: now, clean });
    return renderReport("Weekly reliability review", formatWeekly(report), "prode report weekly");
  }
  const { rows, unclassified } = await loadCalibrationRows(deps.db);
  const report = calibrate(rows, { since: null, unclassified });
  return renderReport(
    "Confidence calibration",
    clean(formatCalibration(report)),
    "prode report calibration",
  );
}

/** The ephemeral reply to `/prode <text>` from `who`. */
export async function answerProdeCommand(
  deps: CommandDeps,
  text: string,
  who: Caller,
): Promise<RenderedMessage> {
  const cmd = parseProdeCommand(text);
  const now = deps.now();
  switch (cmd.kind) {
    case "help":
      return helpMessage(deps, await highestRole(deps, who));
    case "invalid":
      return helpMessage(deps, await highestRole(deps, who), cmd.message);
    case "status":
      return statusCommand(deps, who, cmd.query, now);
    case "triage":
      return (await triageAs(deps, who, cmd.ticket)).message;
    case "pause":
    case "resume":
      return killSwitchCommand(deps, who, cmd);
    case "report":
      return reportCommand(deps, who, cmd.which, now);
    default: {
      const never: never = cmd;
      return reply(`unknown command ${String(never)}`);
    }
  }
}
