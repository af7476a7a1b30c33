import { describe, expect, it } from "vitest";
import { isMissingConfig, noteMissingConfig, saysConfigMissing } from "./missing-config.ts";

/** The vocabulary of "a required configuration value is missing", and what it must not take. */
describe("saysConfigMissing", () => {
  it.each([
    ["ConfigError", "FOO_BAR_URL is not set"],
    ["ConfigurationError", "required value for 'ranker.url' is missing"],
    ["org.example.config.ConfigurationException", "key payments.endpoint not found"],
    ["MissingEnvVarError", "API_BASE"],
    ["EnvError", "Missing environment variables: DATABASE_URL"],
    ["django.core.exceptions.ImproperlyConfigured", "Set the SECRET_KEY environment variable"],
    ["Error", "Missing required environment variable: QUEUE_URL"],
    ["Error", "environment variable QUEUE_URL is not set"],
    ["Error", "env var 'QUEUE_URL' must be set"],
    ["Error", "config key search.host is missing"],
    ["RuntimeError", "required setting MAIL_FROM"],
    ["Error", "secret signing-key is not set"],
    [
      "IllegalArgumentException",
      "Could not resolve placeholder 'ranker.url' in value \"ranker.url\"",
    ],
    ["Error", "envconfig: required key REDIS_URL missing value"],
    ["Error", "STRIPE_WEBHOOK_SECRET must be set"],
    ["TypeError", "S3_BUCKET_NAME is undefined"],
  ])("%s: %s says a required configuration value is missing", (type, message) => {
    expect(saysConfigMissing(type, message)).toBe(true);
  });

  it.each([
    ["TypeError", "Cannot read properties of undefined (reading 'currency')"],
    ["RangeError", "Invalid currency code : undefined"],
    [
      "KnexTimeoutError",
      "Timeout acquiring a connection. Are you missing a .transacting(trx) call?",
    ],
    ["ValidationError", "msisdn must be E.164"],
    ["ValidationError", "field email is required"],
    ["EnvironmentError", "[Errno 2] No such file or directory: '/tmp/x'"],
    ["ConfigError", "RANKER_URL is not a valid URL"],
    ["KeyError", "'DATABASE_URL'"],
    ["Error", "order ord_1 is missing a delivery slot"],
    ["Error", "catalog lookup timed out after 1500ms"],
    ["Error", "user settings missing for account acc_1"],
    ["Error", "missing setting on order line"],
    ["Error", "Unauthorized: client secret mismatch"],
  ])("%s: %s does not", (type, message) => {
    expect(saysConfigMissing(type, message)).toBe(false);
  });
});

describe("isMissingConfig", () => {
  const event = (type: string, value: string) => ({
    eventId: "e1",
    dateCreated: "2026-01-01T00:00:00Z",
    tags: [],
    exception: { type, value, frames: [] },
  });

  it("reads the event's exception, whatever order its frames are in", () => {
    expect(isMissingConfig({ title: "x" }, event("ConfigError", "FOO_URL is not set"))).toBe(true);
  });

  it("falls back on the issue's title when no event was read", () => {
    expect(isMissingConfig({ title: "ConfigError: FOO_URL is not set" }, undefined)).toBe(true);
    expect(isMissingConfig({ title: "TypeError: x is not a function" }, undefined)).toBe(false);
  });
});

describe("noteMissingConfig", () => {
  it("records a finding only for an issue that says required configuration is missing", () => {
    const facts: string[] = [];
    const ev = { finding: (f: { fact: string }) => facts.push(f.fact) };
    const ref = "sentry_issue:1" as never;
    expect(
      noteMissingConfig(
        ev,
        { title: "ConfigError: A_B is not set", shortId: "S-1" },
        ref,
        undefined,
      ),
    ).toBe(true);
    expect(noteMissingConfig(ev, { title: "TypeError: x", shortId: "S-2" }, ref, undefined)).toBe(
      false,
    );
    expect(facts).toHaveLength(1);
    expect(facts[0]).toContain("S-1 says a required configuration value is missing");
  });
});
