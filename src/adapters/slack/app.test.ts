import pino from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config/index.ts";
import { ErrorCode } from "../../domain/errors.ts";
import { createSlackApp } from "./app.ts";
import { createSlackWebClient } from "./client.ts";

const deps = {
  log: pino({ level: "silent" }),
  client: createSlackWebClient({ token: "xoxb-test" }),
  handle: async () => {},
};
const env = {
  SLACK_BOT_TOKEN: "xoxb-test",
  SLACK_SIGNING_SECRET: "secret",
  SLACK_INCIDENT_CHANNEL: "C0INCIDENTS",
};

describe("createSlackApp", () => {
  it("serves HTTP as one POST route of our server by default", () => {
    const app = createSlackApp({ config: loadConfig(env), deps });
    expect(app.mode).toBe("http");
    expect(app.routes.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /slack/events"]);
  });

  it("uses Socket Mode when SLACK_APP_TOKEN is set, with no HTTP endpoint", () => {
    const app = createSlackApp({
      config: loadConfig({ ...env, SLACK_APP_TOKEN: "xapp-1-test" }),
      deps,
    });
    expect(app.mode).toBe("socket");
    expect(app.routes).toEqual([]);
  });

  it("refuses to start without Slack configured", () => {
    expect(() => createSlackApp({ config: loadConfig({}), deps })).toThrow(
      expect.objectContaining({ code: ErrorCode.ConfigInvalid }),
    );
  });
});
