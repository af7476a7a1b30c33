import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formBody } from "../../src/adapters/slack/signing.ts";
import { killSwitches } from "../../src/db/schema.ts";
import {
  commandBody,
  ephemeralsFor,
  type SlackHarness,
  startSlackHarness,
  USERS,
} from "../setup/slack-harness.ts";

/**
 * Issue 18: what an outside probe got through /slack/events. Each case is answered with
 * a 4xx by a process that keeps serving; nothing reaches Bolt unvalidated.
 */
let h: SlackHarness;
beforeEach(async () => {
  h = await startSlackHarness();
});
afterEach(async () => {
  await h.close();
});

/** The process still serves: a valid command is answered and handled. */
async function stillServes(): Promise<void> {
  const before = ephemeralsFor(h.world, USERS.oncall).length;
  expect((await h.command("help", USERS.oncall)).status).toBe(200);
  await h.slack.idle();
  expect(ephemeralsFor(h.world, USERS.oncall)).toHaveLength(before + 1);
}

describe("/slack/events refuses malformed signed bodies and stays up", () => {
  it.each([
    ["form payload=null", formBody({ payload: "null" }), undefined],
    ["form payload=[]", formBody({ payload: "[]" }), undefined],
    ["form payload=7", formBody({ payload: "7" }), undefined],
    ["form payload not JSON", formBody({ payload: "{nope" }), undefined],
    ["JSON null", "null", "application/json"],
    ["JSON string", '"event_callback"', "application/json"],
    ["JSON array", "[{}]", "application/json"],
    [
      "event_callback without event",
      '{"type":"event_callback","event_id":"Ev1"}',
      "application/json",
    ],
    [
      "block_actions with a null user",
      formBody({ payload: JSON.stringify({ type: "block_actions", user: null, actions: [] }) }),
      undefined,
    ],
    ["a command without a user", formBody({ command: "/prode", text: "help" }), undefined],
  ])("%s: 400", async (_name, body, contentType) => {
    const res = await h.post(body, contentType ? { contentType } : {});
    expect(res.status).toBe(400);
    await stillServes();
  });

  it("refuses another content type with 415 and invalid UTF-8 with 400", async () => {
    expect((await h.post("{}", { contentType: "text/plain" })).status).toBe(415);
    const invalid = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]);
    const ts = Math.floor(Date.now() / 1000);
    const hmac = createHmac("sha256", h.world.scenario.slack.signingSecret);
    hmac.update(Buffer.concat([Buffer.from(`v0:${ts}:`), invalid]));
    const res = await fetch(h.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-slack-request-timestamp": String(ts),
        "x-slack-signature": `v0=${hmac.digest("hex")}`,
      },
      body: invalid,
    });
    expect(res.status).toBe(400);
    await stillServes();
  });

  it("refuses a timestamp more than five minutes ahead, even when correctly signed", async () => {
    const ahead = Math.floor(Date.now() / 1000) + 5 * 60 + 30;
    const res = await h.post(commandBody("triage ENG-9", USERS.oncall), { timestampSec: ahead });
    expect(res.status).toBe(401);
    await h.slack.idle();
    expect(await h.triaged()).toHaveLength(0);
  });

  it("refuses a body over 1 MiB with 413 before reading it, signed or not", async () => {
    const big = formBody({ command: "/prode", text: "x".repeat(1_100_000) });
    expect((await h.post(big)).status).toBe(413);
    await stillServes();
  });

  it("answers Slack's unsigned SSL check and nothing else unsigned", async () => {
    const ssl = await fetch(h.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "ssl_check=1&token=x",
    });
    expect(ssl.status).toBe(200);
    const unsigned = await fetch(h.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: commandBody("triage ENG-3", USERS.oncall),
    });
    expect(unsigned.status).toBe(401);
    await h.slack.idle();
    expect(await h.triaged()).toHaveLength(0);
  });
});

describe("text Postgres cannot store", () => {
  it("a NUL or lone surrogate in a command is dropped before it is stored", async () => {
    const res = await h.command("pause global deploy\u0000 freeze \uD800", USERS.dba);
    expect(res.status).toBe(200);
    await h.slack.idle();
    const [sw] = await h.t.db.select().from(killSwitches);
    expect(sw).toMatchObject({ engaged: true, reason: "deploy freeze \uFFFD" });
  });
});

describe("response_url", () => {
  let sink: Server;
  let seen: string[];
  beforeEach(async () => {
    seen = [];
    sink = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        seen.push(req.url ?? "");
        res.end("ok");
      });
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", () => r()));
  });
  afterEach(async () => {
    await new Promise<void>((r) => sink.close(() => r()));
  });

  it("is never called when it names a host other than Slack's", async () => {
    const port = (sink.address() as { port: number }).port;
    // The bot cannot post in a DM channel, so only the response_url could carry the reply.
    const res = await h.post(
      commandBody("help", USERS.oncall, {
        channel_id: "D0NOTACHANNEL",
        response_url: `http://localhost:${port}/steal`,
      }),
    );
    expect(res.status).toBe(200);
    await h.slack.idle();
    expect(seen).toEqual([]);
  });
});
