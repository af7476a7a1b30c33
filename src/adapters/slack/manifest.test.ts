import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PRODE_COMMAND, SLACK_EVENTS_PATH } from "./app.ts";

const manifest = parse(
  readFileSync(new URL("../../../slack/manifest.yaml", import.meta.url), "utf8"),
);

describe("slack/manifest.yaml", () => {
  it("asks only for the scopes prode calls", () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(
      [
        "app_mentions:read",
        "channels:history",
        "chat:write",
        "commands",
        "groups:history",
        "metadata.message:read",
        "usergroups:read",
        "users:read",
        "users:read.email",
      ].sort(),
    );
  });

  it("routes the slash command, interactivity and events to the one Bolt endpoint", () => {
    const urls = [
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      ...manifest.features.slash_commands.map((c: { url: string }) => c.url),
    ];
    for (const url of urls) expect(new URL(url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual([
      PRODE_COMMAND,
    ]);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual([
      "app_home_opened",
      "app_mention",
    ]);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });
});
