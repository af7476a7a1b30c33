import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../../sim/server.ts";
import { ErrorCode } from "../../domain/errors.ts";
import { callSlack, createSlackWebClient, slackAppError, slackPlatformError } from "./client.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld({ scenario: "backend-500-pr" });
});
afterEach(async () => {
  await world.close();
});

const client = (token = world.scenario.slack.botToken) =>
  createSlackWebClient({ token, apiUrl: world.urls.slack, timeoutMs: 2_000 });

describe("the posting WebClient and its errors", () => {
  it("does not retry a rate-limited post: one call, a retryable AppError", async () => {
    world.injectFault({
      service: "slack",
      method: "chat.postMessage",
      kind: "rate_limit",
      retryAfterSec: 30,
    });
    const error = await callSlack("chat.postMessage", () =>
      client().chat.postMessage({ channel: "C0INCIDENTS", text: "x" }),
    ).catch((e: unknown) => e);
    // Slack's Retry-After travels with the error: the runner waits that long (issue 17).
    expect(error).toMatchObject({
      code: ErrorCode.UpstreamRateLimited,
      retryable: true,
      retryAfterMs: 30_000,
    });
    expect(world.calls({ service: "slack", method: "chat.postMessage" })).toHaveLength(1);
  });

  it("does not retry a 5xx either, and calls it retryable", async () => {
    world.injectFault({ service: "slack", method: "chat.update", kind: "error", status: 503 });
    const error = await callSlack("chat.update", () =>
      client().chat.update({ channel: "C0INCIDENTS", ts: "1.1", text: "x" }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.UpstreamUnavailable, retryable: true });
    expect(world.calls({ service: "slack", method: "chat.update" })).toHaveLength(1);
  });

  it("turns a platform error into a non-retryable rejection naming Slack's error", async () => {
    const error = await callSlack("chat.postMessage", () =>
      client().chat.postMessage({ channel: "C0NOPE", text: "x" }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.UpstreamRejected, retryable: false });
    expect(slackPlatformError(error)).toBe("channel_not_found");
    const auth = await callSlack("auth.test", () => client("xoxb-wrong").auth.test()).catch(
      (e: unknown) => e,
    );
    expect(slackPlatformError(auth)).toBe("invalid_auth");
  });

  it("calls an unreachable API retryable", () => {
    expect(slackAppError(new Error("socket hang up"), "chat.postMessage")).toMatchObject({
      code: ErrorCode.UpstreamUnavailable,
      retryable: true,
    });
  });
});
