import { describe, expect, it } from "vitest";
import { slackResponseUrl } from "./reply.ts";

describe("slackResponseUrl", () => {
  it("keeps Slack's https response URLs and drops any other host, scheme, port or userinfo", () => {
    const slack = "https://hooks.slack.com/commands/T0/1/abc";
    expect(slackResponseUrl(slack, undefined)).toBe(slack);
    for (const url of [
      "http://hooks.slack.com/commands/T0/1/abc",
      "https://hooks.slack.com:8443/commands",
      "https://hooks.slack.com.evil.example/x",
      "https://user:pw@hooks.slack.com/x",
      "https://169.254.169.254/latest/meta-data",
      "file:///etc/passwd",
      "not a url",
    ]) {
      expect(slackResponseUrl(url, undefined), url).toBeUndefined();
    }
    expect(slackResponseUrl(undefined, undefined)).toBeUndefined();
  });

  it("allows the configured Slack API's host (the simulated world), with its scheme", () => {
    const api = "http://127.0.0.1:4010/api/";
    expect(slackResponseUrl("http://127.0.0.1:4011/respond", api)).toBe(
      "http://127.0.0.1:4011/respond",
    );
    expect(slackResponseUrl("https://127.0.0.1/respond", api)).toBeUndefined();
    expect(slackResponseUrl("http://localhost:4010/respond", api)).toBeUndefined();
  });
});
