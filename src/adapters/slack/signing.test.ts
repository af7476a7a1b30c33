import { createHmac } from "node:crypto";
import { isValidSlackRequest } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import {
  interactionBody,
  signedSlackHeaders,
  slackSignature,
  verifySlackSignature,
} from "./signing.ts";

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

describe("verifySlackSignature", () => {
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";
  const now = 1_750_000_000;
  const check = (body: string, headers: Record<string, string>, at = now) =>
    verifySlackSignature(secret, headers, Buffer.from(body), at);

  it("accepts what signedSlackHeaders signs, within 5 minutes either way", () => {
    const body = "command=%2Fprode&text=help";
    for (const skew of [-300, 0, 300]) {
      const headers = signedSlackHeaders(secret, body, { timestampSec: now + skew });
      expect(check(body, headers)).toEqual({ ok: true });
    }
  });

  it("refuses a timestamp more than 5 minutes old or ahead, whatever the signature", () => {
    const body = "text=x";
    for (const skew of [-301, 301, 86_400]) {
      const headers = signedSlackHeaders(secret, body, { timestampSec: now + skew });
      expect(check(body, headers)).toEqual({ ok: false, reason: "stale_timestamp" });
    }
  });

  it("refuses missing, malformed and mismatched headers, and another body", () => {
    const body = "text=x";
    const headers = signedSlackHeaders(secret, body, { timestampSec: now });
    expect(check(body, {})).toMatchObject({ reason: "missing_headers" });
    expect(check(body, { ...headers, "x-slack-request-timestamp": "1e9" })).toMatchObject({
      reason: "bad_timestamp",
    });
    expect(check(body, { ...headers, "x-slack-signature": "v1=abc" })).toMatchObject({
      reason: "bad_signature",
    });
    expect(check("text=y", headers)).toMatchObject({ reason: "bad_signature" });
  });

  it("signs the raw bytes: a body that is not UTF-8 verifies when its bytes were signed", () => {
    const bytes = Buffer.from([0x7b, 0xc3, 0x28, 0x7d]);
    const hmac = createHmac("sha256", secret);
    hmac.update(Buffer.concat([Buffer.from(`v0:${now}:`), bytes]));
    const headers = {
      "x-slack-request-timestamp": String(now),
      "x-slack-signature": `v0=${hmac.digest("hex")}`,
    };
    expect(verifySlackSignature(secret, headers, bytes, now)).toEqual({ ok: true });
  });
});
