import { and, eq, like } from "drizzle-orm";
import { expect, it } from "vitest";
import { verifyAudit } from "../../src/audit/audit.ts";
import { effects, phaseTransitions } from "../../src/db/schema.ts";
import { handoffMarker } from "../../src/domain/handoff-comment.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import { deployDelivery } from "../setup/delivery-deployment.ts";
import { policyWithMonitor } from "../setup/monitor-policy.ts";

/**
 * Issue 15: "a crash during the monitor produces no duplicate posts or comments". prode
 * deployed as web + a `prode worker` process (the composition root) on real Postgres and
 * Redis; the PR is merged by hand (the worker's reconciler polls it), nothing deploys it,
 * and a one-second monitor window ends the watch at once. The verdict is committed, then
 * its post starts: the thread reply is posted and the Linear comment's update is on its way
 * (the world delays it) when the worker is SIGKILLed. A fresh worker takes the run over;
 * the world's record must show one handoff comment carrying the verdict, one verdict reply
 * and no Slack message posted twice.
 */

const REPO = "acme-sim/onboarding-api";
const LANDS_AFTER_MS = 3_000;

it("a worker SIGKILLed while the monitor posts its verdict: the rerun posts nothing twice", async () => {
  const d = await deployDelivery({ scenario: "backend-500-pr" });
  const policy = policyWithMonitor({
    window_seconds: 1,
    recheck_seconds: 1,
    min_observation_seconds: 1,
  });
  try {
    // The workers (started below) read these: the short window, and a quick PR poll.
    d.env.PRODE_POLICY_DIR = policy.dir;
    d.env.PRODE_PR_POLL_MS = "300";
    const doomed = await d.startWorker("doomed");
    const runId = await d.trigger();
    const waiting = await d.until(
      "the run to wait for review",
      async () => {
        const row = await d.run(runId);
        return row.outcome !== null || row.phase === "AWAIT_HUMAN_REVIEW" ? row : undefined;
      },
      170_000,
    );
    expect(waiting.phase).toBe("AWAIT_HUMAN_REVIEW");
    const pr = parseRunContext(waiting.context).delivery!.pr!.number;

    // The next comment update (the verdict's) lands after the worker died.
    d.world.injectFault({
      service: "linear",
      method: "commentUpdate",
      kind: "latency",
      latencyMs: LANDS_AFTER_MS,
      count: 1,
    });
    const merged = await fetch(`${d.world.urls.github}/_sim/repos/${REPO}/pulls/${pr}/merge`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ by: "reviewer-ana" }),
    });
    expect(merged.ok).toBe(true);
    await d.until("the verdict's comment update on its way", async () => {
      const [row] = await d.t.db
        .select()
        .from(effects)
        .where(
          and(
            eq(effects.runId, runId),
            like(effects.name, "linear.comment.update.%"),
            eq(effects.status, "pending"),
          ),
        );
      return row && row.attempts > 0 ? true : undefined;
    });
    await doomed.kill();
    const killedAt = await d.run(runId);
    // Killed inside the post: the verdict committed, the step's way out not.
    expect(killedAt.phase).toBe("POST_MERGE_MONITOR");
    expect(killedAt.outcome).toBeNull();
    expect(parseRunContext(killedAt.context).delivery?.monitor?.verdict).toBe("inconclusive");

    const survivor = await d.startWorkerHere("survivor");
    const done = await d.until(
      "the run's end",
      async () => {
        const row = await d.run(runId);
        return row.outcome !== null ? row : undefined;
      },
      120_000,
    );
    expect(done.outcome).toBe("RUN_COMPLETE");
    const transitions = await d.t.db
      .select()
      .from(phaseTransitions)
      .where(eq(phaseTransitions.runId, runId));
    // One verdict, committed before the crash; the post finished by the survivor.
    expect(
      transitions.filter((x) => /^inconclusive after \d+ check/.test(x.description)),
    ).toHaveLength(1);
    expect(
      transitions
        .filter((x) => x.fromState === "POST_MERGE_MONITOR" && x.toState !== "POST_MERGE_MONITOR")
        .map((x) => x.worker),
    ).toEqual([survivor.resources.workerId]);

    // One handoff comment, carrying the verdict.
    const ticket = d.world.scenario.ticket.identifier;
    const comments = d.world.state.linear
      .comments(ticket)
      .filter((c) => c.body.includes(handoffMarker(ticket)));
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body.replace(/\\/g, "")).toContain("After the merge: inconclusive");
    const verdictUpdates = d.world
      .calls({ service: "linear", method: "commentUpdate" })
      .filter((c) => JSON.stringify(c.body).replace(/\\/g, "").includes("After the merge"));
    expect(verdictUpdates).toHaveLength(1);
    // No Slack message posted twice.
    const messages = d.world.state.slack.messages(d.world.scenario.slack.incidentChannel);
    const posted = messages.map((m) => `${m.thread_ts ?? m.ts}\n${m.text}`);
    expect(posted.filter((p, i) => posted.indexOf(p) !== i)).toEqual([]);
    expect(
      d.world.state.slack
        .withMetadata("prode_triage")
        .filter((m) => m.metadata?.event_payload.run_id === runId),
    ).toHaveLength(1);
    // The verdict's one thread reply (an edited parent notifies no one): posted before the
    // kill, found by the survivor's rerun through the ledger, not posted again.
    const replies = d.world.state.slack
      .withMetadata("prode_milestone")
      .filter(
        (m) =>
          m.metadata?.event_payload.run_id === runId &&
          m.metadata.event_payload.kind === "monitor_verdict",
      );
    expect(replies).toHaveLength(1);
    expect(replies[0]!.thread_ts).toBeDefined();
    expect(replies[0]!.text).toContain(`after the merge of PR #${pr}: inconclusive`);
    expect((await verifyAudit(d.t.db, { runId })).ok).toBe(true);
  } finally {
    await d.close();
    policy.remove();
  }
}, 300_000);
