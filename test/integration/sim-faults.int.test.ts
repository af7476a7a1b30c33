import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InternalLinearError, LinearClient, RatelimitedLinearError } from "@linear/sdk";
import {
  ErrorCode as SlackErrorCode,
  type WebAPIHTTPError,
  type WebAPIRateLimitedError,
  WebClient,
} from "@slack/web-api";
import { afterEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";

const CHANNEL = "C0INCIDENTS";
const worlds: World[] = [];

async function world(
  scenario = "backend-500-pr",
  extra: { recordTo?: string } = {},
): Promise<World> {
  const w = await startWorld({ scenario, ...extra });
  worlds.push(w);
  return w;
}

function slackOf(w: World, timeout = 0): WebClient {
  return new WebClient(w.scenario.slack.botToken, {
    slackApiUrl: w.urls.slack,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout,
  });
}

const linearOf = (w: World) =>
  new LinearClient({ apiKey: w.scenario.linear.apiKey, apiUrl: w.urls.linear });

afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

describe("injected faults", () => {
  it("a Slack 429 with Retry-After reaches the WebClient as a rate limit, and nothing is posted", async () => {
    const w = await world();
    w.injectFault({
      service: "slack",
      method: "chat.postMessage",
      kind: "rate_limit",
      retryAfterSec: 7,
      count: 1,
    });
    const slack = slackOf(w);
    const error = (await slack.chat
      .postMessage({ channel: CHANNEL, text: "x" })
      .catch((e: unknown) => e)) as WebAPIRateLimitedError;
    expect(error.code).toBe(SlackErrorCode.RateLimitedError);
    expect(error.retryAfter).toBe(7);
    expect(w.state.slack.messages(CHANNEL)).toEqual([]);
    expect(w.calls({ service: "slack" })).toMatchObject([
      {
        method: "chat.postMessage",
        status: 429,
        fault: "rate_limit",
        response: { ok: false, error: "ratelimited" },
      },
    ]);
    // count: 1 — the next call goes through.
    expect((await slack.chat.postMessage({ channel: CHANNEL, text: "y" })).ok).toBe(true);
  });

  it("faults are per method: a 503 on chat.update leaves chat.postMessage alone", async () => {
    const w = await world();
    w.injectFault({ service: "slack", method: "chat.update", kind: "error", status: 503 });
    const slack = slackOf(w);
    const posted = await slack.chat.postMessage({ channel: CHANNEL, text: "parent" });
    const error = (await slack.chat
      .update({ channel: CHANNEL, ts: posted.ts!, text: "changed" })
      .catch((e: unknown) => e)) as WebAPIHTTPError;
    expect(error.code).toBe(SlackErrorCode.HTTPError);
    expect(error.statusCode).toBe(503);
    expect(w.state.slack.messages(CHANNEL).map((m) => m.text)).toEqual(["parent"]);
    w.clearFaults();
    expect(
      (await slack.chat.update({ channel: CHANNEL, ts: posted.ts!, text: "changed" })).ok,
    ).toBe(true);
  });

  it("a Linear 5xx on commentCreate fails the SDK call and creates nothing; a rate limit is typed too", async () => {
    const w = await world();
    const linear = linearOf(w);
    w.injectFault({
      service: "linear",
      method: "commentCreate",
      kind: "error",
      status: 502,
      count: 1,
    });
    await expect(linear.createComment({ issueId: "ENG-4821", body: "x" })).rejects.toBeInstanceOf(
      InternalLinearError,
    );
    expect(w.state.linear.comments("ENG-4821").filter((c) => c.user === "prode")).toEqual([]);

    w.injectFault({ service: "linear", kind: "rate_limit", retryAfterSec: 3, count: 1 });
    const limited = await linear.viewer.catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RatelimitedLinearError);
    expect((limited as RatelimitedLinearError).retryAfter).toBe(3);
    expect((await linear.createComment({ issueId: "ENG-4821", body: "ok" })).success).toBe(true);
  });

  it("adds latency to the faulted method only", async () => {
    const w = await world();
    w.injectFault({
      service: "slack",
      method: "chat.postMessage",
      kind: "latency",
      latencyMs: 400,
    });
    const slack = slackOf(w);
    let started = Date.now();
    await slack.auth.test();
    expect(Date.now() - started).toBeLessThan(400);
    started = Date.now();
    await slack.chat.postMessage({ channel: CHANNEL, text: "slow" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(w.calls({ method: "chat.postMessage" })[0]).toMatchObject({
      status: 200,
      fault: "latency",
    });
  });

  it("a timeout holds the request until the client gives up, and is recorded", async () => {
    const w = await world();
    w.injectFault({ service: "slack", method: "chat.postMessage", kind: "timeout" });
    const slack = slackOf(w, 300);
    const error = (await slack.chat
      .postMessage({ channel: CHANNEL, text: "x" })
      .catch((e: unknown) => e)) as { code: string };
    expect(error.code).toBe(SlackErrorCode.RequestError);
    await expect
      .poll(() => w.calls({ method: "chat.postMessage" }))
      .toMatchObject([{ status: 0, fault: "timeout" }]);
    expect(w.state.slack.messages(CHANNEL)).toEqual([]);
  });

  it("closing the world releases requests it is holding", async () => {
    const w = await world();
    w.injectFault({ service: "github", kind: "timeout" });
    const pending = fetch(`${w.urls.github}/app`).then(
      () => "answered",
      () => "aborted",
    );
    await new Promise((r) => setTimeout(r, 150));
    const closed = Date.now();
    await w.close();
    expect(Date.now() - closed).toBeLessThan(2000);
    expect(await pending).toBe("aborted");
    expect(w.calls()).toMatchObject([{ service: "github", status: 0, fault: "timeout" }]);
  });

  it("applies faults declared in the scenario: Sentry answers once, then 500", async () => {
    const w = await world("sentry-fails-midrun");
    const url = `${w.urls.sentry}/api/0/organizations/acme-sim/issues/4502117730/`;
    const headers = { authorization: "Bearer sntrys_sim" };
    expect((await fetch(url, { headers })).status).toBe(200);
    const second = await fetch(url, { headers });
    expect(second.status).toBe(500);
    expect(await second.json()).toEqual({ detail: "Internal Error" });
    expect(w.calls({ service: "sentry" }).map((c) => [c.status, c.fault])).toEqual([
      [200, undefined],
      [500, "error"],
    ]);
  });
});

describe("routing and recording", () => {
  it("answers unknown routes and unconfigured services with a clear 404, and records them", async () => {
    const w = await world("no-aws-credentials");
    const unknown = await fetch(`${w.url}/jira/rest/api/2/issue/ENG-1`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: "not_found",
      message: expect.stringContaining("/slack, /linear"),
    });
    const aws = await fetch(`${w.urls.aws}/`, {
      method: "POST",
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(aws.status).toBe(404);
    expect(await aws.json()).toMatchObject({ error: "service_not_configured" });
    expect(w.calls().map((c) => [c.service, c.method, c.status])).toEqual([
      ["world", "GET /jira/rest/api/2/issue/ENG-1", 404],
      ["aws", "POST /", 404],
    ]);
  });

  it("writes every call to the record file, one JSON object per line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "prode-record-"));
    try {
      const file = join(dir, "calls.jsonl");
      const w = await world("backend-500-pr", { recordTo: file });
      await slackOf(w).auth.test();
      await linearOf(w).viewer;
      await w.close();
      const lines = (await readFile(file, "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => `${l.service}:${l.method}`)).toEqual([
        "slack:auth.test",
        "linear:viewer",
      ]);
      expect(lines[1]).toMatchObject({
        status: 200,
        body: { variables: {} },
        at: expect.stringMatching(/^2026-11-20T/),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("serves vendor status pages in Statuspage's v2 shape", async () => {
    const w = await world();
    const summary = (await (
      await fetch(`${w.urls.statuspage}/stripe/api/v2/summary.json`)
    ).json()) as {
      components: { status: string }[];
    };
    expect(summary).toMatchObject({ status: { indicator: "none" }, incidents: [] });
    expect(summary.components.map((c: { status: string }) => c.status)).toEqual([
      "operational",
      "operational",
      "operational",
    ]);
    expect(w.calls()[0]).toMatchObject({ service: "statuspage", method: "stripe/summary.json" });
  });
});
