import type { Server } from "node:http";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import { signLinearBody } from "../../sim/services/linear-webhook.ts";
import { createHttpServer, listen } from "../../src/adapters/http/server.ts";
import { runs } from "../../src/db/schema.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import { startTriage } from "../../src/intake/intake.ts";
import { linearWebhookRoute } from "../../src/intake/linear-webhook.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { quietLog } from "../setup/runner.ts";

/**
 * Issue 18 item 2: the run records the human who started it (the requester of its
 * approvals): the Linear actor of the signed webhook, the `/prode triage` user, or no
 * human (the poller, an integration).
 */

let world: World;
beforeAll(async () => {
  world = await startWorld({ scenario: "db-state-approval" });
});
afterAll(async () => {
  await world.close();
});

let t: TestDb;
let server: Server;
let url: string;
const deps = () => ({
  db: t.db,
  enqueue: async () => {},
  log: quietLog,
  triggerLabels: ["prode"],
});
beforeEach(async () => {
  t = await createTestDb();
  server = createHttpServer(
    [linearWebhookRoute(deps(), world.scenario.linear.webhookSecret)],
    quietLog,
  );
  url = `http://127.0.0.1:${await listen(server, 0, "127.0.0.1")}/webhooks/linear`;
  return async () => {
    await new Promise((r) => server.close(r));
    await t.drop();
  };
});

/** A signed Issue delivery with the trigger label, from `actor`. */
async function deliver(identifier: string, actor: unknown) {
  const body = JSON.stringify({
    action: "update",
    type: "Issue",
    actor,
    createdAt: new Date().toISOString(),
    data: { identifier, labels: [{ name: "prode" }] },
    webhookTimestamp: Date.now(),
    webhookId: `wh-${identifier}`,
  });
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "linear-delivery": `d-${identifier}`,
      "linear-signature": signLinearBody(body, world.scenario.linear.webhookSecret),
    },
    body,
  });
  expect(res.status).toBe(200);
}

const startedBy = async (ticket: string) => {
  const [run] = await t.db.select().from(runs).where(eq(runs.ticket, ticket));
  return parseRunContext(run!.context).startedBy;
};

describe("who started a run", () => {
  it("is the Linear user who labelled the ticket, with the name and e-mail Linear sent", async () => {
    await deliver("ENG-9101", {
      id: "6d1b0a8e-3b2c-4d5e-8f90-1a2b3c4d5e6f",
      type: "user",
      name: "Lena Hoffmann",
      email: "lena.hoffmann@example.com",
    });
    expect(await startedBy("ENG-9101")).toEqual({
      kind: "linear",
      userId: "6d1b0a8e-3b2c-4d5e-8f90-1a2b3c4d5e6f",
      name: "Lena Hoffmann",
      email: "lena.hoffmann@example.com",
    });
  });

  it("is no human for an integration or an actor that does not parse, and the delivery is kept", async () => {
    await deliver("ENG-9102", { id: "app-1", type: "integration", name: "Sentry" });
    expect(await startedBy("ENG-9102")).toEqual({ kind: "none", via: "linear:integration" });
    await deliver("ENG-9103", ["not", "an", "actor"]);
    expect(await startedBy("ENG-9103")).toEqual({ kind: "none", via: "linear:unknown" });
  });

  it("is the Slack user of /prode triage, or no human for the poller", async () => {
    await startTriage(deps(), "ENG-9104", "slack:U0ENGLEAD2", "slack");
    expect(await startedBy("ENG-9104")).toEqual({ kind: "slack", userId: "U0ENGLEAD2" });
    await startTriage(deps(), "ENG-9105", "poller", "poller");
    expect(await startedBy("ENG-9105")).toEqual({ kind: "none", via: "poller" });
  });
});
