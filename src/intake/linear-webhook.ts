import { createHash } from "node:crypto";
import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { z } from "zod";
import type { HttpReply, Route } from "../adapters/http/server.ts";
import type { Db } from "../db/client.ts";
import { deliveries } from "../db/schema.ts";
import type { RunStarter } from "../domain/run-starter.ts";
import { storableDeep } from "../domain/storable-text.ts";
import { isClosedByHuman } from "../phases/ticket.ts";
import type { RunnerDeps } from "../runner/types.ts";
import {
  type IntakeDeps,
  MAX_TICKET_KEY_LENGTH,
  normalizeTicketKey,
  startTriage,
  supersedeActive,
} from "./intake.ts";
import { checkLinearDelivery } from "./linear-delivery.ts";

export const LINEAR_WEBHOOK_PATH = "/webhooks/linear";
/** `deliveries.source` of the unsigned Linear-Delivery header, and of the signed body's digest. */
const HEADER_SOURCE = "linear";
const BODY_SOURCE = "linear-body";
const MAX_DELIVERY_ID = 200;

const IssuePayload = z
  .object({
    action: z.enum(["create", "update", "remove"]),
    type: z.string().max(100),
    webhookTimestamp: z.number(),
    /** Who did it: the human who labelled or filed the ticket (the run's requester). */
    actor: z.unknown().optional(),
    data: z
      .object({
        identifier: z.string().max(MAX_TICKET_KEY_LENGTH).optional(),
        labels: z
          .array(z.object({ name: z.string().max(200) }))
          .max(500)
          .optional(),
        state: z.object({ name: z.string().max(200), type: z.string().max(100) }).optional(),
      })
      .loose(),
  })
  .loose();
type IssuePayload = z.output<typeof IssuePayload>;

const LinearActor = z
  .object({
    id: z.string().min(1).max(128),
    type: z.string().max(64).optional(),
    name: z.string().max(200).optional(),
    email: z.string().max(320).optional(),
  })
  .loose();

/**
 * The Linear actor as the run's starter: a user is a human; an app, an integration or
 * an actor that does not parse is not (a malformed actor never loses the delivery).
 */
function linearStarter(raw: unknown): RunStarter {
  const parsed = LinearActor.safeParse(raw);
  const actor = parsed.success ? parsed.data : undefined;
  if (!actor || (actor.type !== undefined && actor.type !== "user")) {
    return { kind: "none", via: `linear:${actor?.type?.slice(0, 40) ?? "unknown"}` };
  }
  return {
    kind: "linear",
    userId: actor.id,
    ...(actor.name ? { name: actor.name } : {}),
    ...(actor.email ? { email: actor.email } : {}),
  };
}

/**
 * Records the delivery under every key it has; false when any was seen before. The
 * signed body's digest is one key: the unsigned Linear-Delivery header alone let the
 * same signed body, resent with a new header inside the 60 s window, start a second run.
 * A retry by Linear carries the same header (and, unless re-signed, the same body).
 */
async function firstDelivery(db: Db, keys: { source: string; deliveryId: string }[]) {
  const inserted = await db.insert(deliveries).values(keys).onConflictDoNothing().returning();
  return inserted.length === keys.length;
}

type Outcome =
  | { duplicate: true }
  | { ignored: string }
  | { superseded: string | null }
  | { runId: string; created: boolean };

/**
 * What one verified delivery does, inside one transaction: the delivery is recorded and
 * the run created, joined or superseded together, so a crash or a database error between
 * the two leaves neither and Linear's retry does the work (issue 17: recording first
 * turned the retry into a duplicate and the ticket never got a run). Jobs are enqueued
 * after the commit; if that fails, the reconciler enqueues the committed run.
 */
async function applyDelivery(
  deps: IntakeDeps,
  payload: IssuePayload,
  keys: { source: string; deliveryId: string }[],
): Promise<Outcome> {
  const jobs: Parameters<RunnerDeps["enqueue"]>[0][] = [];
  const outcome = await deps.db.transaction(async (tx): Promise<Outcome> => {
    if (!(await firstDelivery(tx, keys))) return { duplicate: true };
    if (payload.type !== "Issue" || !payload.data.identifier)
      return { ignored: `type ${payload.type.slice(0, 40)}` };
    const key = normalizeTicketKey(payload.data.identifier);
    const state = payload.data.state;
    if (payload.action === "remove" || (state && isClosedByHuman(state.type, state.name))) {
      const why = state ? `ticket ${state.name}` : "ticket removed";
      return { superseded: await supersedeActive({ db: tx }, key, why) };
    }
    const labels = (payload.data.labels ?? []).map((l) => l.name.toLowerCase());
    if (!labels.some((l) => deps.triggerLabels.includes(l))) return { ignored: "no trigger label" };
    return startTriage(
      {
        ...deps,
        db: tx,
        enqueue: async (job) => {
          jobs.push(job);
        },
      },
      key,
      "linear-webhook",
      "webhook",
      linearStarter(payload.actor),
    );
  });
  for (const job of jobs) await deps.enqueue(job);
  return outcome;
}

/**
 * POST /webhooks/linear: signature and webhookTimestamp verified with the SDK's
 * LinearWebhookClient (HMAC of the raw body, 60 s window), the delivery deduplicated by
 * its header and by its signed body, then a run started (or joined) for issues carrying
 * a trigger label, and the active run superseded when a human closes, cancels or marks
 * the ticket duplicate.
 */
export function linearWebhookRoute(deps: IntakeDeps, secret: string | undefined): Route {
  const verifier = secret ? new LinearWebhookClient(secret) : undefined;
  return {
    method: "POST",
    path: LINEAR_WEBHOOK_PATH,
    precheck: (headers) =>
      verifier && typeof headers["linear-signature"] !== "string"
        ? { status: 401, body: { error: "missing linear-signature" } }
        : undefined,
    async handle(req): Promise<HttpReply> {
      if (!verifier)
        return {
          status: 503,
          body: { error: "Linear webhooks are not configured (LINEAR_WEBHOOK_SECRET)" },
        };
      const signature = req.headers["linear-signature"];
      if (typeof signature !== "string")
        return { status: 401, body: { error: "missing linear-signature" } };
      const check = checkLinearDelivery(verifier, req.rawBody, signature);
      switch (check) {
        case "verified":
          break;
        // A signature that checks out over a body that is not JSON is still a bad request.
        case "not_json":
          return { status: 400, body: { error: "body is not JSON" } };
        case "stale_timestamp":
          return { status: 401, body: { error: "webhook timestamp outside the 60 s window" } };
        case "bad_signature":
          return { status: 401, body: { error: "bad signature" } };
        default: {
          const unreachable: never = check;
          return unreachable;
        }
      }
      // Storable before anything of it is stored (the actor's name goes into the run).
      const parsed = IssuePayload.safeParse(storableDeep(JSON.parse(req.rawBody.toString("utf8"))));
      if (!parsed.success) {
        const why = z.prettifyError(parsed.error).split("\n").join(" ").slice(0, 300);
        return { status: 400, body: { error: `bad payload: ${why}` } };
      }
      const header = req.headers["linear-delivery"];
      if (typeof header === "string" && header.length > MAX_DELIVERY_ID)
        return { status: 400, body: { error: "linear-delivery header too long" } };
      const digest = createHash("sha256").update(req.rawBody).digest("hex");
      const keys = [
        { source: BODY_SOURCE, deliveryId: digest },
        ...(typeof header === "string" && header !== ""
          ? [{ source: HEADER_SOURCE, deliveryId: header }]
          : []),
      ];
      const outcome = await applyDelivery(deps, parsed.data, keys);
      return { status: 200, body: { ok: true, ...outcome } };
    },
  };
}
