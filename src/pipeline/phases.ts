import type { RoutingHints, TicketContext } from "../../specialists/types.ts";
import { createApproval } from "../approvals/create.ts";
import type { EvidenceBundle } from "../domain/evidence-bundle.ts";
import type { OperationalMemory, RouteEntry, ToolEntry } from "../domain/evidence-context.ts";
import type { SpecialistOutput } from "../domain/specialist-output.ts";
import { readProdeWiki } from "../memory/read-prode-wiki.ts";
import { recordHintsForRoute } from "../memory/wiki.ts";
import { evaluateAndRecord } from "../policy/decisions.ts";
import { getArtifact, putArtifact } from "../runner/artifacts.ts";
import type { TriageSnapshot } from "../runner/ports.ts";
import type { PhaseContext, PhaseHandlers, PhaseResult } from "../runner/types.ts";
import { approvalRow } from "./approval-row.ts";
import { assembleBundle, decide } from "./decide.ts";
import type { PipelineDeps } from "./deps.ts";
import { collectWithOnset } from "./evidence.ts";
import { handoffMarker, renderHandoff } from "./handoff.ts";
import { takeInventory } from "./inventory.ts";
import { routeSpecialists } from "./route.ts";
import { buildTicketContext, isClosedByHuman, resolveScope } from "./ticket.ts";

/** What the evidence phases keep in the run's context between phases (all redacted). */
export interface TriageContext {
  team?: string;
  service?: string;
  ticket?: TicketContext;
  tools?: ToolEntry[];
  memory?: OperationalMemory;
  hints?: RoutingHints;
  route?: { specialists: RouteEntry[]; rationale: string };
  evidence?: { specialistId: string; sha256: string }[];
  decision?: { decision: string; outcome?: string; reasons: string[] };
  bundleSha?: string;
  approvalIds?: string[];
  handoff?: { linearCommentId: string };
}

function contextOf(ctx: PhaseContext): TriageContext {
  return ctx.run.context as TriageContext;
}

async function loadEvidence(
  ctx: PhaseContext,
  refs: TriageContext["evidence"],
): Promise<SpecialistOutput[]> {
  const outputs = await Promise.all(
    (refs ?? []).map((r) => getArtifact<SpecialistOutput>(ctx.db, ctx.run.id, r.sha256)),
  );
  return outputs.filter((o): o is SpecialistOutput => o !== undefined);
}

async function snapshotOf(ctx: PhaseContext, patch: TriageContext = {}): Promise<TriageSnapshot> {
  const t = { ...contextOf(ctx), ...patch };
  const bundle = t.bundleSha
    ? await getArtifact<EvidenceBundle>(ctx.db, ctx.run.id, t.bundleSha)
    : undefined;
  return {
    run: { ...ctx.run, context: t as Record<string, unknown> },
    ...(t.ticket ? { ticket: t.ticket.snapshot } : {}),
    ...(t.tools && t.route ? { toolMap: { tools: t.tools, route: t.route } } : {}),
    ...(t.memory ? { memory: t.memory } : {}),
    ...(t.evidence ? { specialists: await loadEvidence(ctx, t.evidence) } : {}),
    ...(bundle?.classification ? { classification: bundle.classification } : {}),
    ...(t.decision ? { decision: t.decision } : {}),
    ...(bundle ? { bundle } : {}),
    ...(t.bundleSha ? { bundleSha: t.bundleSha } : {}),
    ...(t.handoff ? { handoff: { linearCommentId: t.handoff.linearCommentId } } : {}),
    ...(t.approvalIds ? { pendingApprovalIds: t.approvalIds } : {}),
  };
}

function exit(
  outcome: Extract<PhaseResult, { kind: "exit" }>["outcome"],
  description: string,
  patch: TriageContext = {},
): PhaseResult {
  return {
    kind: "exit",
    outcome,
    description,
    patch: { ...patch, decision: { decision: "exit", outcome, reasons: [description] } },
  };
}

/**
 * The evidence phases of DESIGN.md as handlers: FETCH_LINEAR → INVENTORY_TOOLS →
 * READ_PRODE_WIKI → ROUTE_SPECIALISTS → WAIT_FOR_EVIDENCE → CLASSIFY, then the handoff
 * that every stop writes. Delivery phases are not built: they stop honestly.
 */
export function evidencePhases(deps: PipelineDeps): PhaseHandlers {
  const notify = async (
    ctx: PhaseContext,
    patch: TriageContext,
    milestone?: Parameters<PipelineDeps["notifier"]["postMilestone"]>[1],
  ) => {
    const snapshot = await snapshotOf(ctx, patch);
    await deps.notifier.syncParent(ctx, snapshot);
    if (milestone) await deps.notifier.postMilestone(ctx, milestone, snapshot);
  };

  const notBuilt = (phase: string) => async (): Promise<PhaseResult> =>
    exit("CANNOT_AUTO_FIX", `${phase} is not built yet: a human takes the fix from the handoff`);

  return {
    FETCH_LINEAR: async (ctx) => {
      if (!deps.linear)
        return exit(
          "BLOCKED_NEEDS_INFO",
          "Linear is not configured (LINEAR_API_KEY): the ticket cannot be read",
        );
      const raw = await deps.linear.fetchTicket(ctx.run.ticket);
      if (isClosedByHuman(raw.state.type, raw.state.name)) {
        return {
          kind: "stop",
          outcome: "SUPERSEDED",
          description: `ticket is ${raw.state.name}: closed by a human`,
        };
      }
      const scope = resolveScope(raw, deps.services);
      const ticket = buildTicketContext(raw, deps.redactor, ctx.now(), scope);
      await putArtifact(ctx.db, {
        runId: ctx.run.id,
        kind: "linear_snapshot",
        name: ticket.snapshot.ticketKey,
        value: ticket,
      });
      const patch: TriageContext = { ticket, ...scope };
      await notify(ctx, patch);
      return {
        patch: patch as Record<string, unknown>,
        description: `read ${ticket.snapshot.ticketKey}`,
      };
    },

    INVENTORY_TOOLS: async (ctx) => {
      const tools = await takeInventory(deps.connectors);
      const patch: TriageContext = { tools };
      await notify(ctx, patch);
      const missing = tools
        .filter((t) => t.status !== "available")
        .map((t) => `${t.connector}:${t.status}`);
      return {
        patch: patch as Record<string, unknown>,
        description: missing.length ? `gaps ${missing.join(", ")}` : "all tools available",
      };
    },

    READ_PRODE_WIKI: async (ctx) => {
      const t = contextOf(ctx);
      const read = await readProdeWiki({ dir: deps.wikiDir, ticket: t.ticket!, now: ctx.now() });
      if (read.problems.length) ctx.log.warn({ problems: read.problems }, "wiki problems");
      // The wiki is a connector too: its entry joins the tool map (memory is routing only).
      const tools = [...(t.tools ?? []).filter((x) => x.connector !== "wiki"), read.tool];
      return {
        patch: { memory: read.memory, hints: read.hints, tools },
        description: `wiki: ${read.hints.pages.length} pages for routing`,
      };
    },

    ROUTE_SPECIALISTS: async (ctx) => {
      const t = contextOf(ctx);
      const policy = await deps.policyFor({
        ...(t.team ? { team: t.team } : {}),
        ...(t.service ? { service: t.service } : {}),
      });
      const { routed, rationale } = routeSpecialists(
        deps.specialists,
        policy.specialists,
        t.ticket!,
        t.tools ?? [],
        t.hints!,
      );
      const route = { specialists: routed.map((r) => r.entry), rationale };
      const memory = recordHintsForRoute(
        t.memory!,
        t.hints!,
        routed.map((r) => r.specialist.id),
      );
      // The inventory's thread reply carries the route chosen with it (DESIGN.md, Evidence).
      await notify(ctx, { route, memory }, "tool_inventory");
      return { patch: { route, memory }, description: rationale };
    },

    WAIT_FOR_EVIDENCE: async (ctx) => {
      const t = contextOf(ctx);
      const ids = new Set((t.route?.specialists ?? []).map((r) => r.specialistId));
      const available = new Set(
        (t.tools ?? []).filter((x) => x.status === "available").map((x) => x.connector),
      );
      const routed = routeSpecialists(
        deps.specialists.filter((s) => ids.has(s.id)),
        [...ids],
        t.ticket!,
        t.tools ?? [],
        t.hints!,
      ).routed;
      const outputs = await collectWithOnset({
        routed,
        tools: deps.tools,
        ticket: t.ticket!,
        hints: t.hints!,
        now: ctx.now(),
        signal: ctx.signal,
      });
      const evidence = await Promise.all(
        outputs.map(async (o) => ({
          specialistId: o.specialistId,
          sha256: (
            await putArtifact(ctx.db, {
              runId: ctx.run.id,
              kind: "specialist_output",
              name: o.specialistId,
              value: o,
            })
          ).sha256,
        })),
      );
      await notify(ctx, { evidence }, "specialist_results");
      const summary = outputs.map((o) => `${o.specialistId}:${o.status}`).join(", ");
      return {
        patch: { evidence },
        description: `evidence: ${summary || "none"}${available.size ? "" : " (no tools)"}`,
      };
    },

    CLASSIFY: async (ctx) => {
      const t = contextOf(ctx);
      const specialists = await loadEvidence(ctx, t.evidence);
      const policy = await deps.policyFor({
        ...(t.team ? { team: t.team } : {}),
        ...(t.service ? { service: t.service } : {}),
      });
      const toolMap = {
        tools: t.tools ?? [],
        route: t.route ?? { specialists: [], rationale: "" },
      };
      const now = ctx.now();
      const decision = decide({
        runId: ctx.run.id,
        linear: t.ticket!.snapshot,
        toolMap,
        specialists,
        threshold: policy.confidence_threshold,
        ...(t.service ? { service: t.service } : {}),
        now,
      });
      // The production write is only ever requested (once, through the ledger), never run.
      const approvalIds: string[] = [];
      if (decision.correction) {
        const correction = decision.correction;
        const requested = await ctx.effect({
          name: "approval.production_write",
          capability: "approval_request",
          perform: async () => {
            const row = await createApproval(
              ctx.db,
              policy,
              {
                runId: ctx.run.id,
                action: "production_write",
                detail: deps.redactor.redact(correction.statement).text,
                risk: correction.risk,
                rollback: correction.rollback,
                requester: "prode",
                scope: { table: correction.table },
              },
              now,
            );
            return { externalId: row.id, result: null };
          },
        });
        approvalIds.push(requested.externalId);
      }
      const pending: EvidenceBundle["approvals"]["pending"] = [];
      for (const row of await Promise.all(approvalIds.map((id) => approvalRow(ctx.db, id)))) {
        if (row) {
          pending.push({
            id: row.id,
            action: row.action,
            digest: row.digest,
            requestedAt: row.createdAt.toISOString(),
            expiresAt: row.expiresAt.toISOString(),
          });
        }
      }
      const bundle = assembleBundle({
        runId: ctx.run.id,
        now,
        linear: t.ticket!.snapshot,
        toolMap,
        memory: t.memory!,
        specialists,
        decision,
        pending,
      });
      const { sha256: bundleSha } = await putArtifact(ctx.db, {
        runId: ctx.run.id,
        kind: "evidence_bundle",
        name: "bundle",
        value: bundle,
      });
      const gate = decision.gate;
      const reasons = [...gate.reasons];
      // Every gate evaluation leaves a policy decision record (policy hash, matched rules).
      const scope = {
        ...(t.team ? { team: t.team } : {}),
        ...(t.service ? { service: t.service } : {}),
      };
      const codeChange = await evaluateAndRecord(ctx.db, policy, {
        action: "create_worktree",
        runId: ctx.run.id,
        ...scope,
        confidence: decision.classification.confidence,
      });
      if (decision.correction) {
        await evaluateAndRecord(ctx.db, policy, {
          action: "production_write",
          runId: ctx.run.id,
          ...scope,
        });
      }
      let result: PhaseResult;
      if (gate.decision === "proceed_to_delivery" && codeChange.decision === "deny") {
        reasons.push(`policy denies the code change: ${codeChange.explanation}`);
        result = {
          kind: "exit",
          outcome: "CANNOT_AUTO_FIX",
          description: reasons[reasons.length - 1]!,
        };
      } else if (gate.decision === "exit") {
        result = {
          kind: "exit",
          outcome: gate.outcome,
          description: reasons[reasons.length - 1] ?? gate.outcome,
        };
      } else if (!deps.deliveryConfigured) {
        // The delivery boundary: what is left is a human's (the fix, and any approval).
        const waiting = approvalIds.length > 0;
        reasons.push(
          `gate passed at ${decision.classification.confidence}% (threshold ${gate.effectiveThreshold}); automated delivery is not enabled, so the proposed fix is handed to a human${waiting ? "; the production write waits for its approval and is never run by prode" : ""}`,
        );
        result = {
          kind: "exit",
          outcome: waiting ? "APPROVAL_REQUIRED" : "CANNOT_AUTO_FIX",
          description: reasons[reasons.length - 1]!,
        };
      } else {
        result = {
          next: "CREATE_WORKTREE",
          description: `gate passed at ${decision.classification.confidence}%`,
        };
      }
      const decided = {
        decision: gate.decision,
        ...(result.kind === "exit" ? { outcome: result.outcome } : {}),
        reasons,
      };
      const patch: TriageContext = { bundleSha, decision: decided, approvalIds };
      await notify(ctx, patch, "evidence_bundle");
      await notify(ctx, patch, "decision");
      for (const id of approvalIds) {
        await deps.notifier.postApprovalRequest?.(ctx, id, await snapshotOf(ctx, patch));
      }
      return { ...result, patch: patch as Record<string, unknown> };
    },

    CREATE_WORKTREE: notBuilt("CREATE_WORKTREE"),
    IMPLEMENT: notBuilt("IMPLEMENT"),
    VERIFY: notBuilt("VERIFY"),
    REVIEW: notBuilt("REVIEW"),
    OPEN_PR: notBuilt("OPEN_PR"),

    LINEAR_HANDOFF: async (ctx) => {
      const t = contextOf(ctx);
      if (!deps.linear || !t.ticket)
        return { description: "no handoff: Linear or the ticket is unavailable" };
      const snapshot = await snapshotOf(ctx);
      const approvals = await Promise.all(
        (t.approvalIds ?? []).map((id) => approvalRow(ctx.db, id)),
      );
      const body = deps.redactor.redact(
        renderHandoff({
          runId: ctx.run.id,
          outcome: ctx.run.pendingOutcome ?? "RUN_COMPLETE",
          reasons: t.decision?.reasons ?? [],
          ticket: t.ticket.snapshot,
          ...(snapshot.toolMap ? { toolMap: snapshot.toolMap } : {}),
          ...(snapshot.specialists ? { specialists: snapshot.specialists } : {}),
          ...(snapshot.classification ? { classification: snapshot.classification } : {}),
          ...(snapshot.bundle ? { bundle: snapshot.bundle } : {}),
          ...(t.bundleSha ? { bundleSha: t.bundleSha } : {}),
          approvals: approvals.flatMap((a) =>
            a
              ? [
                  {
                    id: a.id,
                    action: a.action,
                    digest: a.digest,
                    expiresAt: a.expiresAt.toISOString(),
                    detail: a.detail,
                  },
                ]
              : [],
          ),
          now: ctx.now(),
        }),
      ).text;
      const linear = deps.linear;
      const key = t.ticket.snapshot.ticketKey;
      const marker = handoffMarker(key);
      // One comment per ticket: created once, then updated in place (reruns included).
      const comment = await ctx.effect({
        name: "linear.comment",
        capability: "linear_comment",
        perform: async () => {
          const existing = await linear.findComment(key, marker);
          if (existing) {
            await linear.updateComment(existing.id, body);
            return { externalId: existing.id, result: null };
          }
          return { externalId: (await linear.createComment(key, body)).id, result: null };
        },
        reconcile: async () => {
          const existing = await linear.findComment(key, marker);
          return existing ? { externalId: existing.id, result: null } : null;
        },
      });
      if (comment.reused) await linear.updateComment(comment.externalId, body);
      const patch: TriageContext = { handoff: { linearCommentId: comment.externalId } };
      await notify(ctx, patch, "handoff");
      return { patch: patch as Record<string, unknown>, description: `handoff on ${key}` };
    },

    WRITE_CANDIDATE_LEARNING: async (ctx) => {
      const t = contextOf(ctx);
      await putArtifact(ctx.db, {
        runId: ctx.run.id,
        kind: "candidate_learning",
        name: ctx.run.ticket,
        value: {
          ticket: ctx.run.ticket,
          outcome: ctx.run.pendingOutcome ?? "RUN_COMPLETE",
          reasons: t.decision?.reasons ?? [],
          wikiPages: t.hints?.pages ?? [],
          gaps: (t.tools ?? []).filter((x) => x.status !== "available").map((x) => x.connector),
        },
      });
      await notify(ctx, {});
      return { description: "candidate learning stored for human review" };
    },
  };
}
