import { isValidSlackRequest } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { interactionBody, signedSlackHeaders, slackSignature } from "./signing.ts";

describe("Slack request signing", () => {
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";
  const now = Math.floor(Date.now() / 1000);

  it("produces signatures Bolt's own verifier accepts", () => {
    const body = interactionBody({ type: "block_actions", actions: [{ value: "apr_1" }] });
    const headers = signedSlackHeaders(secret, body, { timestampSec: now });
    expect(
      isValidSlackRequest({
        signingSecret: secret,
        body,
        headers: {
          "x-slack-signature": headers["x-slack-signature"]!,
          "x-slack-request-timestamp": now,
        },
      }),
    ).toBe(true);
  });

  it("changes with the body, the timestamp and the secret", () => {
    const base = slackSignature(secret, now, "a=1");
    expect(base).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(slackSignature(secret, now, "a=2")).not.toBe(base);
    expect(slackSignature(secret, now + 1, "a=1")).not.toBe(base);
    expect(slackSignature(`${secret}x`, now, "a=1")).not.toBe(base);
  });

  it("marks retries the way Slack does", () => {
    const headers = signedSlackHeaders(secret, "a=1", { retryNum: 2 });
    expect(headers["x-slack-retry-num"]).toBe("2");
    expect(headers["x-slack-retry-reason"]).toBe("http_timeout");
    expect(signedSlackHeaders(secret, "a=1")["x-slack-retry-num"]).toBeUndefined();
  });
});
