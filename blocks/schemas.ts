/**
 * zod schemas for the view models, for input that arrives as JSON (`prode render`, the
 * simulated world). Objects are strict so a misspelt field is reported, not ignored. The
 * assertions at the bottom fail to compile if a schema and its type drift apart.
 */
import { z } from "zod";
import { OUTCOMES, PHASES } from "../src/domain/phases.ts";
import type {
  AppHomeView,
  ApprovalDecidedView,
  ApprovalRequestView,
  EvidenceBundleView,
  HelpView,
  MilestoneView,
  ParentMessageView,
  StatusView,
} from "./view-models.ts";

const timestamp = z.iso.datetime({ offset: true });
const text = z.string();
const phase = z.enum([...PHASES, "AWAIT_APPROVAL"]);
const outcome = z.enum(OUTCOMES);
const percent = z.number().min(0).max(100);
const impact = z.number().max(0);

const ticket = z.strictObject({ key: z.string().min(1), title: text, url: text.optional() });

const status = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("running") }),
  z.strictObject({ kind: z.literal("waiting_approval") }),
  z.strictObject({ kind: z.literal("waiting_review"), pr: z.number().int().optional() }),
  z.strictObject({ kind: z.literal("paused"), scope: text.optional() }),
  z.strictObject({ kind: z.literal("stopped"), outcome }),
]);

const riskLevel = z.enum(["low", "medium", "high", "critical"]);

const classification = z.strictObject({
  label: z.string().min(1),
  confidence: percent,
  severity: text.optional(),
});

const links = z.strictObject({
  linear: text.optional(),
  sentry: text.optional(),
  pullRequest: text.optional(),
  run: text.optional(),
  thread: text.optional(),
});

/** {@link ParentMessageView} */
export const parentMessageSchema = z.strictObject({
  runId: z.string().min(1),
  ticket,
  service: text.optional(),
  serviceInferred: z.boolean().optional(),
  phase,
  status,
  classification: classification.optional(),
  cause: text.optional(),
  owner: text.optional(),
  firstAction: z.strictObject({ text, risk: riskLevel.optional() }).optional(),
  summary: text.optional(),
  startedAt: timestamp,
  updatedAt: timestamp,
  links,
});

const tool = z.strictObject({
  name: z.string().min(1),
  status: z.enum(["available", "missing", "blocked"]),
  detail: text.optional(),
  confidenceImpact: impact.optional(),
  blocking: z.boolean().optional(),
});

const specialist = z.strictObject({
  id: z.string().min(1),
  status: z.enum(["returned", "skipped", "failed", "timed_out"]),
  reason: text.optional(),
  headline: text.optional(),
  findings: z.number().int().min(0).optional(),
  confidence: percent.optional(),
  durationMs: z.number().min(0).optional(),
});

const milestoneBase = {
  runId: z.string().min(1),
  ticketKey: z.string().min(1),
  at: timestamp,
  artifactUrl: text.optional(),
};

/** {@link MilestoneView} */
export const milestoneSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    ...milestoneBase,
    kind: z.literal("tool_inventory"),
    tools: z.array(tool),
    route: z.array(text),
  }),
  z.strictObject({
    ...milestoneBase,
    kind: z.literal("specialist_results"),
    specialists: z.array(specialist),
  }),
  z.strictObject({
    ...milestoneBase,
    kind: z.literal("decision"),
    decision: z.enum(["proceed", "await_approval", "exit"]),
    outcome: outcome.optional(),
    classification: classification.optional(),
    gatePassed: z.boolean().optional(),
    reason: text,
    nextPhase: phase.optional(),
  }),
  z.strictObject({
    ...milestoneBase,
    kind: z.literal("handoff"),
    outcome,
    summary: text,
    nextSteps: z.array(text),
    owner: text.optional(),
    patch: text.optional(),
    links,
  }),
]);

/** {@link EvidenceBundleView} */
export const evidenceBundleSchema = z.strictObject({
  runId: z.string().min(1),
  ticket,
  service: text.optional(),
  serviceInferred: z.boolean().optional(),
  createdAt: timestamp,
  classification,
  rootCause: text.optional(),
  hypotheses: z.array(
    z.strictObject({
      statement: text,
      status: z.enum(["leading", "open", "rejected"]),
      confidence: percent.optional(),
      evidenceFor: z.array(text),
      evidenceAgainst: z.array(text),
      test: text.optional(),
    }),
  ),
  facts: z.array(
    z.strictObject({
      text,
      source: z.strictObject({
        kind: z.string().min(1),
        ref: z.string().min(1),
        url: text.optional(),
      }),
      observedAt: timestamp.optional(),
    }),
  ),
  gaps: z.array(
    z.strictObject({
      description: text,
      confidenceImpact: impact.optional(),
      blocking: z.boolean().optional(),
    }),
  ),
  specialists: z.array(specialist),
  memory: z.strictObject({
    pages: z.array(
      z.strictObject({
        id: z.string().min(1),
        title: text.optional(),
        url: text.optional(),
        state: z.enum(["read", "stale", "skipped", "absent"]),
      }),
    ),
    recipes: z.array(text),
    negativeControls: z.array(text),
  }),
  artifactUrl: text.optional(),
});

const approvalRequestShape = {
  approvalId: z.string().min(1),
  runId: z.string().min(1),
  ticket,
  action: z.strictObject({
    summary: text,
    kind: z.enum(["sql", "command", "text"]),
    body: text,
    actionClass: z.string().min(1),
    target: text.optional(),
  }),
  digest: z.string().min(1),
  risk: z.strictObject({ level: riskLevel, notes: text.optional() }),
  rollback: text,
  requestedBy: text,
  requestedAt: timestamp,
  expiresAt: timestamp,
};

/** {@link ApprovalRequestView} */
export const approvalRequestSchema = z.strictObject(approvalRequestShape);

/** {@link ApprovalDecidedView} */
export const approvalDecidedSchema = z.strictObject({
  ...approvalRequestShape,
  decision: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("approved"), by: text, at: timestamp }),
    z.strictObject({
      kind: z.literal("rejected"),
      by: text,
      at: timestamp,
      reason: text.optional(),
    }),
    z.strictObject({ kind: z.literal("expired"), at: timestamp }),
  ]),
});

const activeRun = z.strictObject({
  runId: z.string().min(1),
  ticket,
  service: text.optional(),
  phase,
  status,
  classification: classification.optional(),
  startedAt: timestamp,
  waitingApprovals: z.number().int().min(0),
  threadUrl: text.optional(),
});

const pause = z.strictObject({
  scope: z.enum(["global", "team", "service", "capability"]),
  target: text.optional(),
  by: text.optional(),
  since: timestamp.optional(),
  reason: text.optional(),
});

const pendingApproval = z.strictObject({
  approvalId: z.string().min(1),
  runId: z.string().min(1),
  ticket,
  summary: text,
  risk: riskLevel,
  requestedBy: text,
  expiresAt: timestamp,
  messageUrl: text.optional(),
});

/** {@link StatusView} */
export const statusSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("list"),
    runs: z.array(activeRun),
    pauses: z.array(pause),
    moreUrl: text.optional(),
  }),
  z.strictObject({
    kind: z.literal("detail"),
    run: activeRun,
    links,
    timeline: z.array(
      z.strictObject({ state: z.union([phase, outcome]), at: timestamp, note: text.optional() }),
    ),
    approvals: z.array(pendingApproval),
    specialists: z.array(specialist),
    feedback: text.optional(),
  }),
  z.strictObject({ kind: z.literal("not_found"), query: text }),
]);

/** {@link HelpView} */
export const helpSchema = z.strictObject({
  command: z.string().min(1),
  role: z.enum(["viewer", "operator", "approver", "admin"]).optional(),
});

/** {@link AppHomeView} */
export const appHomeSchema = z.strictObject({
  viewerName: text,
  runs: z.array(activeRun),
  approvals: z.array(pendingApproval),
  pauses: z.array(pause),
  moreUrl: text.optional(),
});

/** Compile-time proof that a schema's output and a view model accept the same values. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
function assertSame<_T extends true>(): void {}
assertSame<Same<z.infer<typeof parentMessageSchema>, ParentMessageView>>();
assertSame<Same<z.infer<typeof milestoneSchema>, MilestoneView>>();
assertSame<Same<z.infer<typeof evidenceBundleSchema>, EvidenceBundleView>>();
assertSame<Same<z.infer<typeof approvalRequestSchema>, ApprovalRequestView>>();
assertSame<Same<z.infer<typeof approvalDecidedSchema>, ApprovalDecidedView>>();
assertSame<Same<z.infer<typeof statusSchema>, StatusView>>();
assertSame<Same<z.infer<typeof helpSchema>, HelpView>>();
assertSame<Same<z.infer<typeof appHomeSchema>, AppHomeView>>();
