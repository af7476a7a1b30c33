import type { Server } from "node:http";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld, type World } from "../../sim/server.ts";
import { linearWebhook, signLinearBody } from "../../sim/services/linear-webhook.ts";
import { createHttpServer, listen } from "../../src/adapters/http/server.ts";
import { createLinearGateway } from "../../src/adapters/linear/client.ts";
import { runs } from "../../src/db/schema.ts";
import { startTriage } from "../../src/intake/intake.ts";
import { linearWebhookRoute } from "../../src/intake/linear-webhook.ts";
import { pollOnce } from "../../src/intake/poller.ts";
import { stopRun } from "../../src/runner/runs.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { quietLog } from "../setup/runner.ts";

/** Labelled, open tickets the webhooks never delivered: more than two pages of the poller. */
const MISSED = 130;

let world: World;
beforeAll(async () => {
  const base = await findScenario("abort-noise");
  const missed = Array.from({ length: MISSED }, (_, i) => ({
    ...base.ticket,
    identifier: `ENG-${8000 + i + 1}`,
    title: `Missed ticket ${i + 1}`,
    comments: [],
    attachments: [],
  }));
  world = await startWorld({
    scenario: { ...base, linear: { ...base.linear, issues: [...base.linear.issues, ...missed] } },
  });
});
afterAll(async () => {
  await world.close();
});

let t: TestDb;
let server: Server;
let url: string;
let enqueued: string[];
beforeEach(async () => {
  t = await createTestDb();
  enqueued = [];
  const deps = {
    db: t.db,
    enqueue: async (job: { runId: string }) => void enqueued.push(job.runId),
    log: quietLog,
    triggerLabels: ["prode", "sentry-issue"],
  };
  server = createHttpServer(
    [linearWebhookRoute(deps, world.scenario.linear.webhookSecret)],
    quietLog,
  );
  url = `http://127.0.0.1:${await listen(server, 0, "127.0.0.1")}/webhooks/linear`;
  return async () => {
    await new Promise((r) => server.close(r));
    await t.drop();
  };
});

function labelled(identifier: string, deliveryId?: string) {
  return linearWebhook(world, {
    action: "create",
    type: "Issue",
    data: { identifier, labels: [{ name: "prode" }] },
    ...(deliveryId ? { deliveryId } : {}),
  });
}

async function send(d: { headers: Record<string, string>; body: string }) {
  const res = await fetch(url, { method: "POST", headers: d.headers, body: d.body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const runsOf = (ticket: string) => t.db.select().from(runs).where(eq(runs.ticket, ticket));

describe("Linear webhook intake", () => {
  it("records the delivery and creates the run together: a failure between them leaves neither, and Linear's retry creates the run", async () => {
    // A real fault in the database between the two statements: the run insert fails.
    await t.db.execute(sql`
      create function prode_test_fail() returns trigger language plpgsql as
        $$ begin raise exception 'injected fault between intake statements'; end $$`);
    await t.db.execute(sql`
      create trigger prode_test_fail before insert on runs
        for each row execute function prode_test_fail()`);
    const delivery = labelled("ENG-8001");
    expect((await send(delivery)).status).toBe(500);
    expect(await runsOf("ENG-8001")).toHaveLength(0);

    await t.db.execute(sql`drop trigger prode_test_fail on runs`);
    // Linear retries the same delivery: same header, same signed body.
    const retry = await send(delivery);
    expect(retry).toMatchObject({ status: 200, body: { created: true } });
    expect(await runsOf("ENG-8001")).toHaveLength(1);
    expect(enqueued).toEqual([retry.body.runId]);
  });

  it("drops the same signed body resent with a new Linear-Delivery header, even after its run ended", async () => {
    const first = labelled("ENG-8002", "delivery-a");
    const created = await send(first);
    expect(created.body).toMatchObject({ created: true });
    await stopRun(t.db, String(created.body.runId), "FAILED", "test", "ended");

    const replay = await send({
      headers: { ...first.headers, "linear-delivery": "delivery-b" },
      body: first.body,
    });
    expect(replay).toMatchObject({ status: 200, body: { duplicate: true } });
    const headerless = { ...first.headers };
    delete headerless["linear-delivery"];
    expect((await send({ headers: headerless, body: first.body })).body).toMatchObject({
      duplicate: true,
    });
    expect(await runsOf("ENG-8002")).toHaveLength(1);
  });

  it("stores a run whose Linear actor's name carries NUL and a lone surrogate", async () => {
    const d = linearWebhook(world, {
      action: "create",
      type: "Issue",
      data: { identifier: "ENG-8003", labels: [{ name: "prode" }] },
    });
    const payload = { ...d.payload, actor: { id: "u1", type: "user", name: "Ann\u0000 \uDC00" } };
    const body = JSON.stringify(payload);
    const res = await send({
      headers: {
        ...d.headers,
        "linear-signature": signLinearBody(body, world.scenario.linear.webhookSecret),
      },
      body,
    });
    expect(res).toMatchObject({ status: 200, body: { created: true } });
    const [run] = await runsOf("ENG-8003");
    expect(run?.context).toMatchObject({ startedBy: { name: "Ann \uFFFD" } });
  });

  it("refuses a ticket key over 32 characters with a clear 400, from the webhook and from triage", async () => {
    const long = `ENG-${"9".repeat(40)}`;
    const res = await send(labelled(long));
    expect(res.status).toBe(400);
    expect(String(res.body.error)).toMatch(/identifier/);
    await expect(
      startTriage(
        { db: t.db, enqueue: async () => {}, log: quietLog, triggerLabels: ["prode"] },
        long,
        "test",
      ),
    ).rejects.toMatchObject({ code: "bad_input", message: expect.stringMatching(/at most 32/) });
    expect(await t.db.select().from(runs)).toHaveLength(0);
  });
});

describe("the poller", () => {
  it("pages through every labelled ticket, not only the first 50", async () => {
    const linear = createLinearGateway({
      apiKey: world.scenario.linear.apiKey,
      apiUrl: world.urls.linear,
    });
    const deps = {
      db: t.db,
      enqueue: async () => {},
      log: quietLog,
      triggerLabels: ["prode", "sentry-issue"],
      linear,
    };
    const started = await pollOnce(deps);
    const tickets = new Set((await t.db.select().from(runs)).map((r) => r.ticket));
    for (let i = 1; i <= MISSED; i += 1) expect(tickets).toContain(`ENG-${8000 + i}`);
    expect(started.length).toBe(tickets.size);
    expect(await pollOnce(deps)).toEqual([]);
  });
});

describe("a rate-limited webhook", () => {
  it("is answered 429 with Retry-After, and its ticket still gets a run from the poller", async () => {
    const deps = {
      db: t.db,
      enqueue: async () => {},
      log: quietLog,
      triggerLabels: ["prode", "sentry-issue"],
    };
    const limited = createHttpServer(
      [linearWebhookRoute(deps, world.scenario.linear.webhookSecret)],
      quietLog,
      { rateLimits: { perSourcePerMinute: 1, perRoutePerMinute: 100 } },
    );
    const port = await listen(limited, 0, "127.0.0.1");
    try {
      const post = (d: { headers: Record<string, string>; body: string }) =>
        fetch(`http://127.0.0.1:${port}/webhooks/linear`, {
          method: "POST",
          headers: d.headers,
          body: d.body,
        });
      expect((await post(labelled("ENG-8010"))).status).toBe(200);
      const refused = await post(labelled("ENG-8011"));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await runsOf("ENG-8011")).toHaveLength(0);

      // Linear retries later; if every retry is refused too, the poller's pass catches it.
      const linear = createLinearGateway({
        apiKey: world.scenario.linear.apiKey,
        apiUrl: world.urls.linear,
      });
      await pollOnce({ ...deps, linear });
      expect(await runsOf("ENG-8011")).toHaveLength(1);
      expect(await runsOf("ENG-8010")).toHaveLength(1);
    } finally {
      await new Promise((r) => limited.close(r));
    }
  });
});
