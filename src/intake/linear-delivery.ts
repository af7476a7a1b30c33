import type { LinearWebhookClient } from "@linear/sdk/webhooks";

/** How far Linear's verifier lets the signed `webhookTimestamp` stray from now. */
const WEBHOOK_WINDOW_MS = 60_000;

/** What checking one Linear webhook delivery found. */
export type LinearDeliveryCheck = "verified" | "not_json" | "stale_timestamp" | "bad_signature";

/** Whether the body carries a numeric `webhookTimestamp` outside the verifier's window. */
function hasStaleTimestamp(rawBody: Buffer, now: number): boolean {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return false;
  }
  const at = (body as { webhookTimestamp?: unknown } | null)?.webhookTimestamp;
  return typeof at === "number" && Number.isFinite(at) && Math.abs(now - at) > WEBHOOK_WINDOW_MS;
}

/**
 * Checks a delivery with the SDK's verifier (HMAC-SHA256 of the raw body, then the signed
 * timestamp's window). The verifier throws plain Errors told apart only by their text, so
 * when it refuses, the reason is read from the body, not from the message: a numeric
 * `webhookTimestamp` outside the window is stale, anything else a bad signature. A body
 * that is wrong on both counts is reported stale; either way it is refused.
 */
export function checkLinearDelivery(
  verifier: LinearWebhookClient,
  rawBody: Buffer,
  signature: string,
  now = Date.now(),
): LinearDeliveryCheck {
  try {
    verifier.verify(rawBody, signature);
    return "verified";
  } catch (error) {
    // The verifier parses the body only once the signature matched.
    if (error instanceof SyntaxError) return "not_json";
    return hasStaleTimestamp(rawBody, now) ? "stale_timestamp" : "bad_signature";
  }
}
