import type { KnownBlock } from "@slack/types";
import { escapeMrkdwn, inlineCode } from "./escape.ts";
import { FOLLOW_UP_QUESTIONS } from "./follow-up.ts";
import { context, finish, header, type RenderedMessage, section } from "./kit.ts";
import type { HelpView } from "./view-models.ts";

/** Slack slash command names: a slash and up to 32 lowercase characters. */
const COMMAND_PATTERN = /^\/[a-z0-9_-]{1,31}$/;

const SCOPE = "[global | team T | service S | capability C]";

type Role = NonNullable<HelpView["role"]>;

interface CommandHelp {
  usage: string;
  what: string;
  /** The lowest role that may use it. */
  role: Role;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, approver: 1, admin: 2 };

function commands(cmd: string): CommandHelp[] {
  return [
    {
      usage: `${cmd} status [ticket|run]`,
      what: "Active runs, the ones waiting for a human first; or one run in detail with its timeline.",
      role: "viewer",
    },
    {
      usage: `${cmd} triage <ticket>`,
      what: "Start a triage run for a Linear ticket (e.g. ENG-123). A ticket has at most one active run: a second request joins it.",
      role: "operator",
    },
    {
      usage: `${cmd} pause ${SCOPE}`,
      what: "Engage a kill switch. Workers check it before every phase and every external effect, so it takes hold mid-run.",
      role: "admin",
    },
    {
      usage: `${cmd} resume ${SCOPE}`,
      what: "Release a kill switch. Kill-switch changes are audited.",
      role: "admin",
    },
    {
      usage: `${cmd} report [weekly | calibration]`,
      what: "The last 7 days' reliability review (runs by exit, time by phase, PRs, approvals), or how often each confidence band was right. Needs a role in the platform policy.",
      role: "viewer",
    },
    { usage: `${cmd} help`, what: "This message.", role: "viewer" },
  ];
}

/**
 * `/prode help`: the commands with their arguments and who may use them; when the
 * viewer's role is known, commands above it are marked.
 */
export function renderHelp(view: HelpView, _now: Date): RenderedMessage {
  const cmd = COMMAND_PATTERN.test(view.command) ? view.command : "/prode";
  const role = view.role;
  const lines = commands(cmd).map((c) => {
    const allowed = role === undefined || RANK[role] >= RANK[c.role];
    const who = c.role === "viewer" ? "" : allowed ? ` _(${c.role})_` : ` _(needs ${c.role})_`;
    return `${inlineCode(c.usage)}${who}\n${escapeMrkdwn(c.what)}`;
  });
  const blocks: KnownBlock[] = [
    header("prode — production triage"),
    section(
      "prode triages production tickets: it gathers current evidence with read-only specialists, classifies it with a confidence, and either stops with a handoff or opens a draft PR. Humans merge, and approve every risky action.",
    ),
    section(lines.join("\n\n")),
    section(
      `*In a triage thread*, mention prode with a question: ${FOLLOW_UP_QUESTIONS.map((q) => inlineCode(`@prode ${q.ask}`)).join(", ")}. Answers come from the run's stored evidence; *Right / Wrong* under the decision records whether the verdict held.`,
    ),
    context(
      `Approvals are decided with the buttons on each approval message; a button authorises one exact action, once, before it expires.${role === undefined ? "" : ` Your role: *${role}*.`}`,
    ),
  ];
  return finish(`prode commands: ${cmd} status, triage, pause, resume, report, help`, blocks);
}
