import { createHmac } from "node:crypto";

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
