import { describe, expect, it } from "vitest";
import { ErrorCode } from "../domain/errors.ts";
import { loadConfig, Secret } from "./index.ts";

describe("loadConfig", () => {
  it("runs on embedded defaults with no integrations, reporting each as missing", () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.PORT).toBe(3000);
    expect(config.missing).toEqual([
      "slack",
      "linear",
      "github",
      "sentry",
      "aws",
      "replica",
      "delivery",
    ]);
    expect(config.triggerLabels).toEqual(["prode", "sentry-issue"]);
  });

  it("names a malformed variable and what it expects, in one line", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrowError(
      /^PORT is malformed: expected .*number/,
    );
    expect(() => loadConfig({ DATABASE_URL: "not a url" })).toThrowError(
      /^DATABASE_URL is malformed/,
    );
    try {
      loadConfig({ PRODE_QUEUE_PREFIX: "a:b" });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: ErrorCode.ConfigInvalid });
      expect(String((error as Error).message)).toContain("':'");
      expect(String((error as Error).message)).not.toContain("\n");
    }
  });

  it("refuses a heartbeat too slow for its lease (a handed lease may have half its time left)", () => {
    expect(() => loadConfig({ PRODE_LEASE_MS: "30000", PRODE_HEARTBEAT_MS: "10000" })).toThrowError(
      /^PRODE_HEARTBEAT_MS is malformed: expected at most a quarter of PRODE_LEASE_MS/,
    );
    expect(
      loadConfig({ PRODE_LEASE_MS: "30000", PRODE_HEARTBEAT_MS: "7500" }).PRODE_HEARTBEAT_MS,
    ).toBe(7500);
  });

  it("waits out a provider for 30 minutes by default; fractions of a minute for tests, never zero", () => {
    const defaults = loadConfig({});
    expect(defaults.PRODE_PROVIDER_OUTAGE_MAX_MINUTES).toBe(30);
    expect(defaults.PRODE_PROVIDER_BACKOFF_MS).toBeLessThan(defaults.PRODE_PROVIDER_BACKOFF_MAX_MS);
    expect(
      loadConfig({ PRODE_PROVIDER_OUTAGE_MAX_MINUTES: "0.05" }).PRODE_PROVIDER_OUTAGE_MAX_MINUTES,
    ).toBe(0.05);
    expect(() => loadConfig({ PRODE_PROVIDER_OUTAGE_MAX_MINUTES: "0" })).toThrowError(
      /^PRODE_PROVIDER_OUTAGE_MAX_MINUTES is malformed/,
    );
  });

  it("fails on a partly configured integration, naming the missing variable", () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: "xoxb-1" })).toThrowError(
      /^SLACK_SIGNING_SECRET is required/,
    );
    expect(() =>
      loadConfig({
        AWS_ACCESS_KEY_ID: "AKIA",
        AWS_SECRET_ACCESS_KEY: "s",
        AWS_REGION: "eu-west-1",
        AWS_EXPECTED_ACCOUNT_ID: "12",
      }),
    ).toThrowError(/^AWS_EXPECTED_ACCOUNT_ID is malformed: expected a 12-digit AWS account id/);
  });

  it("keeps secrets out of logs and JSON", () => {
    const config = loadConfig({ LINEAR_API_KEY: "lin_api_supersecretvalue" });
    expect(config.linear?.LINEAR_API_KEY).toBeInstanceOf(Secret);
    expect(JSON.stringify(config)).not.toContain("supersecret");
    expect(String(config.linear?.LINEAR_API_KEY)).toBe("**********");
    expect(config.linear?.LINEAR_API_KEY.reveal()).toBe("lin_api_supersecretvalue");
    expect(config.missing).not.toContain("linear");
  });

  it("takes temporary AWS credentials' session token as a secret, and none when unset", () => {
    const aws = {
      AWS_ACCESS_KEY_ID: "ASIAKEY",
      AWS_SECRET_ACCESS_KEY: "s",
      AWS_REGION: "eu-west-1",
    };
    const config = loadConfig({ ...aws, AWS_SESSION_TOKEN: "session-token-value" });
    expect(config.aws?.AWS_SESSION_TOKEN?.reveal()).toBe("session-token-value");
    expect(JSON.stringify(config)).not.toContain("session-token-value");
    expect(loadConfig({ ...aws, AWS_SESSION_TOKEN: "" }).aws?.AWS_SESSION_TOKEN).toBeUndefined();
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", SLACK_BOT_TOKEN: "" }).missing).toContain("slack");
  });
});

describe("deployment redaction patterns", () => {
  it("parses PRODE_REDACT_PATTERNS and refuses a malformed value naming it", () => {
    expect(
      loadConfig({ PRODE_REDACT_PATTERNS: '{"customer_id":"cus_[A-Za-z0-9]{14}"}' })
        .PRODE_REDACT_PATTERNS,
    ).toEqual([{ category: "customer_id", pattern: "cus_[A-Za-z0-9]{14}" }]);
    expect(() => loadConfig({ PRODE_REDACT_PATTERNS: "cus_.*" })).toThrowError(
      /^PRODE_REDACT_PATTERNS is malformed: expected a JSON object/,
    );
  });

  it("once configured, every egress through the default redactor removes them", async () => {
    const { configureDefaultRedactor, defaultRedactor } = await import("../safety/redact.ts");
    const id = "cus_AbCdEfGh123456";
    expect(defaultRedactor.redact(`customer ${id} churned`).text).toContain(id);
    configureDefaultRedactor(
      loadConfig({ PRODE_REDACT_PATTERNS: '{"customer_id":"cus_[A-Za-z0-9]{14}"}' })
        .PRODE_REDACT_PATTERNS ?? [],
    );
    try {
      expect(defaultRedactor.redact(`customer ${id} churned`)).toEqual({
        text: "customer [REDACTED:customer_id] churned",
        summary: { customer_id: 1 },
      });
    } finally {
      configureDefaultRedactor([]);
    }
  });
});

describe("vendor match patterns", () => {
  it("parses PRODE_VENDOR_MATCH with defaults and refuses a bad regex, naming the variable", () => {
    const config = loadConfig({
      PRODE_VENDOR_MATCH: JSON.stringify({
        "pay-co": { hosts: ["pay.example"], requestIds: ["\\b(req_[A-Za-z0-9]{14})\\b"] },
        cloudy: { kind: "cloud" },
      }),
    });
    expect(config.PRODE_VENDOR_MATCH).toEqual({
      "pay-co": {
        hosts: ["pay.example"],
        errorTypes: [],
        requestIds: ["\\b(req_[A-Za-z0-9]{14})\\b"],
        kind: "vendor",
      },
      cloudy: { hosts: [], errorTypes: [], requestIds: [], kind: "cloud" },
    });
    expect(() =>
      loadConfig({ PRODE_VENDOR_MATCH: JSON.stringify({ x: { errorTypes: ["("] } }) }),
    ).toThrowError(/PRODE_VENDOR_MATCH is malformed/);
  });

  it("turns delivery on with a coding-agent command, dry run off unless asked", () => {
    const on = loadConfig({ PRODE_AGENT_COMMAND: "agent --print {brief}" });
    expect(on.delivery?.PRODE_AGENT_COMMAND).toBe("agent --print {brief}");
    expect(on.delivery?.PRODE_DRY_RUN).toBe(false);
    expect(on.delivery?.PRODE_WORKTREE_DIR).toMatch(/prode-worktrees$/);
    expect(
      loadConfig({ PRODE_AGENT_COMMAND: "a", PRODE_DRY_RUN: "1" }).delivery?.PRODE_DRY_RUN,
    ).toBe(true);
    expect(() => loadConfig({ PRODE_AGENT_COMMAND: "a", PRODE_DRY_RUN: "yes" })).toThrow(
      /PRODE_DRY_RUN is malformed/,
    );
  });
});
