import { and, eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import type { SimRepo } from "../../sim/services/github-repo.ts";
import type { RecordedCall } from "../../sim/types.ts";
import { verifyAudit } from "../../src/audit/audit.ts";
import { effects, phaseTransitions } from "../../src/db/schema.ts";
import { handoffMarker } from "../../src/domain/handoff-comment.ts";
import type { Phase } from "../../src/domain/phases.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import { effectKey } from "../../src/runner/effects.ts";
import {
  type DeliveryDeployment,
  deployDelivery,
  holdTable,
  type WorkerProcess,
} from "../setup/delivery-deployment.ts";

/**
 * Issue 14: "SIGKILL of the worker inside each delivery phase → exactly one branch and
 * one PR", and "a crash at any delivery phase and a rerun produce no second branch,
 * commit, PR, label or comment". backend-500-pr with the reference agent, prode deployed
 * as web + a `prode worker` process (the composition root) on real Postgres and Redis:
 * the worker is SIGKILLed (with everything under it, as when its machine dies) while the
 * run is inside the phase, a fresh worker (the composition root's, in the test process)
 * takes the run over once BullMQ finds the job stalled (PRODE_JOB_LOCK_MS, 3 s here), and
 * the world's record must show each repository, Linear and Slack write once.
 *
 * How each kill lands inside its phase, with no timing guess: a phase that writes to a
 * table is stopped at that write by a table lock the test holds (the kill comes once
 * Postgres shows the write waiting); IMPLEMENT is killed while the agent runs (slowed by
 * --delay-ms); OPEN_PR while a GitHub write is on its way (the world delays it, and it
 * lands after the worker died: the rerun must find it rather than write it again).
 */

const SCENARIO = "backend-500-pr";
const REPO = "acme-sim/onboarding-api";
const CREATE_COMMIT = "POST /repos/{owner}/{repo}/git/commits";
const CREATE_REF = "POST /repos/{owner}/{repo}/git/refs";
const UPDATE_REF = "PATCH /repos/{owner}/{repo}/git/refs/heads/{branch}";
const CREATE_PULL = "POST /repos/{owner}/{repo}/pulls";
const ADD_LABELS = "POST /repos/{owner}/{repo}/issues/{issue_number}/labels";
/** A GitHub write on its way when the worker dies takes this long to land. */
const LANDS_AFTER_MS = 3_000;

interface Crash {
  phase: Phase;
  how: string;
  /** The rerun waits out a GitHub write that may still land (60 s, ADR 0002). */
  inFlight?: boolean;
  agentArgs?: string;
  /** Set up before the ticket arrives (faults in the world). */
  arm?(d: DeliveryDeployment): void;
  /**
   * Resolves once the first worker is inside the phase and may be killed, with what
   * undoes the hold after the kill.
   */
  inside(d: DeliveryDeployment, runId: string, worker: WorkerProcess): Promise<() => Promise<void>>;
}

const atPhase = (d: DeliveryDeployment, runId: string, phase: Phase) =>
  d.until(`the run to reach ${phase}`, async () => {
    const run = await d.run(runId);
    if (run.outcome !== null) throw new Error(`the run ended on ${run.outcome} before ${phase}`);
    return run.phase === phase ? true : undefined;
  });

/** Holds `table` from `from` on; resolves once the run, in `phase`, waits on it. */
async function stopAtWrite(
  d: DeliveryDeployment,
  runId: string,
  options: { table: string; from: Phase; phase: Phase },
): Promise<() => Promise<void>> {
  await atPhase(d, runId, options.from);
  const hold = await holdTable(d.t.url, options.table);
  await d.until(`${options.phase} to wait on ${options.table}`, async () =>
    (await d.run(runId)).phase === options.phase && (await hold.blocked()) ? true : undefined,
  );
  return () => hold.release();
}

const effectPending = async (d: DeliveryDeployment, runId: string, name: string) => {
  const [row] = await d.t.db
    .select()
    .from(effects)
    .where(and(eq(effects.key, effectKey(runId, name)), eq(effects.status, "pending")));
  return row && row.attempts > 0 ? true : undefined;
};

const CRASHES: Crash[] = [
  {
    phase: "OPEN_PR",
    how: "between the push and the PR: the branch's ref on its way, landing after the crash",
    inFlight: true,
    arm: (d) =>
      d.world.injectFault({
        service: "github",
        method: CREATE_REF,
        kind: "latency",
        latencyMs: LANDS_AFTER_MS,
        count: 1,
      }),
    async inside(d, runId) {
      await d.until("the push's commit", () =>
        d.world.calls({ service: "github", method: CREATE_COMMIT }).length > 0 ? true : undefined,
      );
      await d.until("the push to be pending", () => effectPending(d, runId, "github.push"));
      return async () => {};
    },
  },
  {
    phase: "OPEN_PR",
    how: "after the push: the PR's creation on its way, landing after the crash",
    inFlight: true,
    arm: (d) =>
      d.world.injectFault({
        service: "github",
        method: CREATE_PULL,
        kind: "latency",
        latencyMs: LANDS_AFTER_MS,
        count: 1,
      }),
    async inside(d, runId) {
      await d.until("the PR's creation to be claimed", () =>
        effectPending(d, runId, "github.pull_request"),
      );
      return async () => {};
    },
  },
  {
    phase: "CREATE_WORKTREE",
    how: "at its code-path artifact, after the base commit was read",
    // The phase's first read (the review-load count) is slowed, so the table is held
    // before its first write even on a loaded machine (it could otherwise finish every
    // write in the moment between seeing the phase and taking the hold: a CI flake).
    arm: (d) =>
      d.world.injectFault({
        service: "github",
        method: "GET /repos/{owner}/{repo}/pulls",
        kind: "latency",
        latencyMs: 2_000,
        count: 1,
      }),
    inside: (d, runId) =>
      stopAtWrite(d, runId, {
        table: "artifacts",
        from: "CREATE_WORKTREE",
        phase: "CREATE_WORKTREE",
      }),
  },
  {
    phase: "IMPLEMENT",
    how: "while the coding agent runs",
    agentArgs: "--delay-ms 4000",
    async inside(d, runId, worker) {
      await atPhase(d, runId, "IMPLEMENT");
      await d.until("the coding agent to run", () =>
        worker.descendants().some((p) => p.cmdline.includes("reference-agent.mjs"))
          ? true
          : undefined,
      );
      return async () => {};
    },
  },
  {
    phase: "VERIFY",
    how: "at its checks artifact, after the checks ran",
    inside: (d, runId) =>
      stopAtWrite(d, runId, { table: "artifacts", from: "VERIFY", phase: "VERIFY" }),
  },
  {
    phase: "REVIEW",
    how: "at its policy decision record",
    inside: (d, runId) =>
      stopAtWrite(d, runId, { table: "policy_decisions", from: "VERIFY", phase: "REVIEW" }),
  },
];

const succeeded = (calls: RecordedCall[], method: string) =>
  calls.filter((c) => c.service === "github" && c.method === method && c.status < 300);

// Every case at once. The cases whose rerun waits out a write in flight go first: the
// others start once those are waiting (or after a bound), so that minute overlaps their
// work on a machine of two cores.
vi.setConfig({ maxConcurrency: CRASHES.length });
let inFlightLeft = CRASHES.filter((c) => c.inFlight).length;
let allWaiting!: () => void;
const inFlightWaiting = new Promise<void>((resolve) => {
  allWaiting = resolve;
});
const oneWaiting = () => {
  inFlightLeft -= 1;
  if (inFlightLeft <= 0) allWaiting();
};

describe.concurrent("a worker SIGKILLed inside a delivery phase", () => {
  it.each(CRASHES)(
    "$phase ($how): the rerun ends with one branch, one commit, one draft PR, labels and comments once",
    async (crash) => {
      if (!crash.inFlight) {
        await Promise.race([inFlightWaiting, new Promise((r) => setTimeout(r, 60_000))]);
      }
      let waiting = false;
      const nowWaiting = () => {
        if (crash.inFlight && !waiting) oneWaiting();
        waiting = true;
      };
      const d = await deployDelivery({
        scenario: SCENARIO,
        ...(crash.agentArgs ? { agentArgs: crash.agentArgs } : {}),
      }).catch((error: unknown) => {
        nowWaiting();
        throw error;
      });
      try {
        crash.arm?.(d);
        const doomed = await d.startWorker("doomed");
        const runId = await d.trigger();
        const undo = await crash.inside(d, runId, doomed);
        await doomed.kill();
        nowWaiting();
        const killedAt = await d.run(runId);
        // The kill landed inside the phase: its way out was never committed.
        expect(killedAt.phase).toBe(crash.phase);
        expect(killedAt.outcome).toBeNull();
        expect(killedAt.leaseOwner).toBe(doomed.id);
        await undo();
        const survivor = await d.startWorkerHere("survivor");

        const run = await d.until(
          "the run to wait for review",
          async () => {
            const row = await d.run(runId);
            return row.outcome !== null || row.phase === "AWAIT_HUMAN_REVIEW" ? row : undefined;
          },
          170_000,
        );
        const transitions = await d.t.db
          .select()
          .from(phaseTransitions)
          .where(eq(phaseTransitions.runId, runId));
        expect(run.phase, JSON.stringify(transitions.slice(-4).map((x) => x.description))).toBe(
          "AWAIT_HUMAN_REVIEW",
        );
        // The phase the worker died in was finished by the survivor.
        expect(transitions.filter((x) => x.fromState === crash.phase).map((x) => x.worker)).toEqual(
          [survivor.resources.workerId],
        );

        const calls = d.world.calls();
        const repo = (d.world.state.github as { repos: Map<string, SimRepo> }).repos.get(REPO)!;
        const state = parseRunContext(run.context).delivery!;
        // One branch, holding one commit made through the Git Data API. A kill after the
        // commit's POST and before the branch's may make the survivor POST it again, but
        // the dates are fixed, so both answers are the same object: no orphaned twin.
        const branches = Object.keys(repo.data.branches).filter((b) => b.startsWith("prode/"));
        expect(branches).toEqual([state.branch]);
        const commits = new Set(
          succeeded(calls, CREATE_COMMIT).map((c) => (c.response as { sha: string }).sha),
        );
        expect(commits.size).toBe(1);
        const [head] = commits;
        expect(repo.data.branches[state.branch!]).toBe(head);
        expect(state.headSha).toBe(head);
        // The branch was created once and never moved (a second push would move it).
        expect(succeeded(calls, CREATE_REF)).toHaveLength(1);
        expect(succeeded(calls, UPDATE_REF)).toEqual([]);
        // One draft PR on it, its labels added once.
        expect(succeeded(calls, CREATE_PULL)).toHaveLength(1);
        expect(repo.pulls).toHaveLength(1);
        const pr = repo.pulls[0]!;
        expect(pr.draft).toBe(true);
        expect(pr.merged).toBe(false);
        expect(pr.head).toBe(state.branch);
        expect(state.pr?.number).toBe(pr.number);
        expect(succeeded(calls, ADD_LABELS)).toHaveLength(1);
        expect(new Set(pr.labels).size).toBe(pr.labels.length);
        expect(pr.labels).toContain("agent-generated");
        // One Linear handoff comment carrying the PR; no Slack message posted twice.
        const ticket = d.world.scenario.ticket.identifier;
        const comments = d.world.state.linear
          .comments(ticket)
          .filter((c) => c.body.includes(handoffMarker(ticket)));
        expect(comments).toHaveLength(1);
        expect(comments[0]!.body).toContain(`pull/${pr.number}`);
        const messages = d.world.state.slack.messages(d.world.scenario.slack.incidentChannel);
        const ofRun = (event: string, kind?: string) =>
          d.world.state.slack
            .withMetadata(event)
            .filter(
              (m) =>
                m.metadata?.event_payload.run_id === runId &&
                (kind === undefined || m.metadata.event_payload.kind === kind),
            );
        expect(ofRun("prode_triage")).toHaveLength(1);
        expect(ofRun("prode_milestone", "handoff")).toHaveLength(1);
        const posted = messages.map((m) => `${m.thread_ts ?? m.ts}\n${m.text}`);
        expect(posted.filter((p, i) => posted.indexOf(p) !== i)).toEqual([]);
        expect(JSON.stringify(messages)).toContain(`pull/${pr.number}`);
        // The worktree is gone (the dead worker's too: same machine, same run directory).
        expect(d.worktrees()).toEqual([]);
        expect((await verifyAudit(d.t.db, { runId })).ok).toBe(true);
      } finally {
        nowWaiting();
        await d.close();
      }
    },
    240_000,
  );
});
