import { eq } from "drizzle-orm";
import { createSlackWebClient } from "../../src/adapters/slack/client.ts";
import { type ApprovalRow, createApproval } from "../../src/approvals/create.ts";
import type { Db } from "../../src/db/client.ts";
import { runs } from "../../src/db/schema.ts";
import { parseRunContext } from "../../src/domain/run-context.ts";
import type { RunStarter } from "../../src/domain/run-starter.ts";
import { loadPolicy } from "../../src/policy/load.ts";
import { stepEffects } from "../../src/runner/effects.ts";
import type { PhaseContext, RunRow } from "../../src/runner/types.ts";
import type { SlackMessageRef } from "../../src/slack/messages.ts";
import { createSlackNotifier, type SlackNotifier } from "../../src/slack/notifier.ts";
import { quietLog } from "./runner.ts";
import { CHANNEL, type SlackHarness } from "./slack-harness.ts";

const WORKER = "test-worker";
export const STATEMENT =
  "UPDATE onboarding_step_counts c SET completed = t.completed FROM onboarding_totals t WHERE c.workspace_id = t.workspace_id AND c.completed <> t.completed";

/** A phase context on a run leased by {@link WORKER}: the real effect ledger, no engine. */
export function leasedContext(db: Db, run: RunRow): PhaseContext {
  return {
    run,
    context: parseRunContext(run.context),
    phase: run.phase as PhaseContext["phase"],
    db,
    log: quietLog,
    signal: new AbortController().signal,
    now: () => new Date(),
    ...stepEffects(db, { runId: run.id, fencing: run.fencing, workerId: WORKER }),
  };
}

export async function insertLeasedRun(
  db: Db,
  id: string,
  values: Partial<typeof runs.$inferInsert> = {},
): Promise<RunRow> {
  const [run] = await db
    .insert(runs)
    .values({
      id,
      ticket: `ENG-${Math.floor(Math.random() * 9000) + 1000}`,
      phase: "CLASSIFY",
      seq: 7,
      fencing: 1,
      leaseOwner: WORKER,
      leaseExpiresAt: new Date(Date.now() + 60_000),
      context: { title: "Completed-step counts disagree with totals", service: "onboarding-api" },
      ...values,
    })
    .returning();
  return run!;
}

function notifierFor(h: SlackHarness): SlackNotifier {
  return createSlackNotifier({
    client: createSlackWebClient({
      token: h.world.scenario.slack.botToken,
      apiUrl: h.world.urls.slack,
    }),
    channel: CHANNEL,
  });
}

export interface PostedApproval {
  run: RunRow;
  approval: ApprovalRow;
  message: SlackMessageRef;
}

/**
 * A run that asked for a production write in CLASSIFY: the approval is created, its
 * request message posted in the ticket's thread by the notifier, and the run left
 * waiting in AWAIT_APPROVAL (to resume at CREATE_WORKTREE), lease released.
 */
export async function waitingApproval(
  h: SlackHarness,
  options: {
    requester?: string | RunStarter;
    createdAt?: Date;
    runId?: string;
    context?: Record<string, unknown>;
  } = {},
): Promise<PostedApproval> {
  const run = await insertLeasedRun(
    h.t.db,
    options.runId ?? `run_apr_${Math.random().toString(36).slice(2, 10)}`,
    options.context
      ? {
          context: {
            title: "Completed-step counts disagree with totals",
            service: "onboarding-api",
            ...options.context,
          },
        }
      : {},
  );
  const policy = await loadPolicy(h.policyDir);
  const approval = await createApproval(
    h.t.db,
    policy,
    {
      runId: run.id,
      action: "production_write",
      detail: STATEMENT,
      risk: "high: rewrites derived rows for 3 workspaces",
      rollback: "re-run the nightly aggregation job",
      requester: options.requester ?? "prode",
      scope: {
        summary: "Backfill stale onboarding_step_counts rows",
        target: "onboarding-db (primary)",
      },
    },
    options.createdAt,
  );
  const notifier = notifierFor(h);
  const ctx = leasedContext(h.t.db, run);
  await notifier.syncParent(ctx, { run });
  const message = await notifier.postApprovalRequest(ctx, approval.id, { run });
  const [waiting] = await h.t.db
    .update(runs)
    .set({
      phase: "AWAIT_APPROVAL",
      resumePhase: "CREATE_WORKTREE",
      leaseOwner: null,
      leaseExpiresAt: null,
      seq: 8,
    })
    .where(eq(runs.id, run.id))
    .returning();
  return { run: waiting!, approval, message: message! };
}
