import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifySlackSignature } from "../../src/adapters/slack/signing.ts";
import { readBody } from "../http.ts";
import { startWorld, type World } from "../server.ts";
import type { PageState } from "./view.ts";
import { attachWorkspace } from "./workspace.ts";

/**
 * The workspace page's server without a browser: the page and its headers, the state it
 * hands the page (escaped), and the requests it sends prode, signed as Slack signs them.
 * prode is a stand-in here that records what it receives; test/browser drives the real one.
 */
describe("the simulated workspace's server", () => {
  let world: World;
  let prode: Server;
  let page: string;
  const received: { path: string; headers: Record<string, unknown>; body: Buffer }[] = [];

  beforeAll(async () => {
    prode = createServer(async (req, res) => {
      received.push({ path: req.url ?? "", headers: req.headers, body: await readBody(req) });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ text: "ack from prode" }));
    });
    await new Promise<void>((resolve) => prode.listen(0, "127.0.0.1", resolve));
    world = await startWorld({ scenario: "db-state-approval" });
    const { port } = prode.address() as AddressInfo;
    page = attachWorkspace(world, { prodeUrl: `http://127.0.0.1:${port}` }).url;
  });
  afterAll(async () => {
    await world?.close();
    await new Promise((resolve) => prode?.close(resolve));
  });

  const post = (name: string, body: unknown, type = "application/json") =>
    fetch(new URL(`api/${name}`, page), {
      method: "POST",
      headers: { "content-type": type },
      body: JSON.stringify(body),
    });

  it("serves the page with a policy that allows only its own script", async () => {
    const res = await fetch(page);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await res.text()).toContain('<script src="app.js" defer></script>');
    expect((await fetch(new URL("app.js", page))).status).toBe(200);
  });

  it("hands the page escaped HTML, whatever a message says", async () => {
    const channel = world.scenario.slack.incidentChannel;
    world.state.slack.postAsUser({
      channel,
      user: "U0BACKEND5",
      text: `<img src=x onerror=alert(1)> *bold* <javascript:alert(1)|x>`,
    });
    const state = (await (await fetch(new URL("state?as=U0ONCALL01", page))).json()) as PageState;
    const html = state.messages.at(-1)!.html;
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt; <strong>bold</strong>");
    expect(html).not.toContain("href");
    expect(state.viewer).toBe("U0ONCALL01");
    expect(state.users.map((u) => u.id)).toContain("U0ENGLEAD2");
  });

  it("sends a slash command to prode signed with the world's signing secret", async () => {
    const res = await post("command", { as: "U0ENGLEAD2", text: "status ENG-4840" });
    expect(await res.json()).toEqual({ status: 200, text: "ack from prode" });
    const last = received.at(-1)!;
    expect(last.path).toBe("/slack/events");
    const check = verifySlackSignature(
      world.scenario.slack.signingSecret,
      last.headers as Record<string, string>,
      last.body,
    );
    expect(check).toEqual({ ok: true });
    const form = new URLSearchParams(last.body.toString("utf8"));
    expect(form.get("user_id")).toBe("U0ENGLEAD2");
    expect(form.get("text")).toBe("status ENG-4840");
  });

  it("sends the ticket as a signed Linear webhook", async () => {
    await post("trigger", {});
    const last = received.at(-1)!;
    expect(last.path).toBe("/webhooks/linear");
    expect(last.headers["linear-signature"]).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(last.body.toString("utf8")).data.identifier).toBe(
      world.scenario.ticket.identifier,
    );
  });

  it("refuses a form post, another origin and an unknown user", async () => {
    const before = received.length;
    expect((await post("command", { as: "U0ENGLEAD2", text: "x" }, "text/plain")).status).toBe(415);
    expect(await (await post("command", { as: "U0NOBODY", text: "x" })).json()).toMatchObject({
      error: expect.stringContaining("as:"),
    });
    const foreign = await fetch(new URL("api/command", page), {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://evil.example:8080" },
      body: JSON.stringify({ as: "U0ENGLEAD2", text: "pause" }),
    });
    expect(foreign.status).toBe(403);
    expect(received.length).toBe(before);
  });

  it("streams the state as server-sent events, again when a message arrives", async () => {
    const controller = new AbortController();
    const res = await fetch(new URL("events?as=U0ONCALL01", page), { signal: controller.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const events: string[] = [];
    const next = async () => {
      let text = "";
      while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
      events.push(text);
    };
    await next();
    world.state.slack.postAsUser({
      channel: world.scenario.slack.incidentChannel,
      user: "U0ONCALL01",
      text: "anyone looking?",
    });
    await next();
    controller.abort();
    expect(events[1]).toContain("anyone looking?");
  });
});
