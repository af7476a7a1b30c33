/**
 * fast-check arbitraries for every view model, biased towards what breaks Slack
 * messages: huge lists, 10,000-character strings, mrkdwn control sequences, backticks,
 * emoji and surrogate pairs, malformed URLs and timestamps (the builders of such input are
 * in ./hostile.ts). Test-only.
 */
import fc from "fast-check";
import { APPROVAL_ID_PATTERN } from "../../../blocks/approval-request.ts";
import type {
  ActiveRunView,
  AppHomeView,
  ApprovalDecidedView,
  ApprovalRequestView,
  ClassificationView,
  EvidenceBundleView,
  HelpView,
  MilestoneView,
  ParentMessageView,
  PauseView,
  PendingApprovalView,
  RunLinksView,
  RunStatusView,
  SpecialistView,
  StatusView,
  TicketView,
} from "../../../blocks/view-models.ts";
import { OUTCOMES, PHASES } from "../../../src/domain/phases.ts";
import { anyNumber, hostileId, hostileText, hostileUrl, list, opt, timestamp } from "./hostile.ts";

/** The renderer's clock, with the view models for properties.test.ts. */
export { now } from "./hostile.ts";

const phase = fc.constantFrom(...PHASES, "AWAIT_APPROVAL" as const);
const outcome = fc.constantFrom(...OUTCOMES);

export const ticket: fc.Arbitrary<TicketView> = fc.record(
  { key: hostileId, title: hostileText, url: opt(hostileUrl) },
  { requiredKeys: ["key", "title"] },
);

export const status: fc.Arbitrary<RunStatusView> = fc.oneof(
  fc.constant({ kind: "running" as const }),
  fc.constant({ kind: "waiting_approval" as const }),
  fc.record(
    { kind: fc.constant("paused" as const), scope: opt(hostileText) },
    { requiredKeys: ["kind"] },
  ),
  fc.record({ kind: fc.constant("stopped" as const), outcome }),
);

export const classification: fc.Arbitrary<ClassificationView> = fc.record(
  { label: hostileText, confidence: anyNumber, severity: opt(hostileText) },
  { requiredKeys: ["label", "confidence"] },
);

export const links: fc.Arbitrary<RunLinksView> = fc.record(
  {
    linear: opt(hostileUrl),
    sentry: opt(hostileUrl),
    pullRequest: opt(hostileUrl),
    run: opt(hostileUrl),
    thread: opt(hostileUrl),
  },
  { requiredKeys: [] },
);

export const parentMessage: fc.Arbitrary<ParentMessageView> = fc.record(
  {
    runId: hostileId,
    ticket,
    service: opt(hostileText),
    phase,
    status,
    classification: opt(classification),
    summary: opt(hostileText),
    startedAt: timestamp,
    updatedAt: timestamp,
    links,
  },
  { requiredKeys: ["runId", "ticket", "phase", "status", "startedAt", "updatedAt", "links"] },
);

export const specialist: fc.Arbitrary<SpecialistView> = fc.record(
  {
    id: hostileId,
    status: fc.constantFrom("returned", "skipped", "failed", "timed_out"),
    reason: opt(hostileText),
    headline: opt(hostileText),
    findings: opt(fc.nat(100_000)),
    confidence: opt(anyNumber),
    durationMs: opt(fc.nat()),
  },
  { requiredKeys: ["id", "status"] },
);

const milestoneBase = {
  runId: hostileId,
  ticketKey: hostileId,
  at: timestamp,
  artifactUrl: opt(hostileUrl),
};
const baseKeys = ["runId", "ticketKey", "at", "kind"] as const;

export const milestone: fc.Arbitrary<MilestoneView> = fc.oneof(
  fc.record(
    {
      ...milestoneBase,
      kind: fc.constant("tool_inventory" as const),
      tools: list(
        fc.record(
          {
            name: hostileId,
            status: fc.constantFrom("available", "missing", "blocked"),
            detail: opt(hostileText),
            confidenceImpact: opt(anyNumber),
            blocking: opt(fc.boolean()),
          },
          { requiredKeys: ["name", "status"] },
        ),
        1_000,
      ),
      route: list(hostileId, 1_000),
    },
    { requiredKeys: [...baseKeys, "tools", "route"] },
  ),
  fc.record(
    {
      ...milestoneBase,
      kind: fc.constant("specialist_results" as const),
      specialists: list(specialist, 1_000),
    },
    { requiredKeys: [...baseKeys, "specialists"] },
  ),
  fc.record(
    {
      ...milestoneBase,
      kind: fc.constant("decision" as const),
      decision: fc.constantFrom("proceed", "await_approval", "exit"),
      outcome: opt(outcome),
      classification: opt(classification),
      reason: hostileText,
      nextPhase: opt(phase),
    },
    { requiredKeys: [...baseKeys, "decision", "reason"] },
  ),
  fc.record(
    {
      ...milestoneBase,
      kind: fc.constant("handoff" as const),
      outcome,
      summary: hostileText,
      nextSteps: list(hostileText, 1_000),
      owner: opt(hostileText),
      links,
    },
    { requiredKeys: [...baseKeys, "outcome", "summary", "nextSteps", "links"] },
  ),
);

export const evidenceBundle: fc.Arbitrary<EvidenceBundleView> = fc.record(
  {
    runId: hostileId,
    ticket,
    service: opt(hostileText),
    createdAt: timestamp,
    classification,
    rootCause: opt(hostileText),
    hypotheses: list(
      fc.record(
        {
          statement: hostileText,
          status: fc.constantFrom("leading", "open", "rejected"),
          confidence: opt(anyNumber),
          evidenceFor: list(hostileText, 200),
          evidenceAgainst: list(hostileText, 200),
          test: opt(hostileText),
        },
        { requiredKeys: ["statement", "status", "evidenceFor", "evidenceAgainst"] },
      ),
      500,
    ),
    facts: list(
      fc.record(
        {
          text: hostileText,
          source: fc.record(
            { kind: hostileId, ref: hostileId, url: opt(hostileUrl) },
            { requiredKeys: ["kind", "ref"] },
          ),
          observedAt: opt(timestamp),
        },
        { requiredKeys: ["text", "source"] },
      ),
      1_000,
    ),
    gaps: list(
      fc.record(
        { description: hostileText, confidenceImpact: opt(anyNumber), blocking: opt(fc.boolean()) },
        { requiredKeys: ["description"] },
      ),
      1_000,
    ),
    specialists: list(specialist, 1_000),
    memory: fc.record({
      pages: list(
        fc.record(
          {
            id: hostileId,
            title: opt(hostileText),
            url: opt(hostileUrl),
            state: fc.constantFrom("read", "stale", "skipped", "absent"),
          },
          { requiredKeys: ["id", "state"] },
        ),
        1_000,
      ),
      recipes: list(hostileText, 1_000),
      negativeControls: list(hostileText, 1_000),
    }),
    artifactUrl: opt(hostileUrl),
  },
  {
    requiredKeys: [
      "runId",
      "ticket",
      "createdAt",
      "classification",
      "hypotheses",
      "facts",
      "gaps",
      "specialists",
      "memory",
    ],
  },
);

/** Well-formed approval ids: what the buttons must carry, and nothing else. */
export const approvalId = fc.stringMatching(APPROVAL_ID_PATTERN);

const riskLevel = fc.constantFrom("low", "medium", "high", "critical");

export const approvalRequest: fc.Arbitrary<ApprovalRequestView> = fc.record({
  approvalId: fc.oneof({ weight: 5, arbitrary: approvalId }, { weight: 1, arbitrary: hostileText }),
  runId: hostileId,
  ticket,
  action: fc.record(
    {
      summary: hostileText,
      kind: fc.constantFrom("sql", "command", "text"),
      body: hostileText,
      actionClass: hostileId,
      target: opt(hostileText),
    },
    { requiredKeys: ["summary", "kind", "body", "actionClass"] },
  ),
  digest: fc.oneof(fc.stringMatching(/^(sha256:)?[0-9a-f]{64}$/), hostileText),
  risk: fc.record({ level: riskLevel, notes: opt(hostileText) }, { requiredKeys: ["level"] }),
  rollback: hostileText,
  requestedBy: hostileText,
  requestedAt: timestamp,
  expiresAt: timestamp,
});

export const approvalDecided: fc.Arbitrary<ApprovalDecidedView> = fc
  .tuple(
    approvalRequest,
    fc.oneof(
      fc.record({ kind: fc.constant("approved" as const), by: hostileText, at: timestamp }),
      fc.record(
        {
          kind: fc.constant("rejected" as const),
          by: hostileText,
          at: timestamp,
          reason: opt(hostileText),
        },
        { requiredKeys: ["kind", "by", "at"] },
      ),
      fc.record({ kind: fc.constant("expired" as const), at: timestamp }),
    ),
  )
  .map(([request, decision]) => ({ ...request, decision }));

export const activeRun: fc.Arbitrary<ActiveRunView> = fc.record(
  {
    runId: hostileId,
    ticket,
    service: opt(hostileText),
    phase,
    status,
    classification: opt(classification),
    startedAt: timestamp,
    waitingApprovals: fc.nat(10_000),
    threadUrl: opt(hostileUrl),
  },
  { requiredKeys: ["runId", "ticket", "phase", "status", "startedAt", "waitingApprovals"] },
);

export const pause: fc.Arbitrary<PauseView> = fc.record(
  {
    scope: fc.constantFrom("global", "team", "service", "capability"),
    target: opt(hostileText),
    by: opt(hostileText),
    since: opt(timestamp),
    reason: opt(hostileText),
  },
  { requiredKeys: ["scope"] },
);

export const pendingApproval: fc.Arbitrary<PendingApprovalView> = fc.record(
  {
    approvalId: hostileId,
    runId: hostileId,
    ticket,
    summary: hostileText,
    risk: riskLevel,
    requestedBy: hostileText,
    expiresAt: timestamp,
    messageUrl: opt(hostileUrl),
  },
  {
    requiredKeys: ["approvalId", "runId", "ticket", "summary", "risk", "requestedBy", "expiresAt"],
  },
);

export const statusView: fc.Arbitrary<StatusView> = fc.oneof(
  fc.record(
    {
      kind: fc.constant("list" as const),
      runs: list(activeRun, 500),
      pauses: list(pause, 200),
      moreUrl: opt(hostileUrl),
    },
    { requiredKeys: ["kind", "runs", "pauses"] },
  ),
  fc.record({
    kind: fc.constant("detail" as const),
    run: activeRun,
    links,
    timeline: list(
      fc.record(
        { state: fc.oneof(phase, outcome), at: timestamp, note: opt(hostileText) },
        { requiredKeys: ["state", "at"] },
      ),
      1_000,
    ),
    approvals: list(pendingApproval, 500),
    specialists: list(specialist, 500),
  }),
  fc.record({ kind: fc.constant("not_found" as const), query: hostileText }),
);

export const help: fc.Arbitrary<HelpView> = fc.record(
  {
    command: fc.oneof(fc.constant("/prode"), fc.stringMatching(/^\/[a-z]{1,10}$/), hostileText),
    role: opt(fc.constantFrom("viewer", "operator", "approver", "admin")),
  },
  { requiredKeys: ["command"] },
);

export const appHome: fc.Arbitrary<AppHomeView> = fc.record(
  {
    viewerName: hostileText,
    runs: list(activeRun, 500),
    approvals: list(pendingApproval, 500),
    pauses: list(pause, 200),
    moreUrl: opt(hostileUrl),
  },
  { requiredKeys: ["viewerName", "runs", "approvals", "pauses"] },
);
