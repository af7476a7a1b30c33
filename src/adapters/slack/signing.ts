import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Slack's request signature (https://api.slack.com/authentication/verifying-requests-from-slack):
 * `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` with the signing secret. Bolt
 * verifies incoming requests itself; this builds the headers for the same scheme, for
 * tests, benchmarks and `prode sim` driving our own endpoint.
 */
export function slackSignature(
  signingSecret: string,
  timestampSec: number,
  rawBody: string,
): string {
  const hmac = createHmac("sha256", signingSecret);
  hmac.update(`v0:${timestampSec}:${rawBody}`);
  return `v0=${hmac.digest("hex")}`;
}

/** The headers of a signed request as Slack sends it. */
export function signedSlackHeaders(
  signingSecret: string,
  rawBody: string,
  options: { timestampSec?: number; contentType?: string; retryNum?: number } = {},
): Record<string, string> {
  const ts = options.timestampSec ?? Math.floor(Date.now() / 1000);
  return {
    "content-type": options.contentType ?? "application/x-www-form-urlencoded",
    "x-slack-request-timestamp": String(ts),
    "x-slack-signature": slackSignature(signingSecret, ts, rawBody),
    ...(options.retryNum === undefined
      ? {}
      : { "x-slack-retry-num": String(options.retryNum), "x-slack-retry-reason": "http_timeout" }),
  };
}

/** A slash command or interaction body as Slack posts it (form-encoded). */
export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** An interaction payload (block_actions, view_submission…) as Slack posts it. */
export function interactionBody(payload: unknown): string {
  return formBody({ payload: JSON.stringify(payload) });
}

/** How far a request's timestamp may stray from now, either way (Slack's 5 minutes). */
export const SLACK_TIMESTAMP_WINDOW_SEC = 300;

export type SlackSignatureCheck =
  | { ok: true }
  | {
      ok: false;
      reason: "missing_headers" | "bad_timestamp" | "stale_timestamp" | "bad_signature";
    };

/**
 * Verifies a request as Slack signs it, over the raw bytes. Stricter than Bolt's check,
 * which accepts any timestamp in the future and hashes the body after decoding it: a
 * timestamp more than 5 minutes ahead is refused too (a captured request could otherwise
 * be replayed later), and the HMAC covers the exact bytes received.
 */
export function verifySlackSignature(
  signingSecret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
  nowSec = Math.floor(Date.now() / 1000),
): SlackSignatureCheck {
  const ts = headers["x-slack-request-timestamp"];
  const signature = headers["x-slack-signature"];
  if (typeof ts !== "string" || typeof signature !== "string")
    return { ok: false, reason: "missing_headers" };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: "bad_timestamp" };
  if (Math.abs(nowSec - Number(ts)) > SLACK_TIMESTAMP_WINDOW_SEC)
    return { ok: false, reason: "stale_timestamp" };
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: "bad_signature" };
  const hmac = createHmac("sha256", signingSecret);
  hmac.update(`v0:${ts}:`);
  hmac.update(rawBody);
  const expected = Buffer.from(`v0=${hmac.digest("hex")}`);
  return timingSafeEqual(expected, Buffer.from(signature))
    ? { ok: true }
    : { ok: false, reason: "bad_signature" };
}
