import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formBody } from "../../src/adapters/slack/signing.ts";
import { auditEvents, deliveries, killSwitches, runs } from "../../src/db/schema.ts";
import {
  CHANNEL,
  commandBody,
  ephemeralsFor,
  type SlackHarness,
  startSlackHarness,
  USERS,
} from "../setup/slack-harness.ts";

let h: SlackHarness;
beforeEach(async () => {
  h = await startSlackHarness();
});
afterEach(async () => {
  await h.close();
});

const textOf = (e: { text: string; blocks?: unknown[] }) =>
  `${e.text}\n${JSON.stringify(e.blocks ?? [])}`;

describe("the Bolt app on our HTTP server: signatures", () => {
  it("answers a validly signed command 200 and replies ephemerally", async () => {
    const res = await h.command("help", USERS.oncall);
    expect(res.status).toBe(200);
    await h.slack.idle();
    const replies = ephemeralsFor(h.world, USERS.oncall);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.channel).toBe(CHANNEL);
    expect(textOf(replies[0]!)).toContain("/prode status");
    // The caller's role comes from policy: the on-call engineer is an operator.
    expect(textOf(replies[0]!)).toContain("Your role: *operator*");
  });

  it("refuses a bad signature with 401 and does nothing", async () => {
    const res = await h.post(commandBody("triage ENG-1", USERS.oncall), {
      secret: "not-the-secret",
    });
    expect(res.status).toBe(401);
    await h.slack.idle();
    expect(await h.triaged()).toHaveLength(0);
    expect(h.world.calls({ service: "slack", method: "chat.postEphemeral" })).toHaveLength(0);
  });

  it("refuses a timestamp older than five minutes with 401, even when correctly signed", async () => {
    const old = Math.floor(Date.now() / 1000) - 5 * 60 - 5;
    const res = await h.post(commandBody("triage ENG-1", USERS.oncall), { timestampSec: old });
    expect(res.status).toBe(401);
    await h.slack.idle();
    expect(await h.triaged()).toHaveLength(0);
  });

  it("answers 404 for paths the receiver does not own", async () => {
    const res = await fetch(h.url.replace("/slack/events", "/slack/other"), {
      method: "POST",
      body: "x",
    });
    expect(res.status).toBe(404);
  });

  it("acts once on a retried delivery (X-Slack-Retry-Num, same body)", async () => {
    const body = commandBody("triage ENG-77", USERS.oncall);
    expect((await h.post(body)).status).toBe(200);
    await h.slack.idle();
    expect((await h.post(body, { retryNum: 1 })).status).toBe(200);
    expect((await h.post(body, { retryNum: 2 })).status).toBe(200);
    await h.slack.idle();
    expect(await h.triaged()).toEqual([{ ticket: "ENG-77", actor: `slack:${USERS.oncall}` }]);
    expect(ephemeralsFor(h.world, USERS.oncall)).toHaveLength(1);
    const rows = await h.t.db.select().from(deliveries).where(eq(deliveries.source, "slack"));
    expect(rows).toHaveLength(1);
  });

  it("acts once when the same delivery arrives twice at the same time", async () => {
    const body = commandBody("triage ENG-78", USERS.oncall);
    const answers = await Promise.all([h.post(body), h.post(body, { retryNum: 1 })]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await h.slack.idle();
    expect(await h.triaged()).toHaveLength(1);
  });
});

describe("/prode commands", () => {
  async function ask(text: string, user: string): Promise<string> {
    const before = ephemeralsFor(h.world, user).length;
    expect((await h.command(text, user)).status).toBe(200);
    await h.slack.idle();
    const replies = ephemeralsFor(h.world, user);
    expect(replies.length).toBe(before + 1);
    return textOf(replies.at(-1)!);
  }

  it("explains an unknown subcommand and bad arguments, with the help", async () => {
    const unknown = await ask("frobnicate", USERS.oncall);
    expect(unknown).toContain("Unknown subcommand `frobnicate`");
    expect(unknown).toContain("/prode triage");
    expect(await ask("triage not-a-ticket", USERS.oncall)).toContain("takes one Linear ticket key");
    expect(await ask("pause region eu", USERS.dba)).toContain("Unknown scope `region`");
    expect(await ask("pause capability launch_rockets", USERS.dba)).toContain("unknown capability");
    expect(await ask("status ENG-1 ENG-2", USERS.oncall)).toContain("at most one ticket");
  });

  it("does not echo a secret typed as a subcommand", async () => {
    const token = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5z";
    const answer = await ask(token, USERS.oncall);
    expect(answer).toContain("Unknown subcommand `[REDACTED:github_token]`");
    expect(answer).not.toContain(token);
  });

  it("lists active runs, shows one in detail, and says when none matches", async () => {
    await h.t.db.insert(runs).values([
      {
        id: "run_a",
        ticket: "ENG-101",
        phase: "WAIT_FOR_EVIDENCE",
        context: { title: "Onboarding 500s", service: "onboarding-api" },
      },
      {
        id: "run_b",
        ticket: "ENG-102",
        phase: "AWAIT_APPROVAL",
        resumePhase: "CREATE_WORKTREE",
        context: {},
      },
      {
        id: "run_c",
        ticket: "ENG-103",
        phase: "RUN_COMPLETE",
        outcome: "RUN_COMPLETE",
        endedAt: new Date(),
      },
    ]);
    const list = await ask("status", USERS.support);
    expect(list).toContain("2 active runs");
    expect(list).toContain("ENG-101");
    expect(list).toContain("Onboarding 500s");
    expect(list).toContain("ENG-102");
    expect(list).not.toContain("ENG-103");

    const detail = await ask("status eng-101", USERS.support);
    expect(detail).toContain("ENG-101 · Onboarding 500s");
    expect(detail).toContain("WAIT_FOR_EVIDENCE");

    expect(await ask("status ENG-999", USERS.support)).toContain("No run found");
  });

  it("redacts what it quotes from outside: titles and kill-switch reasons", async () => {
    await h.t.db.insert(runs).values({
      id: "run_r",
      ticket: "ENG-300",
      phase: "PRECHECK",
      context: { title: "Refund failed for jane.doe@example.com" },
    });
    const list = await ask("status", USERS.support);
    expect(list).toContain("[REDACTED:email]");
    expect(list).not.toContain("jane.doe@example.com");
    const paused = await ask("pause global ping ops@example.com first", USERS.dba);
    expect(paused).toContain("Paused *global*");
    expect(await ask("status", USERS.support)).not.toContain("ops@example.com");
  });

  it("starts a triage for an operator and refuses a viewer, auditing the refusal", async () => {
    expect(await ask("triage eng-5", USERS.oncall)).toContain("Started triage of *ENG-5*");
    expect(await h.triaged()).toEqual([{ ticket: "ENG-5", actor: `slack:${USERS.oncall}` }]);
    expect(await ask("triage ENG-5", USERS.oncall)).toContain("already has an active run");

    expect(await ask("triage ENG-6", USERS.support)).toContain("needs the operator role");
    // The second ENG-5 joined the active run; the viewer's ENG-6 was refused.
    expect(await h.triaged()).toHaveLength(1);
    const refused = await h.t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, "triage.refused"));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      actor: `slack:${USERS.support}`,
      payload: { ticket: "ENG-6", reason: "not_operator" },
    });
  });

  it("pauses and resumes for admins only, audited either way", async () => {
    expect(await ask("pause team payments deploy freeze", USERS.lead)).toContain(
      "Only prode admins may pause",
    );
    expect(await h.t.db.select().from(killSwitches)).toHaveLength(0);

    expect(await ask("pause team payments deploy freeze", USERS.dba)).toContain(
      "Paused *team payments*",
    );
    const [sw] = await h.t.db.select().from(killSwitches);
    expect(sw).toMatchObject({
      scope: "team",
      value: "payments",
      engaged: true,
      actor: `slack:${USERS.dba}`,
      reason: "deploy freeze",
    });
    expect(await ask("pause team payments", USERS.dba)).toContain("Already paused");
    expect(await ask("status", USERS.support)).toContain("Kill switches engaged");

    expect(await ask("resume team payments", USERS.dba)).toContain("Resumed *team payments*");
    const [released] = await h.t.db.select().from(killSwitches);
    expect(released?.engaged).toBe(false);

    const audit = await h.t.db.select().from(auditEvents).where(eq(auditEvents.chain, "global"));
    expect(audit.map((a) => a.type)).toEqual([
      "kill_switch.refused",
      "kill_switch.engaged",
      "kill_switch.released",
    ]);
    expect(audit[0]).toMatchObject({
      actor: `slack:${USERS.lead}`,
      payload: { reason: "not_admin", role: "approver" },
    });
  });

  it("falls back to the response_url where the bot cannot post ephemerally", async () => {
    const seen: string[] = [];
    const { createServer } = await import("node:http");
    const sink = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push(body);
        res.end("ok");
      });
    });
    await new Promise<void>((r) => sink.listen(0, "127.0.0.1", () => r()));
    const port = (sink.address() as { port: number }).port;
    try {
      const res = await h.post(
        commandBody("help", USERS.oncall, {
          channel_id: "D0NOTACHANNEL",
          response_url: `http://127.0.0.1:${port}/respond`,
        }),
      );
      expect(res.status).toBe(200);
      await h.slack.idle();
      expect(seen).toHaveLength(1);
      expect(JSON.parse(seen[0]!)).toMatchObject({
        response_type: "ephemeral",
        replace_original: false,
      });
    } finally {
      await new Promise<void>((r) => sink.close(() => r()));
    }
  });
});

describe("App Home", () => {
  it("publishes the active runs and the approvals waiting for the viewer", async () => {
    await h.t.db.insert(runs).values({
      id: "run_h",
      ticket: "ENG-200",
      phase: "AWAIT_APPROVAL",
      context: { title: "Stale counts" },
    });
    const { createApproval } = await import("../../src/approvals/create.ts");
    const { loadPolicy } = await import("../../src/policy/load.ts");
    const policy = await loadPolicy(h.policyDir);
    await createApproval(h.t.db, policy, {
      runId: "run_h",
      action: "production_write",
      detail: "UPDATE step_counts SET n = 0 WHERE id = 1",
      risk: "high: one row",
      rollback: "restore n",
      requester: "prode",
      scope: { summary: "Reset one stale count" },
    });
    const event = (user: string, id: string) =>
      JSON.stringify({
        token: "t",
        team_id: "T0ACMESIM",
        api_app_id: "A0PRODEAPP",
        type: "event_callback",
        event_id: id,
        event_time: Math.floor(Date.now() / 1000),
        event: {
          type: "app_home_opened",
          user,
          channel: "D0X",
          tab: "home",
          event_ts: `${Date.now() / 1000}`,
        },
      });
    const json = { contentType: "application/json" };
    expect((await h.post(event(USERS.lead, "Ev1"), json)).status).toBe(200);
    expect((await h.post(event(USERS.backend, "Ev2"), json)).status).toBe(200);
    // Slack retries an event with the same event_id: published once.
    expect((await h.post(event(USERS.backend, "Ev2"), { ...json, retryNum: 1 })).status).toBe(200);
    await h.slack.idle();

    const lead = JSON.stringify(h.world.state.slack.homeView(USERS.lead)?.view);
    expect(lead).toContain("Waiting for your approval* (1)");
    expect(lead).toContain("Reset one stale count");
    expect(lead).toContain("ENG-200");
    // Someone with no role in prode's policy sees no approval and no run (issue 18.9).
    const other = JSON.stringify(h.world.state.slack.homeView(USERS.backend)?.view);
    expect(other).toContain("Waiting for your approval* (0)");
    expect(other).not.toContain("ENG-200");
    expect(h.world.calls({ service: "slack", method: "views.publish" })).toHaveLength(2);
    expect(
      await h.t.db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.source, "slack"), eq(deliveries.deliveryId, "event:Ev2"))),
    ).toHaveLength(1);
  });
});

it("builds form bodies the way Slack posts them", () => {
  expect(formBody({ text: "status ENG-1", command: "/prode" })).toBe(
    "text=status+ENG-1&command=%2Fprode",
  );
});
