import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { and, eq, isNull } from "drizzle-orm";
import type { Logger } from "pino";
import { z } from "zod";
import type { HttpReply, Route } from "../adapters/http/server.ts";
import type { LinearGateway } from "../adapters/linear/client.ts";
import type { Db } from "../db/client.ts";
import { deliveries, runs } from "../db/schema.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { TICKET_KEY } from "../domain/evidence-context.ts";
import { type RunStarter, starterFromActor } from "../domain/run-starter.ts";
import { isClosedByHuman, isClosedStateType } from "../phases/ticket.ts";
import { createRun, stopRun } from "../runner/runs.ts";
import type { RunnerDeps } from "../runner/types.ts";
import { checkLinearDelivery } from "./linear-delivery.ts";

export interface IntakeDeps {
  db: Db;
  enqueue: RunnerDeps["enqueue"];
  log: Logger;
  triggerLabels: readonly string[];
}

/** `/prode triage ENG-123` and `prode triage ENG-123`: start a run, or join the active one. */
export async function startTriage(
  deps: IntakeDeps,
  ticketKey: string,
  actor: string,
  trigger = "manual",
  /** Who started it (the requester of its approvals); read from `actor` when absent. */
  startedBy: RunStarter = starterFromActor(actor),
) {
  const key = ticketKey.trim().toUpperCase();
  if (!TICKET_KEY.test(key)) {
    throw new AppError(
      ErrorCode.BadInput,
      `'${ticketKey}' is not a Linear ticket key (e.g. ENG-123)`,
    );
  }
  const { run, created } = await createRun(deps, {
    ticket: key,
    trigger,
    actor,
    context: { startedBy },
  });
  return { runId: run.id, created };
}

const IssuePayload = z
  .object({
    action: z.enum(["create", "update", "remove"]),
    type: z.string(),
    webhookTimestamp: z.number(),
    /** Who did it: the human who labelled or filed the ticket (the run's requester). */
    actor: z.unknown().optional(),
    data: z
      .object({
        identifier: z.string().regex(TICKET_KEY).optional(),
        labels: z.array(z.object({ name: z.string() })).optional(),
        state: z.object({ name: z.string(), type: z.string() }).optional(),
      })
      .loose(),
  })
  .loose();

/** Records a delivery id; false when it was seen before (Linear retries up to 3 times). */
async function firstDelivery(db: Db, source: string, id: string): Promise<boolean> {
  const inserted = await db
    .insert(deliveries)
    .values({ source, deliveryId: id })
    .onConflictDoNothing()
    .returning();
  return inserted.length > 0;
}

/**
 * POST /webhooks/linear: signature and webhookTimestamp verified with the SDK's
 * LinearWebhookClient (HMAC of the raw body, 60 s window), delivery deduplicated, then
 * a run started (or joined) for issues carrying a trigger label, and the active run
 * superseded when a human closes, cancels or marks the ticket duplicate.
 */
export function linearWebhookRoute(deps: IntakeDeps, secret: string | undefined): Route {
  const verifier = secret ? new LinearWebhookClient(secret) : undefined;
  return {
    method: "POST",
    path: "/webhooks/linear",
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
      const parsed = IssuePayload.safeParse(JSON.parse(req.rawBody.toString("utf8")));
      if (!parsed.success) {
        return {
          status: 400,
          body: { error: `bad payload: ${z.prettifyError(parsed.error).split("\n").join(" ")}` },
        };
      }
      const payload = parsed.data;
      const deliveryId = req.headers["linear-delivery"];
      if (typeof deliveryId === "string" && !(await firstDelivery(deps.db, "linear", deliveryId))) {
        return { status: 200, body: { ok: true, duplicate: true } };
      }
      if (payload.type !== "Issue" || !payload.data.identifier) {
        return { status: 200, body: { ok: true, ignored: `type ${payload.type}` } };
      }
      const key = payload.data.identifier;
      const state = payload.data.state;
      if (payload.action === "remove" || (state && isClosedByHuman(state.type, state.name))) {
        const stopped = await supersedeActive(
          deps,
          key,
          state ? `ticket ${state.name}` : "ticket removed",
        );
        return { status: 200, body: { ok: true, superseded: stopped } };
      }
      const labels = (payload.data.labels ?? []).map((l) => l.name.toLowerCase());
      if (!labels.some((l) => deps.triggerLabels.includes(l))) {
        return { status: 200, body: { ok: true, ignored: "no trigger label" } };
      }
      const started = await startTriage(
        deps,
        key,
        "linear-webhook",
        "webhook",
        linearStarter(payload.actor),
      );
      return { status: 200, body: { ok: true, ...started } };
    },
  };
}

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

async function supersedeActive(deps: IntakeDeps, key: string, why: string): Promise<string | null> {
  const [active] = await deps.db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.ticket, key), isNull(runs.outcome)));
  if (!active) return null;
  await stopRun(deps.db, active.id, "SUPERSEDED", "linear-webhook", why);
  return active.id;
}

/**
 * The fallback for missed webhooks: tickets with a trigger label, updated since the last
 * pass, that never had a run get one; closed ones end their active run as SUPERSEDED.
 * One pass; the caller schedules it.
 */
export async function pollOnce(
  deps: IntakeDeps & { linear: LinearGateway },
  since: Date,
): Promise<string[]> {
  const issues = await deps.linear.listLabelled([...deps.triggerLabels], since);
  const started: string[] = [];
  for (const issue of issues) {
    if (isClosedStateType(issue.stateType)) {
      // Closed by a human while a run was active, and the webhook that said so was missed.
      const stopped = await supersedeActive(
        deps,
        issue.identifier,
        "ticket closed (seen by the poller)",
      );
      if (stopped)
        deps.log.info({ runId: stopped, ticket: issue.identifier }, "poller superseded a run");
      continue;
    }
    const [seen] = await deps.db
      .select({ id: runs.id })
      .from(runs)
      .where(eq(runs.ticket, issue.identifier))
      .limit(1);
    if (seen) continue;
    const { runId, created } = await startTriage(deps, issue.identifier, "poller", "poller");
    if (created) started.push(runId);
  }
  if (started.length) deps.log.info({ started }, "poller started runs for missed tickets");
  return started;
}
