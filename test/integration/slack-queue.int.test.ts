import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createSlackInteractionQueue,
  startSlackInteractionWorker,
} from "../../src/adapters/slack/interaction-queue.ts";
import { approvals } from "../../src/db/schema.ts";
import { createRedis } from "../../src/runner/queue.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
import { quietLog, runRow } from "../setup/runner.ts";
import { waitingApproval } from "../setup/slack-approval-fixtures.ts";
import {
  commandBody,
  ephemeralsFor,
  type SlackHarness,
  startSlackHarness,
  USERS,
} from "../setup/slack-harness.ts";

let h: SlackHarness;
beforeEach(async () => {
  h = await startSlackHarness({ viaQueue: true });
});
afterEach(async () => {
  await h.close();
});

describe("interactions through the stream (web acks and enqueues, the worker handles)", () => {
  it("an approval click is handled by the worker and moves the run on", async () => {
    const p = await waitingApproval(h);
    const res = await h.click(p.approval.id, "approve", USERS.lead, {
      ts: p.message.ts,
      ...(p.message.threadTs ? { threadTs: p.message.threadTs } : {}),
    });
    expect(res.status).toBe(200);
    await h.drain();
    const [row] = await h.t.db.select().from(approvals).where(eq(approvals.id, p.approval.id));
    expect(row?.status).toBe("approved");
    const run = await runRow(h.t, p.run.id);
    expect(run?.phase).toBe("CREATE_WORKTREE");
    expect(await h.interactions!.backlog()).toBe(0);
  });

  it("a retried delivery acts once", async () => {
    const body = commandBody("triage ENG-9", USERS.oncall);
    for (const retryNum of [undefined, 1, 2]) {
      const res = await h.post(body, retryNum === undefined ? {} : { retryNum });
      expect(res.status).toBe(200);
      await h.drain();
    }
    expect(await h.triaged()).toEqual([{ ticket: "ENG-9", actor: `slack:${USERS.oncall}` }]);
    expect(ephemeralsFor(h.world, USERS.oncall)).toHaveLength(1);
  });
});

describe("the interaction stream", () => {
  it("hands an entry a crashed consumer never acknowledged to another consumer", async () => {
    const redis = createRedis(TEST_REDIS_URL);
    const blocking = createRedis(TEST_REDIS_URL);
    const prefix = `${h.runner.prefix}-crash`;
    const stream = createSlackInteractionQueue(redis, prefix);
    try {
      const dead = startSlackInteractionWorker({
        connection: blocking,
        prefix,
        consumer: "dead",
        // Reads the entry and never finishes it: the process "crashed" mid-interaction.
        handle: () => new Promise(() => {}),
        log: quietLog,
        blockMs: 50,
      });
      await stream.enqueue({ kind: "home", deliveryId: "event:EvCrash", userId: USERS.lead });
      for (let i = 0; i < 100 && dead.inFlight === 0; i += 1)
        await new Promise((r) => setTimeout(r, 20));
      expect(dead.inFlight).toBe(1);

      const handled: string[] = [];
      const survivorConnection = createRedis(TEST_REDIS_URL);
      const survivor = startSlackInteractionWorker({
        connection: survivorConnection,
        prefix,
        consumer: "survivor",
        handle: async (i) => {
          handled.push(i.deliveryId);
        },
        log: quietLog,
        claimIdleMs: 100,
        blockMs: 50,
      });
      for (let i = 0; i < 200 && (await stream.backlog()) > 0; i += 1) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(handled).toEqual(["event:EvCrash"]);
      expect(await stream.backlog()).toBe(0);
      await survivor.close();
      await dead.close({ graceMs: 0 });
      survivorConnection.disconnect();
      blocking.disconnect();
    } finally {
      await redis.del(stream.key);
      redis.disconnect();
    }
  });
});
