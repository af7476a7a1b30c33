import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScenario } from "../../sim/demo/run-scenario.ts";
import type { SlackMessage } from "../../sim/services/slack-workspace.ts";
import { createTestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";

/**
 * What the on-call sees (issue 19.1): the four reference scenarios through the real
 * runner and the simulated Slack, read as a person reads the thread. The parent message
 * leads with the verdict in words and the cause, its notification is that verdict (no
 * phase or outcome names), the progress bar is gone once the run stopped, and the
 * decision reply says what prode does next. The approval message is titled in words and
 * carries the same risk level as the first action in the parent message.
 */

const REFERENCE = ["backend-500-pr", "queue-alarm-infra", "db-state-approval", "abort-noise"];

interface Thread {
  parent: SlackMessage;
  replies: SlackMessage[];
  outcome: string;
  /** The run's start and the world's clock when it was triggered. */
  createdAt: Date;
  worldNow: Date;
}

const threads = new Map<string, Thread>();

async function readThread(name: string): Promise<Thread> {
  const t = await createTestDb();
  const prefix = testQueuePrefix();
  let result: Awaited<ReturnType<typeof runScenario>> | undefined;
  try {
    result = await runScenario({
      scenario: name,
      ...harnessOpts(t, prefix),
      replicaAdminUrl: TEST_ADMIN_URL,
      timeoutMs: 45_000,
    });
    const channel = result.scenario.slack.incidentChannel;
    const slack = result.world.state.slack;
    const parent = slack.withMetadata("prode_triage", channel)[0];
    if (!parent) throw new Error(`${name}: no parent message`);
    const replies = slack.thread(channel, parent.ts).filter((m) => m.ts !== parent.ts);
    return {
      parent,
      replies,
      outcome: result.run.outcome ?? "",
      createdAt: result.run.createdAt,
      worldNow: result.world.now(),
    };
  } finally {
    await result?.close();
    await dropQueuePrefix(prefix);
    await t.drop();
  }
}

function blockTexts(m: SlackMessage): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === "text" && typeof x === "string") out.push(x);
        else walk(x);
      }
    }
  };
  walk(m.blocks ?? []);
  return out;
}

function kindOf(m: SlackMessage): string | undefined {
  return m.metadata?.event_type === "prode_milestone"
    ? String(m.metadata.event_payload.kind)
    : m.metadata?.event_type;
}

beforeAll(async () => {
  for (const name of REFERENCE) threads.set(name, await readThread(name));
}, 240_000);

afterAll(() => threads.clear());

describe.each(REFERENCE)("%s: the thread leads with the answer", (name) => {
  const thread = () => threads.get(name)!;

  it("the notification is the verdict sentence, with no phase or outcome name", () => {
    const { parent } = thread();
    expect(parent.text).toMatch(/^\S+ · .+\.( Cause: .+)?$/);
    expect(parent.text).not.toMatch(/[A-Z]+_[A-Z_]+|Phase \d+\/\d+/);
  });

  it("the first screen has the verdict with its outcome, the cause, confidence and the links", () => {
    const { parent, outcome } = thread();
    const firstScreen = (parent.blocks ?? []).slice(0, 3);
    const text = blockTexts({ ...parent, blocks: firstScreen }).join("\n");
    expect(text).toContain(`\`${outcome}\``);
    expect(text).toContain("*Cause:*");
    expect(text).toContain("*Confidence*");
    const all = blockTexts(parent).join("\n");
    expect(all).toMatch(/\|Linear>/);
    // Stopped: no progress bar, no phase name, times that stay true.
    expect(all).not.toContain("▰");
    expect(all).not.toMatch(/Phase \d+\/\d+/);
    expect(all).toContain("({ago})");
  });

  it("a run starts by the clock prode runs on, so 'Started' is never in the future", () => {
    for (const [name, t] of threads) {
      const skewMs = Math.abs(t.createdAt.getTime() - t.worldNow.getTime());
      expect(skewMs, name).toBeLessThan(10 * 60_000);
    }
  });

  it("the decision reply says what prode does next, once", () => {
    const decision = thread().replies.find((m) => kindOf(m) === "decision");
    expect(decision).toBeDefined();
    expect(decision!.text).toContain("next: prode");
    const text = blockTexts(decision!).join("\n");
    expect(text).not.toContain("Decision: stop");
    expect(text.match(/threshold/g)?.length ?? 0).toBeLessThanOrEqual(1);
  });

  it("the evidence reply does not repeat the specialist reply", () => {
    const replies = thread().replies;
    const evidence = replies.find((m) => kindOf(m) === "evidence_bundle");
    expect(evidence).toBeDefined();
    expect(blockTexts(evidence!).join("\n")).not.toContain("*Specialists*");
  });
});

describe("an approval in the thread", () => {
  it("is titled by the action in words and carries the parent's risk level", () => {
    const { parent, replies } = threads.get("db-state-approval")!;
    const approval = replies.find((m) => m.metadata?.event_type === "prode_approval");
    expect(approval).toBeDefined();
    const title = blockTexts({ ...approval!, blocks: (approval!.blocks ?? []).slice(1, 2) })[0];
    expect(title).toMatch(/^\*[A-Z][a-z]/);
    expect(title).not.toContain("--");
    const approvalRisk = /\*Risk\*\n\S+ (low|medium|high|critical)/.exec(
      blockTexts(approval!).join("\n"),
    )?.[1];
    const parentRisk = /\*First action\*\n.* · risk (low|medium|high|critical)/.exec(
      blockTexts(parent).join("\n"),
    )?.[1];
    expect(approvalRisk).toBeDefined();
    expect(parentRisk).toBe(approvalRisk);
  });
});
