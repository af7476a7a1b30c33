/**
 * The plain data each renderer draws. The runner maps its state to these; nothing here
 * knows about the database, queues or Slack clients. Everything is JSON-shaped (times are
 * ISO 8601 strings) so examples live in blocks/examples/ and `prode render` can read them.
 * Text fields hold redacted content: renderers escape it, they do not redact it.
 * People are display names, never Slack mentions, so a 3 a.m. update pings nobody.
 */
import type { Outcome, Phase } from "../src/domain/phases.ts";

/** An ISO 8601 timestamp with offset, e.g. "2025-03-04T03:12:00Z". */
export type IsoTimestamp = string;

/** A Linear ticket as shown in Slack. */
export interface TicketView {
  /** "ENG-123". */
  key: string;
  title: string;
  /** The Linear issue URL. */
  url?: string;
}

/** Where a run stands right now. */
export type RunStatusView =
  | { kind: "running" }
  | { kind: "waiting_approval" }
  /** A draft PR is open and waits for a human's review and merge. */
  | { kind: "waiting_review"; pr?: number }
  /** A kill switch stopped the worker before its next phase; `scope` says which one. */
  | { kind: "paused"; scope?: string }
  | { kind: "stopped"; outcome: Outcome };

/** The classifier's verdict. */
export interface ClassificationView {
  /** The class, e.g. "code_defect", "noise", "infra", "vendor". */
  label: string;
  /** Percent, 0–100. Below 70 no code change is allowed (DESIGN "Invariants"). */
  confidence: number;
  /** e.g. "SEV2". */
  severity?: string;
}

/** Links about a run; any may be missing, and non-http(s) URLs are shown unlinked. */
export interface RunLinksView {
  linear?: string;
  sentry?: string;
  pullRequest?: string;
  /** A page or artifact for the run itself. */
  run?: string;
  /** The run's Slack thread. */
  thread?: string;
}

/** How risky an action is; one level per action, the same in every message. */
export type RiskLevel = "low" | "medium" | "high" | "critical";

/** The first thing a human should do, with its risk. */
export interface ActionView {
  /** In words: "roll back to the previous release if the error rate keeps rising". */
  text: string;
  risk?: RiskLevel;
}

/** The one parent message per ticket in the incident channel, updated in place. */
export interface ParentMessageView {
  runId: string;
  ticket: TicketView;
  service?: string;
  /** No structured source named `service`: only its resources' evidence points at it. */
  serviceInferred?: boolean;
  phase: Phase;
  status: RunStatusView;
  classification?: ClassificationView;
  /** The one-line cause (the leading root-cause hypothesis), once classified. */
  cause?: string;
  /** Who owns it now (a team or person, display name). */
  owner?: string;
  /** The first action a human should take, once there is one. */
  firstAction?: ActionView;
  /** One line of latest news ("4 of 5 specialists returned"), or why the run stopped. */
  summary?: string;
  startedAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
  links: RunLinksView;
}

/** One connector in the tool inventory. */
export interface ToolView {
  /** "sentry", "aws", "db-replica", … */
  name: string;
  status: "available" | "missing" | "blocked";
  /** Why it is missing or blocked, or what was checked ("STS ok, read-only replica"). */
  detail?: string;
  /** Percentage points of confidence lost without it (a negative number or 0). */
  confidenceImpact?: number;
  /** True when the run cannot reach a verdict without it (DESIGN invariant 7). */
  blocking?: boolean;
}

/** A specialist's result at a glance. */
export interface SpecialistView {
  /** "sentry", "release", "db", … */
  id: string;
  status: "returned" | "skipped" | "failed" | "timed_out";
  /** The skip reason, or what failed. */
  reason?: string;
  /** Its main finding, one line. */
  headline?: string;
  findings?: number;
  /** Percent, 0–100. */
  confidence?: number;
  durationMs?: number;
}

interface MilestoneBase {
  runId: string;
  ticketKey: string;
  at: IsoTimestamp;
  /** Where the full milestone artifact lives, linked from "…and N more". */
  artifactUrl?: string;
}

/** INVENTORY_TOOLS finished: what prode can see, and what it cannot. */
export interface ToolInventoryMilestone extends MilestoneBase {
  kind: "tool_inventory";
  tools: ToolView[];
  /** Specialists routed for this ticket, in order. */
  route: string[];
}

/** WAIT_FOR_EVIDENCE finished: every specialist's status. */
export interface SpecialistResultsMilestone extends MilestoneBase {
  kind: "specialist_results";
  specialists: SpecialistView[];
}

/** CLASSIFY decided: go on to a fix, wait for an approval, or stop on an exit. */
export interface DecisionMilestone extends MilestoneBase {
  kind: "decision";
  decision: "proceed" | "await_approval" | "exit";
  /** Required in practice for "exit": the named outcome. */
  outcome?: Outcome;
  classification?: ClassificationView;
  /** Whether the evidence gate passed (a run can pass it and still stop, e.g. no delivery). */
  gatePassed?: boolean;
  /** Why prode does what it does next: the deciding reasons, each said once. */
  reason: string;
  nextPhase?: Phase;
}

/** LINEAR_HANDOFF: what a human should know and do next. */
export interface HandoffMilestone extends MilestoneBase {
  kind: "handoff";
  outcome: Outcome;
  summary: string;
  nextSteps: string[];
  /** Who owns it now (a team or person, display name). */
  owner?: string;
  /** A proposed patch (unified diff, redacted), shown as code and cut with a count. */
  patch?: string;
  links: RunLinksView;
}

/** One thread reply per milestone. */
export type MilestoneView =
  | ToolInventoryMilestone
  | SpecialistResultsMilestone
  | DecisionMilestone
  | HandoffMilestone;

/** Where a fact came from; every fact has one (a finding without a source is dropped). */
interface SourceView {
  /** "sentry", "cloudwatch", "db", "release", "github", "vendor", … */
  kind: string;
  /** A stable reference: Sentry issue id, log group, query name, commit SHA. */
  ref: string;
  url?: string;
}

/** A finding from a specialist, with its source. */
export interface FactView {
  text: string;
  source: SourceView;
  observedAt?: IsoTimestamp;
}

/** A ranked hypothesis; rejected ones stay, with the evidence that rejected them. */
export interface HypothesisView {
  statement: string;
  status: "leading" | "open" | "rejected";
  /** Percent, 0–100. */
  confidence?: number;
  evidenceFor: string[];
  evidenceAgainst: string[];
  /** How to confirm or refute it. */
  test?: string;
}

/** Evidence that is missing, and what that costs. */
export interface GapView {
  description: string;
  /** Percentage points of confidence lost (a negative number or 0). */
  confidenceImpact?: number;
  blocking?: boolean;
}

/** A PRODE Wiki page as it was used for routing. */
export interface MemoryPageView {
  id: string;
  title?: string;
  url?: string;
  state: "read" | "stale" | "skipped" | "absent";
}

/** Operational memory: it chose specialists and queries; it is never evidence. */
export interface MemoryView {
  pages: MemoryPageView[];
  recipes: string[];
  negativeControls: string[];
}

/** The evidence bundle, as posted in the thread after WAIT_FOR_EVIDENCE/CLASSIFY. */
export interface EvidenceBundleView {
  runId: string;
  ticket: TicketView;
  service?: string;
  /** As {@link ParentMessageView.serviceInferred}. */
  serviceInferred?: boolean;
  createdAt: IsoTimestamp;
  classification: ClassificationView;
  rootCause?: string;
  /** Ranked, most likely first. */
  hypotheses: HypothesisView[];
  facts: FactView[];
  gaps: GapView[];
  specialists: SpecialistView[];
  memory: MemoryView;
  /** The full, redacted bundle artifact. */
  artifactUrl?: string;
}

/** The exact action an approval authorises. */
export interface ApprovalActionView {
  /** One line: "Backfill stale onboarding_step_counts rows". */
  summary: string;
  /** How `body` is shown: SQL and commands in a code block. */
  kind: "sql" | "command" | "text";
  /** The exact statement or command, as digested. */
  body: string;
  /** The policy action class, e.g. "production_write". */
  actionClass: string;
  /** Where it runs, e.g. "onboarding-db (primary)". */
  target?: string;
}

/** An approval waiting for a human. */
export interface ApprovalRequestView {
  /** The only thing the buttons carry. */
  approvalId: string;
  runId: string;
  ticket: TicketView;
  action: ApprovalActionView;
  /** sha256 of the canonical action, hex (optionally "sha256:"-prefixed). */
  digest: string;
  risk: { level: RiskLevel; notes?: string };
  rollback: string;
  requestedBy: string;
  requestedAt: IsoTimestamp;
  expiresAt: IsoTimestamp;
}

/** How an approval ended. */
export type ApprovalDecisionView =
  | { kind: "approved"; by: string; at: IsoTimestamp }
  | { kind: "rejected"; by: string; at: IsoTimestamp; reason?: string }
  | { kind: "expired"; at: IsoTimestamp };

/** The approval message after the decision: same action, no buttons. */
export interface ApprovalDecidedView extends ApprovalRequestView {
  decision: ApprovalDecisionView;
}

/** One active run in a list. */
export interface ActiveRunView {
  runId: string;
  ticket: TicketView;
  service?: string;
  phase: Phase;
  status: RunStatusView;
  classification?: ClassificationView;
  startedAt: IsoTimestamp;
  waitingApprovals: number;
  threadUrl?: string;
}

/** An engaged kill switch. */
export interface PauseView {
  scope: "global" | "team" | "service" | "capability";
  /** The team, service or capability; absent for global. */
  target?: string;
  by?: string;
  since?: IsoTimestamp;
  reason?: string;
}

/** An approval waiting for someone, in lists. */
export interface PendingApprovalView {
  approvalId: string;
  runId: string;
  ticket: TicketView;
  summary: string;
  risk: ApprovalRequestView["risk"]["level"];
  requestedBy: string;
  expiresAt: IsoTimestamp;
  /** The approval message, where the buttons are. */
  messageUrl?: string;
}

/** A phase or outcome the run reached, for the detail timeline. */
export interface TimelineEntryView {
  state: Phase | Outcome;
  at: IsoTimestamp;
  note?: string;
}

/** `/prode status`: all active runs. */
export interface StatusListView {
  kind: "list";
  runs: ActiveRunView[];
  pauses: PauseView[];
  /** A page with every run, linked when the list is cut. */
  moreUrl?: string;
}

/** `/prode status <ticket|run>`: one run. */
export interface RunDetailView {
  kind: "detail";
  run: ActiveRunView;
  links: RunLinksView;
  timeline: TimelineEntryView[];
  approvals: PendingApprovalView[];
  specialists: SpecialistView[];
  /** The on-call's Right / Wrong answers on the verdict, in a line ("2 right, 1 wrong …"). */
  feedback?: string;
}

/** `/prode status <ticket|run>` when nothing matches. */
export interface RunNotFoundView {
  kind: "not_found";
  query: string;
}

/** What `/prode status` shows. */
export type StatusView = StatusListView | RunDetailView | RunNotFoundView;

/** `/prode help`. */
export interface HelpView {
  /** The slash command as installed, usually "/prode". */
  command: string;
  /** The viewer's role, to say which commands they may use. */
  role?: "viewer" | "operator" | "approver" | "admin";
}

/** The App Home tab of one viewer. */
export interface AppHomeView {
  viewerName: string;
  runs: ActiveRunView[];
  /** Approvals this viewer may decide (not their own requests). */
  approvals: PendingApprovalView[];
  pauses: PauseView[];
  moreUrl?: string;
}
