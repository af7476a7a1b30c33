import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { KillSwitchScope, PolicyDecision } from "../policy/types.ts";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const createdAt = () => at("created_at").notNull().defaultNow();

/**
 * One row per run. `phase` is the current state (a phase, or the terminal outcome's
 * phase); `outcome` is set once, when the run stops. `seq` counts transitions: the job
 * for a phase execution is `${id}.${seq}`, so re-enqueueing the same step deduplicates.
 * The lease (owner, expiry) and `fencing` make one worker the writer at a time.
 */
export const runs = pgTable(
  "runs",
  {
    id: text("id").primaryKey(),
    ticket: text("ticket").notNull(),
    phase: text("phase").notNull(),
    outcome: text("outcome"),
    seq: integer("seq").notNull().default(0),
    /** The exit a phase chose; the run hands off, then stops on it. */
    pendingOutcome: text("pending_outcome"),
    /** Where AWAIT_APPROVAL resumes once the approval is decided. */
    resumePhase: text("resume_phase"),
    /**
     * When the current step is due: set by a phase that checks again later (a delayed job,
     * POST_MERGE_MONITOR's re-checks), cleared by every other transition. The queue's
     * delayed job is only the wake-up call; the reconciler re-enqueues a lost one with the
     * time left from here, and the engine defers a step woken before it.
     */
    wakeAt: at("wake_at"),
    attempt: integer("attempt").notNull().default(0),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: at("lease_expires_at"),
    fencing: bigint("fencing", { mode: "number" }).notNull().default(0),
    trigger: text("trigger").notNull().default("manual"),
    /**
     * The run's context as stored: read it through `parseRunContext`
     * (src/domain/run-context.ts), which is why it is not typed here.
     */
    context: jsonb("context").$type<unknown>().notNull().default({}),
    needsHuman: text("needs_human"),
    error: text("error"),
    createdAt: createdAt(),
    updatedAt: at("updated_at").notNull().defaultNow(),
    phaseStartedAt: at("phase_started_at").notNull().defaultNow(),
    endedAt: at("ended_at"),
  },
  (t) => [
    // One ticket has at most one active run (DESIGN.md, Intake).
    uniqueIndex("runs_one_active_per_ticket").on(t.ticket).where(sql`${t.outcome} is null`),
    index("runs_active_by_created").on(t.createdAt).where(sql`${t.outcome} is null`),
    index("runs_ticket_created").on(t.ticket, t.createdAt),
  ],
);

/** Append-only; one row per committed transition, with the fencing counter that wrote it. */
export const phaseTransitions = pgTable(
  "phase_transitions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: text("run_id")
      .notNull()
      .references(() => runs.id),
    seq: integer("seq").notNull(),
    fromState: text("from_state").notNull(),
    toState: text("to_state").notNull(),
    fencing: bigint("fencing", { mode: "number" }).notNull(),
    worker: text("worker"),
    description: text("description").notNull().default(""),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("phase_transitions_run_seq").on(t.runId, t.seq)],
);

/** The idempotency ledger: key = run + effect name. */
export const effects = pgTable(
  "effects",
  {
    key: text("key").primaryKey(),
    runId: text("run_id")
      .notNull()
      .references(() => runs.id),
    name: text("name").notNull(),
    status: text("status").$type<"pending" | "done">().notNull(),
    externalId: text("external_id"),
    result: jsonb("result"),
    attempts: integer("attempts").notNull().default(0),
    fencing: bigint("fencing", { mode: "number" }).notNull(),
    /** Until when the last attempt may still land remotely (ADR 0002): reconcile waits for it. */
    inFlightUntil: at("in_flight_until"),
    createdAt: createdAt(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("effects_run").on(t.runId),
    // A thread's run (a follow-up question in it): the parent message's ts, parents only.
    index("effects_parent_ts").on(sql`(${t.result}->>'ts')`).where(sql`${t.name} = 'slack.parent'`),
  ],
);

/** Redacted outputs, addressed by sha256 of the stored (already redacted) body. */
export const artifacts = pgTable(
  "artifacts",
  {
    sha256: text("sha256").notNull(),
    runId: text("run_id")
      .notNull()
      .references(() => runs.id),
    kind: text("kind").notNull(),
    name: text("name").notNull(),
    contentType: text("content_type").notNull().default("application/json"),
    body: text("body").notNull(),
    redaction: jsonb("redaction").$type<Record<string, number>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.sha256] }), index("artifacts_sha").on(t.sha256)],
);

export type ApprovalStatus = "pending" | "approved" | "rejected" | "expired" | "consumed";

export const approvals = pgTable(
  "approvals",
  {
    id: text("id").primaryKey(),
    runId: text("run_id")
      .notNull()
      .references(() => runs.id),
    action: text("action").notNull(),
    /** sha256 of the exact action proposed; a click is refused when it changed. */
    digest: text("digest").notNull(),
    /** The exact action (e.g. the SQL statement a human will run), redacted. */
    detail: text("detail").notNull().default(""),
    risk: text("risk").notNull().default(""),
    rollback: text("rollback").notNull().default(""),
    scope: jsonb("scope").$type<Record<string, string>>().notNull().default({}),
    requester: text("requester").notNull(),
    approver: text("approver"),
    status: text("status").$type<ApprovalStatus>().notNull().default("pending"),
    reason: text("reason"),
    expiresAt: at("expires_at").notNull(),
    decidedAt: at("decided_at"),
    consumedAt: at("consumed_at"),
    createdAt: createdAt(),
  },
  (t) => [
    index("approvals_pending_expiry").on(t.expiresAt).where(sql`${t.status} = 'pending'`),
    index("approvals_run").on(t.runId),
  ],
);

/**
 * Append-only and hash-chained per chain (`run:<id>` or `global`):
 * hash = sha256(prev_hash || canonical_json(event)).
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    chain: text("chain").notNull(),
    seq: integer("seq").notNull(),
    runId: text("run_id"),
    type: text("type").notNull(),
    actor: text("actor").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: at("created_at").notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [uniqueIndex("audit_chain_seq").on(t.chain, t.seq)],
);

export const policyDecisions = pgTable(
  "policy_decisions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    runId: text("run_id"),
    action: text("action").notNull(),
    decision: text("decision").$type<PolicyDecision>().notNull(),
    matchedRules: jsonb("matched_rules").$type<string[]>().notNull().default([]),
    explanation: text("explanation").notNull(),
    policyHash: text("policy_hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("policy_decisions_run").on(t.runId)],
);

export const killSwitches = pgTable(
  "kill_switches",
  {
    scope: text("scope").$type<KillSwitchScope>().notNull(),
    value: text("value").notNull().default(""),
    engaged: boolean("engaged").notNull(),
    reason: text("reason").notNull().default(""),
    actor: text("actor").notNull(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.value] })],
);

/** Webhook and interaction deliveries already accepted, for deduplication. */
export const deliveries = pgTable(
  "deliveries",
  {
    source: text("source").notNull(),
    deliveryId: text("delivery_id").notNull(),
    runId: text("run_id"),
    receivedAt: at("received_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.source, t.deliveryId] })],
);

/**
 * The head of each audit chain, updated with every append, so that deleting the newest
 * rows of a chain is detected as well as altering or removing older ones.
 */
export const auditHeads = pgTable("audit_heads", {
  chain: text("chain").primaryKey(),
  seq: integer("seq").notNull(),
  hash: text("hash").notNull(),
});

/**
 * What the on-call said about a run's verdict (issue 19.3): one row per run and Slack
 * user, so a second click replaces the first (each change audited). `correctOutcome` is
 * the exit the user says was right, set when the verdict was wrong.
 */
export const verdictFeedback = pgTable(
  "verdict_feedback",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id),
    userId: text("user_id").notNull(),
    verdict: text("verdict").$type<"right" | "wrong">().notNull(),
    /** The run's outcome when the feedback was given (what the user judged). */
    prodeOutcome: text("prode_outcome"),
    correctOutcome: text("correct_outcome"),
    createdAt: createdAt(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.userId] })],
);

/**
 * One candidate learning per finished run (issue 15.4), written by
 * WRITE_CANDIDATE_LEARNING, redacted before insert, and exported for human review by
 * `prode learnings export` (workers never write a local file). `runId` is the key, so a
 * rerun of the phase rewrites the same row. `monitorVerdict` is the post-merge monitor's
 * verdict when the run had one.
 */
export const learnings = pgTable(
  "learnings",
  {
    runId: text("run_id")
      .primaryKey()
      .references(() => runs.id),
    ticket: text("ticket").notNull(),
    outcome: text("outcome").notNull(),
    class: text("class"),
    confidence: integer("confidence"),
    /** The gate's decision (proceed_to_delivery or exit) and its reasons. */
    decision: text("decision"),
    reasons: jsonb("reasons").$type<string[]>().notNull().default([]),
    /** What helped: the evidence the leading hypothesis rested on, in a few words each. */
    helped: jsonb("helped").$type<string[]>().notNull().default([]),
    /** What was missing: the classification's gaps and the tools that were not available. */
    gaps: jsonb("gaps").$type<string[]>().notNull().default([]),
    /** The wiki pages that steered routing (routing only, never proof). */
    wikiPages: jsonb("wiki_pages").$type<string[]>().notNull().default([]),
    monitorVerdict: text("monitor_verdict"),
    prUrl: text("pr_url"),
    createdAt: createdAt(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [index("learnings_created").on(t.createdAt)],
);
