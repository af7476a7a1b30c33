import { isValidSlackRequest } from "@slack/bolt";
import { ErrorCode as SlackErrorCode, type WebAPIPlatformError, WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import { slackBlockAction, slackSlashCommand } from "../../sim/services/slack-requests.ts";

const CHANNEL = "C0INCIDENTS";
let world: World;
let slack: WebClient;

function client(token = world.scenario.slack.botToken): WebClient {
  // Retries belong to prode's effect ledger, never to the SDK (DESIGN.md, provider facts).
  return new WebClient(token, {
    slackApiUrl: world.urls.slack,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

async function platformError(call: Promise<unknown>): Promise<WebAPIPlatformError> {
  const error = (await call.catch((e: unknown) => e)) as WebAPIPlatformError;
  expect(error.code).toBe(SlackErrorCode.PlatformError);
  return error;
}

beforeEach(async () => {
  world = await startWorld({ scenario: "backend-500-pr" });
  slack = client();
});
afterEach(async () => {
  await world.close();
});

describe("the simulated Slack Web API with the real WebClient", () => {
  it("is reached at world.urls.slack and identifies the bot", async () => {
    expect(world.urls.slack).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/slack\/api\/$/);
    const auth = await slack.auth.test();
    expect(auth).toMatchObject({
      ok: true,
      user_id: "U0PRODEBOT",
      bot_id: "B0PRODEBOT",
      team_id: "T0ACMESIM",
    });
  });

  it("posts a parent with metadata, replies in its thread and updates it in place", async () => {
    const parent = await slack.chat.postMessage({
      channel: CHANNEL,
      text: "ENG-4821 triage started",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "*ENG-4821* · PRECHECK" } }],
      metadata: {
        event_type: "prode_run_parent",
        event_payload: { run_id: "run_1", ticket: "ENG-4821" },
      },
    });
    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    const reply = await slack.chat.postMessage({
      channel: CHANNEL,
      thread_ts: parent.ts,
      text: "evidence gathered",
    });
    expect(Number(reply.ts)).toBeGreaterThan(Number(parent.ts));
    const updated = await slack.chat.update({
      channel: CHANNEL,
      ts: parent.ts!,
      text: "ENG-4821 · CLASSIFY",
    });
    expect(updated).toMatchObject({ ok: true, ts: parent.ts, text: "ENG-4821 · CLASSIFY" });

    const thread = await slack.conversations.replies({ channel: CHANNEL, ts: parent.ts! });
    expect(thread.messages?.map((m) => m.text)).toEqual([
      "ENG-4821 · CLASSIFY",
      "evidence gathered",
    ]);
    expect(thread.messages?.[0]).toMatchObject({
      reply_count: 1,
      thread_ts: parent.ts,
      bot_id: "B0PRODEBOT",
    });
    expect(thread.messages?.[0]?.blocks).toHaveLength(1);

    // Reconciliation finds the parent again by its metadata (only with include_all_metadata).
    const plain = await slack.conversations.history({ channel: CHANNEL });
    expect(plain.messages?.[0]?.metadata).toBeUndefined();
    const history = await slack.conversations.history({
      channel: CHANNEL,
      include_all_metadata: true,
    });
    expect(history.messages).toHaveLength(1);
    expect(history.messages?.[0]).toMatchObject({
      ts: parent.ts,
      metadata: { event_type: "prode_run_parent", event_payload: { run_id: "run_1" } },
    });
    expect(world.state.slack.withMetadata("prode_run_parent").map((m) => m.ts)).toEqual([
      parent.ts,
    ]);

    const link = await slack.chat.getPermalink({ channel: CHANNEL, message_ts: reply.ts! });
    expect(link.permalink).toBe(
      `https://acme-sim.slack.com/archives/${CHANNEL}/p${reply.ts!.replace(".", "")}?thread_ts=${parent.ts}&cid=${CHANNEL}`,
    );
  });

  it("refuses an over-limit message with invalid_blocks and stores nothing", async () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: "divider" }));
    const e = await platformError(
      slack.chat.postMessage({ channel: CHANNEL, text: "too many", blocks }),
    );
    expect(e.data.error).toBe("invalid_blocks");
    expect((e.data as { errors?: string[] }).errors).toEqual([
      "no more than 50 items allowed [json-pointer:/blocks]",
    ]);

    const long = await platformError(
      slack.chat.postMessage({
        channel: CHANNEL,
        text: "x",
        blocks: [{ type: "section", text: { type: "mrkdwn", text: "s".repeat(3001) } }],
      }),
    );
    expect(long.data.error).toBe("invalid_blocks");
    expect(world.state.slack.messages(CHANNEL)).toEqual([]);

    const fifty = await slack.chat.postMessage({
      channel: CHANNEL,
      text: "ok",
      blocks: blocks.slice(0, 50),
    });
    expect(fifty.ok).toBe(true);
    expect(world.state.slack.messages(CHANNEL)).toHaveLength(1);
  });

  it("refuses an over-limit update and keeps the message as it was", async () => {
    const parent = await slack.chat.postMessage({ channel: CHANNEL, text: "original" });
    const e = await platformError(
      slack.chat.update({ channel: CHANNEL, ts: parent.ts!, text: "t".repeat(4001) }),
    );
    expect(e.data.error).toBe("msg_too_long");
    const button = {
      type: "button",
      action_id: "approve",
      text: { type: "plain_text", text: "A".repeat(76) },
    };
    const b = await platformError(
      slack.chat.update({
        channel: CHANNEL,
        ts: parent.ts!,
        text: "x",
        // Deliberately over the limit, so not a valid KnownBlock.
        blocks: [{ type: "actions", elements: [button] } as never],
      }),
    );
    expect(b.data.error).toBe("invalid_blocks");
    expect(world.state.slack.messages(CHANNEL).map((m) => m.text)).toEqual(["original"]);
  });

  it("answers Slack's errors for auth, channels, messages and missing text", async () => {
    expect((await platformError(client("").auth.test())).data.error).toBe("not_authed");
    expect((await platformError(client("xoxb-wrong").auth.test())).data.error).toBe("invalid_auth");
    expect(
      (await platformError(slack.chat.postMessage({ channel: "C0NOPE", text: "x" }))).data.error,
    ).toBe("channel_not_found");
    expect(
      (await platformError(slack.chat.postMessage({ channel: CHANNEL } as never))).data.error,
    ).toBe("no_text");
    expect(
      (
        await platformError(
          slack.chat.update({ channel: CHANNEL, ts: "1700000000.000100", text: "x" }),
        )
      ).data.error,
    ).toBe("message_not_found");
    expect(
      (
        await platformError(
          slack.conversations.replies({ channel: CHANNEL, ts: "1700000000.000100" }),
        )
      ).data.error,
    ).toBe("thread_not_found");
  });

  it("publishes App Home views up to 100 blocks and refuses 101", async () => {
    const blocks = (n: number) => Array.from({ length: n }, () => ({ type: "divider" as const }));
    const ok = await slack.views.publish({
      user_id: "U0ONCALL01",
      view: { type: "home", blocks: blocks(100) },
    });
    expect(ok.view).toMatchObject({ type: "home", team_id: "T0ACMESIM" });
    const e = await platformError(
      slack.views.publish({ user_id: "U0ONCALL01", view: { type: "home", blocks: blocks(101) } }),
    );
    expect(e.data.error).toBe("invalid_arguments");
    expect(e.data.response_metadata?.messages).toEqual([
      "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]",
    ]);
    expect(world.state.slack.homeView("U0ONCALL01")?.view.blocks).toHaveLength(100);
  });

  it("looks up users, approver groups and sends ephemeral messages", async () => {
    const user = await slack.users.info({ user: "U0ENGLEAD2" });
    expect(user.user).toMatchObject({
      id: "U0ENGLEAD2",
      real_name: "Marco Bianchi",
      is_bot: false,
    });
    expect(user.user?.profile?.email).toBe("marco.bianchi@example.com");
    const group = await slack.usergroups.users.list({ usergroup: "S0APPROVER" });
    expect(group.users).toEqual(["U0ENGLEAD2", "U0DBAOWNR3"]);
    expect(
      (await platformError(slack.usergroups.users.list({ usergroup: "S0NOPE" }))).data.error,
    ).toBe("no_such_subteam");
    const eph = await slack.chat.postEphemeral({
      channel: CHANNEL,
      user: "U0ONCALL01",
      text: "only you",
    });
    expect(eph.message_ts).toMatch(/^\d+\.\d{6}$/);
    expect(world.state.slack.ephemerals()).toMatchObject([
      { user: "U0ONCALL01", text: "only you" },
    ]);
    expect(world.state.slack.messages(CHANNEL)).toEqual([]);
  });

  it("records every call with its service and method, without the token", async () => {
    await slack.auth.test();
    await slack.chat.postMessage({
      channel: CHANNEL,
      text: "hello",
      blocks: [{ type: "divider" }],
    });
    await slack.chat.postMessage({ channel: "C0NOPE", text: "x" }).catch(() => {});
    const calls = world.calls({ service: "slack" });
    expect(calls.map((c) => [c.method, c.status])).toEqual([
      ["auth.test", 200],
      ["chat.postMessage", 200],
      ["chat.postMessage", 200],
    ]);
    expect(calls[1]?.body).toMatchObject({
      channel: CHANNEL,
      text: "hello",
      blocks: [{ type: "divider" }],
    });
    expect(calls[2]?.response).toEqual({ ok: false, error: "channel_not_found" });
    expect(JSON.stringify(calls)).not.toContain(world.scenario.slack.botToken);
    expect(world.calls({ method: "chat.postMessage" })).toHaveLength(2);
    world.clearCalls();
    expect(world.calls()).toEqual([]);
  });
});

describe("requests from Slack to prode", () => {
  const verified = (r: { headers: Record<string, string>; body: string }, secret: string) =>
    isValidSlackRequest({
      signingSecret: secret,
      body: r.body,
      headers: {
        "x-slack-signature": r.headers["x-slack-signature"]!,
        "x-slack-request-timestamp": Number(r.headers["x-slack-request-timestamp"]),
      },
    });

  it("a button click on a stored message carries its block, button and user, signed for Bolt", async () => {
    const posted = await slack.chat.postMessage({
      channel: CHANNEL,
      text: "Approve backfill?",
      blocks: [
        {
          type: "actions",
          block_id: "approval",
          elements: [
            {
              type: "button",
              action_id: "approve",
              text: { type: "plain_text", text: "Approve" },
              value: "apr_1",
            },
          ],
        },
      ],
    });
    const click = slackBlockAction(world, {
      user: "U0ENGLEAD2",
      actionId: "approve",
      value: "apr_1",
      channel: CHANNEL,
      messageTs: posted.ts!,
    });
    expect(verified(click, world.scenario.slack.signingSecret)).toBe(true);
    expect(verified(click, "another-secret")).toBe(false);
    const payload = JSON.parse(new URLSearchParams(click.body).get("payload")!);
    expect(payload).toMatchObject({
      type: "block_actions",
      user: { id: "U0ENGLEAD2", username: "marco.bianchi" },
      container: { message_ts: posted.ts, channel_id: CHANNEL },
      message: { ts: posted.ts, text: "Approve backfill?" },
      actions: [
        { action_id: "approve", block_id: "approval", value: "apr_1", text: { text: "Approve" } },
      ],
    });
  });

  it("a slash command is form-encoded and signed; a retry carries X-Slack-Retry-Num", () => {
    const command = slackSlashCommand(world, {
      user: "U0ONCALL01",
      text: "status ENG-4821",
      retryNum: 1,
    });
    expect(verified(command, world.scenario.slack.signingSecret)).toBe(true);
    expect(Object.fromEntries(new URLSearchParams(command.body))).toMatchObject({
      command: "/prode",
      text: "status ENG-4821",
      user_id: "U0ONCALL01",
      channel_id: CHANNEL,
      team_id: "T0ACMESIM",
    });
    expect(command.headers["x-slack-retry-num"]).toBe("1");
    const stale = slackSlashCommand(world, {
      user: "U0ONCALL01",
      text: "help",
      timestampSec: Math.floor(Date.now() / 1000) - 600,
    });
    expect(verified(stale, world.scenario.slack.signingSecret)).toBe(false);
  });
});
