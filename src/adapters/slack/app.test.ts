import pino from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config/index.ts";
import type { Db } from "../../db/client.ts";
import { ErrorCode } from "../../domain/errors.ts";
import { createSlackApp } from "./app.ts";

const deps = {
  // Construction touches no database; interactions would.
  db: undefined as unknown as Db,
  log: pino({ level: "silent" }),
  enqueue: async () => {},
  startTriage: async () => ({ runId: "run_x", created: true }),
};
const env = {
  SLACK_BOT_TOKEN: "xoxb-test",
  SLACK_SIGNING_SECRET: "secret",
  SLACK_INCIDENT_CHANNEL: "C0INCIDENTS",
};

describe("createSlackApp", () => {
  it("serves HTTP through our server's fallback by default", () => {
    const app = createSlackApp({ config: loadConfig(env), deps });
    expect(app.mode).toBe("http");
    expect(app.fallback).toBeTypeOf("function");
  });

  it("uses Socket Mode when SLACK_APP_TOKEN is set, with no HTTP endpoint", () => {
    const app = createSlackApp({
      config: loadConfig({ ...env, SLACK_APP_TOKEN: "xapp-1-test" }),
      deps,
    });
    expect(app.mode).toBe("socket");
    expect(app.fallback).toBeUndefined();
  });

  it("points its WebClient at SLACK_API_URL", () => {
    const app = createSlackApp({
      config: loadConfig({ ...env, SLACK_API_URL: "http://127.0.0.1:9/slack/api" }),
      deps,
    });
    expect(app.client.slackApiUrl).toBe("http://127.0.0.1:9/slack/api/");
  });

  it("refuses to start without Slack configured", () => {
    expect(() => createSlackApp({ config: loadConfig({}), deps })).toThrow(
      expect.objectContaining({ code: ErrorCode.ConfigInvalid }),
    );
  });
});
