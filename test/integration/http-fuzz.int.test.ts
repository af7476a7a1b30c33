import { request as httpRequest } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { worldEnv } from "../../sim/demo/world-env.ts";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld, type World } from "../../sim/server.ts";
import { type Prode, startProde } from "../../src/compose/prode.ts";
import { loadConfig } from "../../src/config/index.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
import {
  type FuzzRequest,
  form,
  githubHeaders,
  linearHeaders,
  request,
  slackHeaders,
  utf8,
} from "../setup/http-fuzz.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";
import { quietLog } from "../setup/runner.ts";

/**
 * Issue 18: a property-based fuzz of every HTTP route `prode web` serves (health, ready,
 * metrics, the Linear webhook, Slack events, and paths and methods it does not serve),
 * signed and unsigned: JSON of every type, deep nesting, invalid UTF-8, wrong content
 * types, mutated Slack and Linear payloads, skewed timestamps and huge bodies. The web
 * process stays up and answers every request below 500; nothing unsigned is accepted.
 * FUZZ_RUNS sets the number of requests (CI: the default, well inside a minute).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 800);

let world: World;
let t: TestDb;
let prefix: string;
let prode: Prode;
let slackSecret: string;
let linearSecret: string;
/** The GitHub webhook's secret; the web role needs no GitHub API to check a signature. */
const githubSecret = "fuzz-github-webhook-secret";
const escaped: unknown[] = [];
const onEscape = (error: unknown) => void escaped.push(error);

beforeAll(async () => {
  process.on("unhandledRejection", onEscape);
  process.on("uncaughtException", onEscape);
  world = await startWorld({ scenario: await findScenario("abort-noise") });
  slackSecret = world.scenario.slack.signingSecret;
  linearSecret = world.scenario.linear.webhookSecret;
  t = await createTestDb();
  prefix = testQueuePrefix();
  prode = await startProde({
    role: "web",
    config: loadConfig({
      ...worldEnv(world),
      REDIS_URL: TEST_REDIS_URL,
      PRODE_QUEUE_PREFIX: prefix,
      PRODE_POLL_MS: "0",
      GITHUB_APP_ID: "1",
      GITHUB_PRIVATE_KEY: "not-used-by-the-web-role",
      GITHUB_INSTALLATION_ID: "1",
      GITHUB_REPOSITORY: "acme-sim/onboarding-api",
      GITHUB_WEBHOOK_SECRET: githubSecret,
      // The fuzz measures handling, not the limiter (http-rate-limit.int.test.ts does).
      PRODE_HTTP_RATE_PER_SOURCE: "1000000",
      PRODE_HTTP_RATE_PER_ROUTE: "1000000",
      PORT: "0",
    }),
    db: t,
    log: quietLog,
    host: "127.0.0.1",
  });
}, 60_000);

afterAll(async () => {
  await prode?.close();
  await world?.close();
  if (prefix) await dropQueuePrefix(prefix);
  await t?.drop();
  process.off("unhandledRejection", onEscape);
  process.off("uncaughtException", onEscape);
});

async function send(r: FuzzRequest): Promise<number> {
  const signed = r.path.startsWith("/slack")
    ? slackHeaders(slackSecret, r.body, r.signing)
    : r.path === "/webhooks/github"
      ? githubHeaders(githubSecret, r.body, r.signing)
      : linearHeaders(linearSecret, r.body, r.signing);
  const hasBody = !["GET", "HEAD", "OPTIONS"].includes(r.method);
  const res = await fetch(`${prode.url}${r.path}`, {
    method: r.method,
    headers: {
      ...r.extraHeaders,
      ...(r.contentType === undefined ? {} : { "content-type": r.contentType }),
      ...signed,
    },
    ...(hasBody ? { body: r.body } : {}),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Whether the body, as sent, is Slack's unsigned SSL check (the one unsigned 200). */
function isSslCheck(r: FuzzRequest): boolean {
  return (
    r.contentType?.split(";")[0]?.trim().toLowerCase() === "application/x-www-form-urlencoded" &&
    new URLSearchParams(Buffer.from(r.body).toString("latin1")).get("ssl_check") === "1"
  );
}

async function stillServes(): Promise<void> {
  expect((await fetch(`${prode.url}/healthz`)).status).toBe(200);
  const command = form({
    command: "/prode",
    text: "help",
    user_id: "U0ONCALL01",
    channel_id: "C0INCIDENTS",
    team_id: world.scenario.slack.team.id,
    trigger_id: `fuzz.${Date.now()}`,
  });
  const res = await fetch(`${prode.url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...slackHeaders(slackSecret, utf8(command), "valid"),
    },
    body: command,
  });
  expect(res.status).toBe(200);
}

describe("every HTTP route, fuzzed", () => {
  it(`answers ${RUNS} hostile requests below 500, accepts nothing unsigned, and stays up`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const status = await send(r);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect(status, `${r.method} ${r.path} (${r.signing})`).toBeLessThan(500);
        const isWebhook = ["/slack/events", "/webhooks/linear", "/webhooks/github"].includes(
          r.path,
        );
        // Linear's and GitHub's signatures have no timestamp of their own: for them,
        // "stale" and "future" are validly signed bodies.
        const signed =
          r.signing === "valid" ||
          (r.path.startsWith("/webhooks/") && r.signing !== "none" && r.signing !== "wrong");
        if (isWebhook && r.method === "POST" && !signed && status < 300)
          expect(r.path === "/slack/events" && isSslCheck(r), "unsigned accepted").toBe(true);
      }),
      { numRuns: RUNS },
    );
    await stillServes();
    expect(escaped).toEqual([]);
    if (process.env.FUZZ_VERBOSE) console.log("fuzz statuses", Object.fromEntries(statuses));
  }, 120_000);

  it("refuses a huge body on every route with 413 (declared or streamed), and stays up", async () => {
    const huge = new Uint8Array(1_100_000).fill(0x61);
    for (const path of [
      "/slack/events",
      "/webhooks/linear",
      "/webhooks/github",
      "/healthz",
      "/nope",
    ]) {
      for (const sign of ["none", "valid"] as const) {
        const headers = {
          "content-type": "application/json",
          ...(path.startsWith("/slack")
            ? slackHeaders(slackSecret, huge, sign)
            : path === "/webhooks/github"
              ? githubHeaders(githubSecret, huge, sign)
              : linearHeaders(linearSecret, huge, sign)),
        };
        const res = await fetch(`${prode.url}${path}`, { method: "POST", headers, body: huge });
        await res.arrayBuffer();
        expect(res.status, path).toBeLessThan(500);
        if (path !== "/healthz" && path !== "/nope") expect(res.status).toBe(413);
      }
    }
    // Streamed without a declared length: cut off at 1 MiB all the same.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 12; i += 1) controller.enqueue(new Uint8Array(100_000).fill(0x62));
        controller.close();
      },
    });
    const streamed = await fetch(`${prode.url}/webhooks/linear`, {
      method: "POST",
      headers: { "content-type": "application/json", "linear-signature": "0".repeat(64) },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    await stillServes();
    expect(escaped).toEqual([]);
  }, 60_000);
});

/** A request sent with its path exactly as written (fetch would resolve dot segments). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(`${prode.url}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port: Number(port), path, method: "GET" },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("probe F7: what a proxy or a signature should have stopped", () => {
  it("a raw path with dot segments never reaches /metrics, whatever their spelling", async () => {
    const paths = fc.tuple(
      fc.constantFrom("/healthz", "/readyz", "/nope", ""),
      fc.constantFrom("..", ".", "%2e%2e", "%2E%2e", ".%2e", "%2e.", "%2e"),
      fc.constantFrom("/", "\\"),
      fc.constantFrom("", "?x=1"),
    );
    await fc.assert(
      fc.asyncProperty(paths, async ([prefix, dots, slash, query]) => {
        const path = `${prefix}${slash === "/" ? "/" : slash}${dots}${slash}metrics${query}`;
        const answer = await rawGet(path.startsWith("/") ? path : `/${path}`);
        expect(answer.status, path).toBe(400);
        expect(answer.body, path).not.toContain("prode_");
      }),
      { numRuns: 60 },
    );
    expect((await rawGet("/metrics")).status).toBe(200);
  });

  it("a correctly signed GitHub body that is not UTF-8 is a 400, not a 401; a wrong signature stays 401", async () => {
    const body = new Uint8Array([...Buffer.from('{"zen":"'), 0xff, 0xfe, ...Buffer.from('"}')]);
    const post = (signing: "valid" | "wrong") =>
      fetch(`${prode.url}/webhooks/github`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "ping",
          ...githubHeaders(githubSecret, body, signing),
        },
        body,
      });
    const signed = await post("valid");
    expect(signed.status).toBe(400);
    expect(await signed.json()).toEqual({ error: "body is not UTF-8" });
    expect((await post("wrong")).status).toBe(401);
    // Valid UTF-8 signed over the same raw bytes is still accepted.
    const ping = utf8('{"zen":"é"}');
    const ok = await fetch(`${prode.url}/webhooks/github`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "ping",
        ...githubHeaders(githubSecret, ping, "valid"),
      },
      body: ping,
    });
    expect(ok.status).toBe(200);
  });

  it("a signed Slack command, click or event from another workspace is refused 403 before Bolt", async () => {
    const command = (team: string) =>
      form({
        command: "/prode",
        text: "help",
        user_id: "U0ONCALL01",
        channel_id: "C0INCIDENTS",
        team_id: team,
        trigger_id: `fuzz.${Date.now()}`,
      });
    const click = (team: string) =>
      form({
        payload: JSON.stringify({
          type: "block_actions",
          user: { id: "U0ONCALL01", team_id: team },
          trigger_id: `fuzz.${Date.now()}`,
          team: { id: team },
          actions: [{ action_id: "prode_approve", type: "button", value: "apr_x" }],
        }),
      });
    const event = (team: string) =>
      JSON.stringify({
        type: "event_callback",
        team_id: team,
        event_id: `Ev${Date.now()}${team}`,
        event: { type: "app_mention", user: "U0ONCALL01", channel: "C0INCIDENTS", text: "rerun" },
      });
    const post = async (body: string, contentType: string) => {
      const res = await fetch(`${prode.url}/slack/events`, {
        method: "POST",
        headers: { "content-type": contentType, ...slackHeaders(slackSecret, utf8(body), "valid") },
        body,
      });
      return { status: res.status, body: await res.text() };
    };
    const ours = world.scenario.slack.team.id;
    for (const [make, type] of [
      [command, "application/x-www-form-urlencoded"],
      [click, "application/x-www-form-urlencoded"],
      [event, "application/json"],
    ] as const) {
      const other = await post(make("TEVIL"), type);
      expect(other.status, make.name).toBe(403);
      expect(other.body).toContain("other workspace");
    }
    // The configured workspace's command is served as before.
    expect((await post(command(ours), "application/x-www-form-urlencoded")).status).toBe(200);
    // A command that names no workspace is not ours either.
    const anonymous = form({
      command: "/prode",
      text: "help",
      user_id: "U0ONCALL01",
      channel_id: "C0INCIDENTS",
      trigger_id: `fuzz.${Date.now()}`,
    });
    expect((await post(anonymous, "application/x-www-form-urlencoded")).status).toBe(403);
    await stillServes();
  });
});
