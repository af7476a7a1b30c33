import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asc, eq } from "drizzle-orm";
import { worldEnv } from "../../sim/demo/world-env.ts";
import { startWorld, type World } from "../../sim/server.ts";
import type { SlackApp } from "../../src/adapters/slack/app.ts";
import {
  createSlackInteractionQueue,
  type SlackInteractionQueue,
} from "../../src/adapters/slack/interaction-queue.ts";
import { formBody, interactionBody, signedSlackHeaders } from "../../src/adapters/slack/signing.ts";
import { startWeb } from "../../src/compose/processes.ts";
import { openResources } from "../../src/compose/resources.ts";
import { type SlackWiring, wireSlack } from "../../src/compose/slack.ts";
import { loadConfig } from "../../src/config/index.ts";
import { auditEvents } from "../../src/db/schema.ts";
import { cachedPolicySource } from "../../src/policy/source.ts";
import { createTestDb, type TestDb } from "./db.ts";
import { TEST_REDIS_URL } from "./env.ts";
import { createTestRunner, quietLog, type TestRunner } from "./runner.ts";

/**
 * The Slack tests' world: a fresh database, a private queue, the simulated world, and
 * the Slack surface wired by the composition root (src/compose: resources, wireSlack,
 * startWeb) as `prode dev` wires it, or as `prode web` + `prode worker` with `viaQueue`.
 * No phase worker runs, so a test sets a run's state and finds it as it left it.
 * Requests are signed with the world's signing secret.
 */

export const CHANNEL = "C0INCIDENTS";
/** Users of the db-state-approval scenario, with the roles the test policy gives them. */
export const USERS = {
  oncall: "U0ONCALL01", // operator (group S0SREONCAL)
  lead: "U0ENGLEAD2", // approver (group S0APPROVER)
  dba: "U0DBAOWNR3", // approver (group) and admin (user)
  support: "U0SUPPORT4", // viewer
  backend: "U0BACKEND5", // no role
} as const;

const TEST_POLICY = `version: 1
roles:
  admin: { users: [${USERS.dba}] }
  approver: { groups: [S0APPROVER] }
  operator: { groups: [S0SREONCAL] }
  viewer: { users: [${USERS.support}] }
`;

export interface SlackHarness {
  t: TestDb;
  runner: TestRunner;
  world: World;
  slack: SlackApp;
  url: string;
  policyDir: string;
  /** The runs `/prode triage` created, oldest first, with who started each. */
  triaged(): Promise<{ ticket: string; actor: string }[]>;
  /** With `viaQueue`: the interaction queue the web side enqueues to. */
  interactions?: SlackInteractionQueue;
  /** Waits until every acknowledged interaction was handled (in process or by the worker). */
  drain(): Promise<void>;
  post(
    body: string,
    options?: { timestampSec?: number; retryNum?: number; secret?: string; contentType?: string },
  ): Promise<Response>;
  command(text: string, user: string, extra?: Record<string, string>): Promise<Response>;
  click(
    approvalId: string,
    verdict: "approve" | "reject",
    user: string,
    message: { ts: string; threadTs?: string },
    options?: { triggerId?: string; retryNum?: number },
  ): Promise<Response>;
  close(): Promise<void>;
}

let triggers = 0;
function nextTrigger(): string {
  triggers += 1;
  return `${Date.now()}.${triggers}.trig`;
}

export function commandBody(
  text: string,
  user: string,
  extra: Record<string, string> = {},
): string {
  return formBody({
    token: "legacy-verification-token",
    team_id: "T0ACMESIM",
    team_domain: "acme-sim",
    channel_id: CHANNEL,
    channel_name: "incidents",
    user_id: user,
    user_name: user.toLowerCase(),
    command: "/prode",
    text,
    api_app_id: "A0PRODEAPP",
    response_url: "http://127.0.0.1:9/unused-response-url",
    trigger_id: nextTrigger(),
    ...extra,
  });
}

export function clickPayload(
  approvalId: string,
  verdict: "approve" | "reject",
  user: string,
  message: { ts: string; threadTs?: string },
  triggerId = nextTrigger(),
) {
  return {
    type: "block_actions",
    user: { id: user, username: user.toLowerCase(), name: `name-${user}`, team_id: "T0ACMESIM" },
    api_app_id: "A0PRODEAPP",
    token: "legacy-verification-token",
    container: {
      type: "message",
      message_ts: message.ts,
      channel_id: CHANNEL,
      is_ephemeral: false,
    },
    trigger_id: triggerId,
    team: { id: "T0ACMESIM", domain: "acme-sim" },
    channel: { id: CHANNEL, name: "incidents" },
    message: {
      type: "message",
      ts: message.ts,
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      text: "approval",
    },
    response_url: "http://127.0.0.1:9/unused-response-url",
    actions: [
      {
        action_id: verdict === "approve" ? "prode_approve" : "prode_reject",
        block_id: "prode_approval",
        value: approvalId,
        type: "button",
        text: { type: "plain_text", text: verdict === "approve" ? "Approve" : "Reject" },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

export async function startSlackHarness(
  options: { scenario?: string; viaQueue?: boolean } = {},
): Promise<SlackHarness> {
  const t = await createTestDb();
  const runner = createTestRunner(t);
  const world = await startWorld({ scenario: options.scenario ?? "db-state-approval" });
  const policyDir = await mkdtemp(join(tmpdir(), "prode-slack-policy-"));
  await writeFile(join(policyDir, "platform.yaml"), TEST_POLICY);
  const config = loadConfig({
    ...worldEnv(world),
    SLACK_INCIDENT_CHANNEL: CHANNEL,
    PRODE_POLICY_DIR: policyDir,
    REDIS_URL: TEST_REDIS_URL,
    PRODE_QUEUE_PREFIX: runner.prefix,
    PORT: "0",
  });
  const res = await openResources(config, "test", { db: t, log: quietLog });
  const policyFor = cachedPolicySource(policyDir);
  // Queue mode: the web side only acks and enqueues; the worker side handles.
  const wired: SlackWiring[] = options.viaQueue
    ? [wireSlack(config, res, "web", policyFor)!, wireSlack(config, res, "worker", policyFor)!]
    : [wireSlack(config, res, "dev", policyFor)!];
  const slack = wired[0]!.app!;
  for (const w of wired) await w.start();
  const web = await startWeb(res, slack.routes, undefined, "127.0.0.1");
  const url = `${web.url}/slack/events`;
  const secret = world.scenario.slack.signingSecret;
  const interactions = options.viaQueue
    ? createSlackInteractionQueue(runner.redis, runner.prefix)
    : undefined;

  const post: SlackHarness["post"] = (body, o = {}) =>
    fetch(url, {
      method: "POST",
      headers: signedSlackHeaders(o.secret ?? secret, body, {
        ...(o.timestampSec === undefined ? {} : { timestampSec: o.timestampSec }),
        ...(o.retryNum === undefined ? {} : { retryNum: o.retryNum }),
        ...(o.contentType === undefined ? {} : { contentType: o.contentType }),
      }),
      body,
    });

  const drain = async () => {
    await slack.idle();
    if (!interactions) return;
    for (let i = 0; i < 200; i += 1) {
      if ((await interactions.backlog()) === 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error("slack interaction stream did not drain");
  };

  return {
    t,
    runner,
    world,
    slack,
    url,
    policyDir,
    triaged: async () =>
      (
        await t.db
          .select()
          .from(auditEvents)
          .where(eq(auditEvents.type, "run.created"))
          .orderBy(asc(auditEvents.createdAt))
      ).map((e) => ({ ticket: String(e.payload.ticket), actor: e.actor })),
    ...(interactions ? { interactions } : {}),
    drain,
    post,
    command: (text, user, extra) => post(commandBody(text, user, extra)),
    click: (approvalId, verdict, user, message, o = {}) =>
      post(
        interactionBody(clickPayload(approvalId, verdict, user, message, o.triggerId)),
        o.retryNum === undefined ? {} : { retryNum: o.retryNum },
      ),
    async close() {
      await web.close();
      for (const w of wired) await w.stop();
      await interactions?.close();
      await res.close();
      await world.close();
      await runner.close();
      await t.drop();
      await rm(policyDir, { recursive: true, force: true });
    },
  };
}

/** The ephemeral messages the world delivered to `user`, oldest first. */
export function ephemeralsFor(world: World, user: string) {
  return world.state.slack.ephemerals().filter((e) => e.user === user);
}

/**
 * `/prode <text>` as `user`, through the signed endpoint and the interaction stream: the
 * text and blocks of the last ephemeral reply `user` got, as one string to match.
 */
export async function askCommand(h: SlackHarness, text: string, user: string): Promise<string> {
  const answer = await h.command(text, user);
  if (answer.status !== 200) throw new Error(`/prode ${text}: HTTP ${answer.status}`);
  await h.drain();
  const last = ephemeralsFor(h.world, user).at(-1);
  return `${last?.text ?? ""} ${JSON.stringify(last?.blocks ?? [])}`;
}
