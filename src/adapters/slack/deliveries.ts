import { createHash } from "node:crypto";
import type { Db } from "../../db/client.ts";
import { deliveries } from "../../db/schema.ts";

/** The `deliveries.source` of Slack requests. */
export const SLACK_DELIVERY_SOURCE = "slack";

/**
 * A stable id for one Slack delivery, the same on every retry of it. Bolt does not drop
 * retried deliveries (`X-Slack-Retry-Num`), so we deduplicate ourselves: Events API
 * bodies carry `event_id`; commands and interactions carry a `trigger_id` unique to the
 * user's gesture. Anything else falls back to a hash of the body (a retry is byte-equal).
 */
export function deliveryIdOf(body: unknown): string {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.event_id === "string" && b.event_id !== "") return `event:${b.event_id}`;
  if (typeof b.trigger_id === "string" && b.trigger_id !== "") {
    const kind = typeof b.command === "string" ? "command" : String(b.type ?? "interaction");
    return `${kind}:${b.trigger_id}`;
  }
  const digest = createHash("sha256").update(JSON.stringify(body)).digest("hex");
  return `body:${digest.slice(0, 40)}`;
}

/**
 * Records a delivery; true the first time, false for a retry of one already accepted.
 * One insert on the primary key: the row is the arbiter when retries race.
 */
export async function claimDelivery(db: Db, deliveryId: string): Promise<boolean> {
  const rows = await db
    .insert(deliveries)
    .values({ source: SLACK_DELIVERY_SOURCE, deliveryId })
    .onConflictDoNothing()
    .returning({ id: deliveries.deliveryId });
  return rows.length === 1;
}
