import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../sim/demo/run-scenario.ts";
import { linearWebhook, signLinearBody } from "../../sim/services/linear-webhook.ts";
import { runs } from "../../src/db/schema.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { harnessOpts } from "../setup/harness.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";

describe("Linear intake over HTTP", () => {
  let t: TestDb;
  let prefix: string;
  let h: Harness;
  beforeAll(async () => {
    t = await createTestDb();
    prefix = testQueuePrefix();
    h = await startHarness({
      scenario: "abort-noise",
      ...harnessOpts(t, prefix),
    });
  }, 60_000);
  afterAll(async () => {
    await h.close();
    await dropQueuePrefix(prefix);
    await t.drop();
  });

  it("one run for the same delivery five times and for five deliveries of the same ticket", async () => {
    const delivery = randomUUID();
    const same = await Promise.all(Array.from({ length: 5 }, () => h.trigger(undefined, delivery)));
    expect(same.every((r) => r.status === 200)).toBe(true);
    expect(same.filter((r) => r.runId).length).toBe(1);
    expect(same.filter((r) => (r.body as { duplicate?: boolean }).duplicate).length).toBe(4);

    const distinct = await Promise.all(Array.from({ length: 5 }, () => h.trigger()));
    const ids = new Set([...same, ...distinct].flatMap((r) => (r.runId ? [r.runId] : [])));
    expect(ids.size).toBe(1);
    const rows = await t.db
      .select()
      .from(runs)
      .where(eq(runs.ticket, h.scenario.ticket.identifier));
    expect(rows).toHaveLength(1);
    await h.follow([...ids][0]!);
  }, 60_000);

  it("refuses a bad signature with 401, a stale timestamp with 401 and a bad payload with 400", async () => {
    const url = h.intakeUrl;
    const good = linearWebhook(h.world, {
      action: "create",
      type: "Issue",
      data: { identifier: h.scenario.ticket.identifier },
    });
    const forged = await fetch(url, {
      method: "POST",
      headers: { ...good.headers, "linear-signature": "0".repeat(64) },
      body: good.body,
    });
    expect(forged.status).toBe(401);

    const stale = linearWebhook(h.world, {
      action: "create",
      type: "Issue",
      data: { identifier: h.scenario.ticket.identifier },
      webhookTimestamp: Date.now() - 5 * 60_000,
    });
    expect(
      (await fetch(url, { method: "POST", headers: stale.headers, body: stale.body })).status,
    ).toBe(401);

    const body = JSON.stringify({
      action: "explode",
      type: "Issue",
      webhookTimestamp: Date.now(),
      data: {},
    });
    const secret = h.scenario.linear.webhookSecret;
    const bad = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "linear-signature": signLinearBody(body, secret),
      },
      body,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/bad payload/);
  });
});
