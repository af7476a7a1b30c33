import { isValidSlackRequest } from "@slack/bolt";
import { ErrorCode as SlackErrorCode, type WebAPIPlatformError, WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import { slackAppMention, slackViewSubmission } from "../../sim/services/slack-requests.ts";

/** The simulated Slack's test hooks for issue 19: app_mention events and modals. */
let world: World;
let slack: WebClient;

beforeEach(async () => {
  world = await startWorld({ scenario: "backend-500-pr" });
  slack = new WebClient(world.scenario.slack.botToken, {
    slackApiUrl: world.urls.slack,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
});
afterEach(async () => {
  await world.close();
});

const modal = {
  type: "modal" as const,
  callback_id: "cb",
  title: { type: "plain_text" as const, text: "Feedback" },
  submit: { type: "plain_text" as const, text: "Save" },
  private_metadata: '{"runId":"r1"}',
  blocks: [{ type: "section" as const, text: { type: "mrkdwn" as const, text: "hello" } }],
};

describe("the simulated Slack's events and modals", () => {
  it("delivers @prode as Slack does: the message in the thread, a signed event_callback with an event id", () => {
    const channel = world.scenario.slack.incidentChannel;
    const parent = world.state.slack.postAsUser({ channel, user: "U0PRODEBOT", text: "parent" });
    const req = slackAppMention(world, {
      user: "U0ONCALL01",
      text: "why not infra?",
      threadTs: parent.ts,
    });
    const stored = world.state.slack.thread(channel, parent.ts).find((m) => m.ts === req.ts);
    expect(stored).toMatchObject({ user: "U0ONCALL01", thread_ts: parent.ts });
    expect(stored!.text).toBe(`<@${world.scenario.slack.bot.userId}> why not infra?`);
    expect(req.headers["content-type"]).toBe("application/json");
    expect(
      isValidSlackRequest({
        signingSecret: world.scenario.slack.signingSecret,
        body: req.body,
        headers: {
          "x-slack-signature": req.headers["x-slack-signature"]!,
          "x-slack-request-timestamp": Number(req.headers["x-slack-request-timestamp"]),
        },
      }),
    ).toBe(true);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({
      type: "event_callback",
      event_id: req.eventId,
      event: { type: "app_mention", user: "U0ONCALL01", ts: req.ts, thread_ts: parent.ts },
    });
    // Slack's retry: the same event id, the message not posted twice.
    const retry = slackAppMention(world, {
      user: "U0ONCALL01",
      text: "why not infra?",
      threadTs: parent.ts,
      redeliver: { eventId: req.eventId, ts: req.ts },
      retryNum: 1,
    });
    expect(JSON.parse(retry.body).event_id).toBe(req.eventId);
    expect(retry.headers["x-slack-retry-num"]).toBe("1");
    expect(world.state.slack.thread(channel, parent.ts)).toHaveLength(2);
  });

  it("views.open keeps the modal, refuses a used trigger and a title over 24 characters", async () => {
    const opened = await slack.views.open({ trigger_id: "t1", view: modal });
    expect(opened.ok).toBe(true);
    expect(world.state.slack.openedViews()).toMatchObject([
      { trigger_id: "t1", view: { callback_id: "cb" } },
    ]);
    const again = (await slack.views
      .open({ trigger_id: "t1", view: modal })
      .catch((e) => e)) as WebAPIPlatformError;
    expect(again.code).toBe(SlackErrorCode.PlatformError);
    expect(again.data.error).toBe("trigger_exchanged");
    const long = (await slack.views
      .open({
        trigger_id: "t2",
        view: { ...modal, title: { type: "plain_text", text: "x".repeat(25) } },
      })
      .catch((e) => e)) as WebAPIPlatformError;
    expect(long.data.error).toBe("invalid_arguments");
  });

  it("builds a signed view_submission with the chosen option", async () => {
    await slack.views.open({ trigger_id: "t3", view: modal });
    const [m] = world.state.slack.openedViews();
    const req = slackViewSubmission(world, {
      user: "U0ONCALL01",
      view: { ...m!.view, id: m!.id },
      selected: { b: { a: "NO_CODE_CHANGE" } },
    });
    const payload = JSON.parse(new URLSearchParams(req.body).get("payload")!);
    expect(payload).toMatchObject({
      type: "view_submission",
      user: { id: "U0ONCALL01" },
      view: {
        callback_id: "cb",
        private_metadata: '{"runId":"r1"}',
        state: { values: { b: { a: { selected_option: { value: "NO_CODE_CHANGE" } } } } },
      },
    });
  });
});
