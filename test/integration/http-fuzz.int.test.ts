import { createHmac } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { worldEnv } from "../../sim/demo/world-env.ts";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld, type World } from "../../sim/server.ts";
import { type Prode, startProde } from "../../src/compose/prode.ts";
import { loadConfig } from "../../src/config/index.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
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

type Signing = "none" | "valid" | "wrong" | "stale" | "future";

interface FuzzRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Uint8Array;
  signing: Signing;
  extraHeaders: Record<string, string>;
}

const nowSec = () => Math.floor(Date.now() / 1000);

function slackHeaders(body: Uint8Array, signing: Signing): Record<string, string> {
  if (signing === "none") return {};
  const ts =
    signing === "stale" ? nowSec() - 600 : signing === "future" ? nowSec() + 600 : nowSec();
  const secret = signing === "wrong" ? "not-the-secret" : slackSecret;
  const hmac = createHmac("sha256", secret);
  hmac.update(`v0:${ts}:`);
  hmac.update(body);
  return {
    "x-slack-request-timestamp": String(ts),
    "x-slack-signature": `v0=${hmac.digest("hex")}`,
  };
}

function linearHeaders(body: Uint8Array, signing: Signing): Record<string, string> {
  if (signing === "none") return {};
  const secret = signing === "wrong" ? "not-the-secret" : linearSecret;
  return { "linear-signature": createHmac("sha256", secret).update(body).digest("hex") };
}

const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Any JSON value, or a string that is not quite JSON. */
const json = fc.jsonValue({ maxDepth: 4 });
const jsonText = fc.oneof(
  json.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom("null", "[]", "{}", '""', "0", "true", "{", "[1,", '{"a":}', "\u0000"),
);
/** A string, or any JSON value where a string belongs. */
const field = fc.oneof(fc.string({ maxLength: 40 }), json);

/** Deeply nested JSON, valid or cut short. */
const deep = fc
  .tuple(fc.integer({ min: 1_000, max: 60_000 }), fc.boolean(), fc.constantFrom("[", '{"a":'))
  .map(([depth, closed, open]) => {
    const close = open === "[" ? "]" : "}";
    return `${open.repeat(depth)}1${closed ? close.repeat(depth) : ""}`;
  });

/** A slash command with fields missing, replaced or of the wrong type. */
const slackCommand = fc
  .record(
    {
      command: fc.oneof(fc.constant("/prode"), fc.string({ maxLength: 20 })),
      text: fc.oneof(
        fc.constantFrom(
          "help",
          "status",
          "triage ENG-1",
          "triage X-99999999999999999999999999999999999",
        ),
        fc.string({ maxLength: 100 }),
      ),
      user_id: fc.oneof(fc.constant("U0ONCALL01"), fc.string({ maxLength: 20 })),
      channel_id: fc.oneof(fc.constant("C0INCIDENTS"), fc.string({ maxLength: 20 })),
      trigger_id: fc.string({ minLength: 1, maxLength: 30 }),
      response_url: fc.oneof(
        fc.constantFrom(
          "https://hooks.slack.com/commands/T/1/x",
          "http://127.0.0.1:9/x",
          "file:///etc/passwd",
        ),
        fc.string({ maxLength: 40 }),
      ),
      payload: jsonText,
      ssl_check: fc.constantFrom("1", "0"),
    },
    { requiredKeys: [] },
  )
  .map((fields) => form(fields as Record<string, string>));

/** An interaction payload: a button click with parts replaced, or any JSON. */
const slackInteraction = fc
  .oneof(
    fc.record(
      {
        type: fc.oneof(fc.constantFrom("block_actions", "view_submission", "shortcut"), field),
        user: fc.oneof(fc.record({ id: field, name: field }), json),
        trigger_id: field,
        actions: fc.oneof(
          fc.array(
            fc.record({
              action_id: fc.oneof(fc.constantFrom("prode_approve", "prode_reject"), field),
              value: field,
              type: field,
            }),
            { maxLength: 3 },
          ),
          json,
        ),
        message: fc.oneof(fc.record({ ts: field, thread_ts: field }), json),
        channel: json,
        container: json,
        team: json,
        response_url: field,
      },
      { requiredKeys: [] },
    ),
    json,
  )
  .map((payload) => form({ payload: JSON.stringify(payload) ?? "null" }));

/** An Events API body with parts replaced, or any JSON. */
const slackEvent = fc
  .oneof(
    fc.record(
      {
        type: fc.oneof(
          fc.constantFrom("event_callback", "url_verification", "app_rate_limited"),
          field,
        ),
        event_id: field,
        challenge: field,
        team_id: field,
        authorizations: json,
        event: fc.oneof(
          fc.record({
            type: fc.oneof(fc.constant("app_home_opened"), field),
            user: field,
            tab: field,
          }),
          json,
        ),
      },
      { requiredKeys: [] },
    ),
    json,
  )
  .map((v) => JSON.stringify(v) ?? "null");

/** A Linear webhook with a fresh or stale timestamp and parts replaced, or any JSON. */
const linearPayload = fc
  .oneof(
    fc.record(
      {
        action: fc.oneof(fc.constantFrom("create", "update", "remove"), field),
        type: fc.oneof(fc.constantFrom("Issue", "Comment"), field),
        webhookTimestamp: fc.oneof(
          fc.constant(-1).map(() => Date.now()),
          fc.constant(0),
          fc.double(),
          field,
        ),
        actor: json,
        data: fc.oneof(
          fc.record(
            {
              identifier: fc.oneof(
                fc.constantFrom("ENG-4852", "eng-1", `ENG-${"9".repeat(60)}`),
                field,
              ),
              labels: fc.oneof(fc.constant([{ name: "prode" }]), json),
              state: fc.oneof(fc.record({ name: field, type: field }), json),
            },
            { requiredKeys: [] },
          ),
          json,
        ),
      },
      { requiredKeys: [] },
    ),
    json,
  )
  .map((v) => JSON.stringify(v) ?? "null");

const contentType = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/xml",
    "APPLICATION/JSON",
  ),
  fc.constant(undefined),
  fc.string({ maxLength: 30 }).filter((s) => /^[\x21-\x7e ]*$/.test(s)),
);

/** Mostly the route's own shape with its own content type; otherwise anything. */
const payload = (structured: fc.Arbitrary<string>, ownType: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ contentType: ownType, body: structured.map(utf8) }) },
    { weight: 3, arbitrary: fc.record({ contentType, body: body(structured) }) },
  );

const body = (structured: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 3, arbitrary: structured.map(utf8) },
    { weight: 2, arbitrary: jsonText.map(utf8) },
    { weight: 1, arbitrary: deep.map(utf8) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    // Invalid UTF-8 inside otherwise valid JSON.
    {
      weight: 1,
      arbitrary: fc.constant(new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d])),
    },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
  );

const signing = fc.constantFrom<Signing>(
  "none",
  "valid",
  "valid",
  "valid",
  "wrong",
  "stale",
  "future",
);
const method = fc.oneof(
  { weight: 8, arbitrary: fc.constant("POST") },
  { weight: 2, arbitrary: fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "OPTIONS") },
);
const extraHeaders = fc
  .record(
    {
      "x-slack-retry-num": fc.oneof(
        fc.constantFrom("1", "2", "-1", "99999999999"),
        fc.string({ maxLength: 10 }),
      ),
      "x-slack-retry-reason": fc.string({ maxLength: 20 }),
      "linear-delivery": fc.oneof(fc.uuid(), fc.string({ maxLength: 300 })),
    },
    { requiredKeys: [] },
  )
  .map((h) =>
    Object.fromEntries(Object.entries(h).filter(([, v]) => /^[\x20-\x7e]*$/.test(v as string))),
  ) as fc.Arbitrary<Record<string, string>>;

const FORM = fc.constant("application/x-www-form-urlencoded");
const JSON_TYPE = fc.constantFrom("application/json", "application/json; charset=utf-8");
const slackPayload = fc.oneof(
  payload(slackCommand, FORM),
  payload(slackInteraction, FORM),
  payload(slackEvent, JSON_TYPE),
);
const linearRequestPayload = payload(linearPayload, JSON_TYPE);

/** A request: where, how, what (content type and body), signed how, other headers. */
const requestTo = (
  path: fc.Arbitrary<string>,
  what: fc.Arbitrary<{ contentType: string | undefined; body: Uint8Array }>,
  methods = method,
): fc.Arbitrary<FuzzRequest> =>
  fc
    .record({ method: methods, path, what, signing, extraHeaders })
    .map(({ what: w, ...rest }) => ({ ...rest, ...w }));

const request: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 5, arbitrary: requestTo(fc.constant("/slack/events"), slackPayload) },
  { weight: 4, arbitrary: requestTo(fc.constant("/webhooks/linear"), linearRequestPayload) },
  {
    weight: 2,
    arbitrary: requestTo(
      fc.oneof(
        fc.constantFrom(
          "/healthz",
          "/readyz",
          "/metrics",
          "/",
          "//",
          "/slack/other",
          "/webhooks",
          "/healthz?x=%zz",
          "//slack/events",
          "/slack/events/",
        ),
        fc.webPath(),
      ),
      fc.record({ contentType, body: body(jsonText) }),
      fc.constantFrom("GET", "GET", "POST", "PUT", "DELETE", "OPTIONS"),
    ),
  },
);

async function send(r: FuzzRequest): Promise<number> {
  const signed = r.path.startsWith("/slack")
    ? slackHeaders(r.body, r.signing)
    : linearHeaders(r.body, r.signing);
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
    trigger_id: `fuzz.${Date.now()}`,
  });
  const res = await fetch(`${prode.url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...slackHeaders(utf8(command), "valid"),
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
        const isWebhook = r.path === "/slack/events" || r.path === "/webhooks/linear";
        // A Linear signature has no timestamp of its own (it is in the body): for Linear,
        // "stale" and "future" are validly signed bodies.
        const signed =
          r.signing === "valid" ||
          (r.path === "/webhooks/linear" && r.signing !== "none" && r.signing !== "wrong");
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
    for (const path of ["/slack/events", "/webhooks/linear", "/healthz", "/nope"]) {
      for (const sign of ["none", "valid"] as const) {
        const headers = {
          "content-type": "application/json",
          ...(path.startsWith("/slack") ? slackHeaders(huge, sign) : linearHeaders(huge, sign)),
        };
        const res = await fetch(`${prode.url}${path}`, { method: "POST", headers, body: huge });
        await res.arrayBuffer();
        expect(res.status, path).toBeLessThan(500);
        if (path === "/slack/events" || path === "/webhooks/linear") expect(res.status).toBe(413);
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
