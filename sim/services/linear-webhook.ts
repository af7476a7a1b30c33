import { createHmac, randomUUID } from "node:crypto";
import type { LinearState } from "./linear-store.ts";

/**
 * Builds a signed Linear webhook delivery as Linear sends it
 * (https://linear.app/developers/webhooks): JSON body with `webhookTimestamp` (ms), header
 * `linear-signature` = hex HMAC-SHA256 of the raw body with the webhook secret,
 * `Linear-Delivery` (uuid per delivery) and `Linear-Event` (the entity type). When the
 * entity exists in the world, `data` is filled from it and the given fields override.
 */
interface LinearWebhookEvent {
  action: "create" | "update" | "remove";
  type: "Issue" | "Comment" | string;
  data: Record<string, unknown>;
  /** Previous values of changed fields (update deliveries). */
  updatedFrom?: Record<string, unknown>;
  /**
   * Milliseconds since the epoch. Defaults to the wall clock, not the world clock: it is
   * when the delivery is sent, and receivers (LinearWebhookClient.verify) compare it with
   * Date.now() within 60 s. Pass an old value to test the replay window.
   */
  webhookTimestamp?: number;
  /** Reuse an id to simulate a retried delivery. */
  deliveryId?: string;
}

interface LinearWebhookDelivery {
  headers: Record<string, string>;
  /** The raw body exactly as signed; send it byte for byte. */
  body: string;
  payload: Record<string, unknown>;
}

/** The part of a World the helper needs (kept structural to avoid an import cycle). */
interface LinearWebhookSource {
  state: { linear: LinearState };
}

export function signLinearBody(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

export function linearWebhook(
  world: LinearWebhookSource,
  event: LinearWebhookEvent,
  secret?: string,
): LinearWebhookDelivery {
  const linear = world.state.linear;
  const ref = event.data.id ?? event.data.identifier;
  const known =
    (event.type === "Issue" || event.type === "Comment") && typeof ref === "string"
      ? linear.webhookData(event.type, ref)
      : undefined;
  const data = { ...(known ?? {}), ...event.data };
  const org = linear.data.organization;
  const viewer = linear.data.viewer;
  const timestamp = event.webhookTimestamp ?? Date.now();
  const payload: Record<string, unknown> = {
    action: event.action,
    actor: { id: viewer.id, type: "user", name: viewer.name },
    createdAt: new Date(timestamp).toISOString(),
    data,
    url: typeof data.url === "string" ? data.url : `https://linear.app/${org.urlKey}`,
    type: event.type,
    organizationId: org.id,
    webhookTimestamp: timestamp,
    webhookId: "9b1e6c3a-2f4d-4e5a-8b6c-7d8e9f0a1b2c",
    ...(event.updatedFrom ? { updatedFrom: event.updatedFrom } : {}),
  };
  const body = JSON.stringify(payload);
  return {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Linear-Webhook",
      "linear-delivery": event.deliveryId ?? randomUUID(),
      "linear-event": event.type,
      "linear-signature": signLinearBody(body, secret ?? linear.data.webhookSecret),
    },
    body,
    payload,
  };
}
