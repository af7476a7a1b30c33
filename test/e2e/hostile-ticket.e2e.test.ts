import { eq } from "drizzle-orm";
import MarkdownIt from "markdown-it";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { worldEnv } from "../../sim/demo/world-env.ts";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld, type World } from "../../sim/server.ts";
import { linearWebhook } from "../../sim/services/linear-webhook.ts";
import { type Prode, startProde } from "../../src/compose/prode.ts";
import { loadConfig } from "../../src/config/index.ts";
import { runs } from "../../src/db/schema.ts";
import { handoffMarker } from "../../src/domain/handoff-comment.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";
import { quietLog } from "../setup/runner.ts";

/**
 * Issue 18, items 6 and 8, through the production wiring: a ticket whose text carries
 * NUL characters, lone surrogates and Markdown meant for prode's Linear comment. The run
 * gets past FETCH_LINEAR and ends as the scenario does, and the comment prode signs
 * shows the title as text: no link, no remote image, no HTML.
 */
const TITLE =
  "Aborts\u0000 on feed \uD800 ![pixel](https://tracker.example/p.png) [log in](https://evil.example/login) <img src=x>";

let t: TestDb;
let world: World;
let prode: Prode;
let prefix: string;

beforeAll(async () => {
  const base = await findScenario("abort-noise");
  const ticket = {
    ...base.ticket,
    title: TITLE,
    description: `${base.ticket.description}\n\u0000\u0000 trailing NULs \uDC00 and a JSON \\u0000`,
  };
  world = await startWorld({
    scenario: {
      ...base,
      ticket,
      linear: {
        ...base.linear,
        issues: base.linear.issues.map((i) => (i.identifier === ticket.identifier ? ticket : i)),
      },
    },
  });
  t = await createTestDb();
  prefix = testQueuePrefix();
  const w = world;
  prode = await startProde({
    role: "dev",
    config: loadConfig({
      ...worldEnv(w),
      REDIS_URL: TEST_REDIS_URL,
      PRODE_QUEUE_PREFIX: prefix,
      PRODE_WORKER_ID: "hostile",
      PRODE_POLL_MS: "0",
      PORT: "0",
    }),
    db: t,
    log: quietLog,
    now: () => w.now(),
    host: "127.0.0.1",
  });
}, 60_000);

afterAll(async () => {
  await prode?.close();
  await world?.close();
  if (prefix) await dropQueuePrefix(prefix);
  await t?.drop();
});

describe("a ticket with NULs, lone surrogates and Markdown injection", () => {
  it("runs to its outcome, and prode's Linear comment shows the title as text", async () => {
    const key = world.scenario.ticket.identifier;
    const delivery = linearWebhook(world, {
      action: "create",
      type: "Issue",
      data: { identifier: key },
    });
    const res = await fetch(`${prode.url}/webhooks/linear`, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
    });
    const { runId } = (await res.json()) as { runId: string };
    expect(runId).toBeTruthy();

    const deadline = Date.now() + 90_000;
    let run = (await t.db.select().from(runs).where(eq(runs.id, runId)))[0];
    while (!run?.outcome && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      run = (await t.db.select().from(runs).where(eq(runs.id, runId)))[0];
    }
    expect(run?.error ?? null).toBeNull();
    expect(run?.outcome).toBe(world.scenario.expected.outcome);
    // No NUL was stored (the literal text "\\u0000" of the description stays text).
    expect(JSON.stringify(run?.context)).not.toMatch(/(?<!\\)\\u0000/);
    expect(JSON.stringify(run?.context)).toContain("a JSON \\\\u0000");

    const comment = world.state.linear
      .comments(key)
      .find((c) => c.body.includes(handoffMarker(key)));
    expect(comment).toBeDefined();
    const md = new MarkdownIt({ html: true, linkify: true });
    md.linkify.set({ fuzzyLink: true });
    const walk = (
      tokens: { type: string; content: string; children: unknown[] | null }[],
    ): typeof tokens =>
      tokens.flatMap((tok) => [tok, ...walk((tok.children ?? []) as typeof tokens)]);
    const tokens = walk(md.parse(comment!.body, {}) as never);
    expect(tokens.filter((tok) => tok.type === "image")).toEqual([]);
    const links = tokens.filter((tok) => tok.type === "link_open");
    expect(links).toEqual([]);
    expect(
      tokens.filter((tok) => tok.type.startsWith("html")).map((tok) => tok.content.trim()),
    ).toEqual([handoffMarker(key)]);
    expect(md.render(comment!.body)).toContain("![pixel](https://tracker.example/p.png)");
  }, 120_000);
});
