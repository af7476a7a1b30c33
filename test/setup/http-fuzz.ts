import { createHmac } from "node:crypto";
import fc from "fast-check";

/**
 * What the HTTP fuzz (test/integration/http-fuzz.int.test.ts) sends: requests to every
 * route of `prode web`, signed in every way (none, valid, wrong secret, stale or future
 * timestamp), with the routes' own shapes mutated, JSON of every type, deep nesting,
 * invalid UTF-8 and wrong content types.
 */
export type Signing = "none" | "valid" | "wrong" | "stale" | "future";

export interface FuzzRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Uint8Array;
  signing: Signing;
  extraHeaders: Record<string, string>;
}

const nowSec = () => Math.floor(Date.now() / 1000);

export function slackHeaders(
  secret: string,
  body: Uint8Array,
  signing: Signing,
): Record<string, string> {
  if (signing === "none") return {};
  const ts =
    signing === "stale" ? nowSec() - 600 : signing === "future" ? nowSec() + 600 : nowSec();
  const hmac = createHmac("sha256", signing === "wrong" ? "not-the-secret" : secret);
  hmac.update(`v0:${ts}:`);
  hmac.update(body);
  return {
    "x-slack-request-timestamp": String(ts),
    "x-slack-signature": `v0=${hmac.digest("hex")}`,
  };
}

export function linearHeaders(
  secret: string,
  body: Uint8Array,
  signing: Signing,
): Record<string, string> {
  if (signing === "none") return {};
  const key = signing === "wrong" ? "not-the-secret" : secret;
  return { "linear-signature": createHmac("sha256", key).update(body).digest("hex") };
}

/** GitHub's `X-Hub-Signature-256` (no timestamp: "stale"/"future" sign validly). */
export function githubHeaders(
  secret: string,
  body: Uint8Array,
  signing: Signing,
): Record<string, string> {
  if (signing === "none") return {};
  const key = signing === "wrong" ? "not-the-secret" : secret;
  return {
    "x-hub-signature-256": `sha256=${createHmac("sha256", key).update(body).digest("hex")}`,
  };
}

export const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

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

/** A `pull_request` (or review) delivery on a prode-looking PR with parts replaced, or any JSON. */
const githubPayload = fc
  .oneof(
    fc.record(
      {
        action: fc.oneof(fc.constantFrom("closed", "reopened", "opened", "submitted"), field),
        number: fc.oneof(fc.integer(), field),
        pull_request: fc.oneof(
          fc.record(
            {
              number: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.double(), field),
              state: fc.oneof(fc.constantFrom("open", "closed"), field),
              merged: fc.oneof(fc.boolean(), json),
              merged_at: fc.oneof(fc.constant("2026-01-01T00:00:00Z"), json),
              merge_commit_sha: field,
              merged_by: fc.oneof(fc.record({ login: field }), json),
              head: fc.oneof(
                fc.record({
                  ref: fc.oneof(fc.constantFrom("prode/ENG-1-abc", "main"), field),
                }),
                json,
              ),
            },
            { requiredKeys: [] },
          ),
          json,
        ),
        repository: fc.oneof(
          fc.record({ full_name: fc.oneof(fc.constant("acme-sim/onboarding-api"), field) }),
          json,
        ),
        sender: fc.oneof(fc.record({ login: field }), json),
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
      "x-github-event": fc.oneof(
        fc.constantFrom("pull_request", "pull_request_review", "ping", "push"),
        fc.string({ maxLength: 120 }),
      ),
      "x-github-delivery": fc.oneof(fc.uuid(), fc.string({ maxLength: 300 })),
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
const githubRequestPayload = payload(githubPayload, JSON_TYPE);

/** A request: where, how, what (content type and body), signed how, other headers. */
const requestTo = (
  path: fc.Arbitrary<string>,
  what: fc.Arbitrary<{ contentType: string | undefined; body: Uint8Array }>,
  methods = method,
): fc.Arbitrary<FuzzRequest> =>
  fc
    .record({ method: methods, path, what, signing, extraHeaders })
    .map(({ what: w, ...rest }) => ({ ...rest, ...w }));

export const request: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 5, arbitrary: requestTo(fc.constant("/slack/events"), slackPayload) },
  { weight: 4, arbitrary: requestTo(fc.constant("/webhooks/linear"), linearRequestPayload) },
  { weight: 3, arbitrary: requestTo(fc.constant("/webhooks/github"), githubRequestPayload) },
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
