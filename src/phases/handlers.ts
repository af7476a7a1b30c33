import { asAppError, ErrorCode } from "../domain/errors.ts";
import { handoffMarker } from "../domain/handoff-comment.ts";
import { type RunContextPatch, scopeOf } from "../domain/run-context.ts";
import { runOnset } from "../domain/run-onset.ts";
import type { SpecialistOutput } from "../domain/specialist-output.ts";
import { readProdeWiki } from "../memory/read-prode-wiki.ts";
import { recordHintsForRoute } from "../memory/wiki.ts";
import { resourcesOfOthers } from "../policy/catalog.ts";
import { POLICY_NAME } from "../policy/names.ts";
import { recordScopeConflict } from "../policy/policy-scope.ts";
import { putArtifact } from "../runner/artifacts.ts";
import type { PhaseHandlers } from "../runner/types.ts";
import { classifyPhase } from "./classify.ts";
import { deliveryPhases } from "./delivery.ts";
import type { PipelineDeps } from "./deps.ts";
import { collectWithOnset } from "./evidence.ts";
import { handoffPhases } from "./handoff.ts";
import { takeInventory } from "./inventory.ts";
import { postMergePhases } from "./post-merge-monitor.ts";
import { availableConnectors, gapsFor, type RoutedSpecialist, routeSpecialists } from "./route.ts";
import { resolveTicketScope } from "./scope.ts";
import { buildTicketContext, isClosedByHuman } from "./ticket.ts";
import { exit, notifyWith } from "./triage-context.ts";

/**
 * The services a run with no resolved service turned out to concern: those whose declared
 * resources a specialist chose to read, and the one the symptom was dated on (valid policy
 * names only, at most a few: each is a kill switch and a policy to honour).
 */
function servicesConcerned(outputs: readonly SpecialistOutput[]): string[] {
  const read = outputs.flatMap((o) => (o.status === "returned" ? (o.servicesRead ?? []) : []));
  const dated = runOnset(outputs)?.service;
  const all = [...new Set([...read, ...(dated ? [dated] : [])])];
  return all.filter((s) => POLICY_NAME.test(s)).slice(0, 8);
}

/**
 * The evidence phases of DESIGN.md as handlers: FETCH_LINEAR → INVENTORY_TOOLS →
 * READ_PRODE_WIKI → ROUTE_SPECIALISTS → WAIT_FOR_EVIDENCE → CLASSIFY, then the handoff
 * that every stop writes, with the delivery phases (src/phases/delivery.ts) between.
 */
export function evidencePhases(deps: PipelineDeps): PhaseHandlers {
  const notify = notifyWith(deps);

  return {
    FETCH_LINEAR: async (ctx) => {
      if (!deps.linear)
        return exit(
          "BLOCKED_NEEDS_INFO",
          "Linear is not configured (LINEAR_API_KEY): the ticket cannot be read",
        );
      const fetched = await deps.linear.fetchTicket(ctx.run.ticket);
      // prode's own handoff comment is an earlier conclusion, not evidence: its links,
      // resources and service names must not steer this run (DESIGN: old conclusions are
      // re-tested, never answers).
      const marker = handoffMarker(ctx.run.ticket);
      const raw = {
        ...fetched,
        comments: fetched.comments.filter((c) => !c.body.includes(marker)),
      };
      if (isClosedByHuman(raw.state.type, raw.state.name)) {
        return {
          kind: "stop",
          outcome: "SUPERSEDED",
          description: `ticket is ${raw.state.name}: closed by a human`,
        };
      }
      const { resolution, entry, spelledAlarms } = await resolveTicketScope(raw, deps);
      // Sources that disagree on the scope are audited (and a disputed team is a gap).
      await recordScopeConflict(ctx.db, ctx.run.id, resolution, ctx.now());
      const scope = {
        ...(resolution.team ? { team: resolution.team } : {}),
        ...(resolution.service ? { service: resolution.service } : {}),
      };
      const ticket = buildTicketContext(raw, deps.redactor, ctx.now(), {
        ...scope,
        resolution,
        spelledAlarms,
        ...(entry
          ? {
              awsResources: { ...entry.aws, ...(entry.zones.length ? { zones: entry.zones } : {}) },
            }
          : {}),
        ...(entry?.sentryProjects.length ? { sentryProjects: entry.sentryProjects } : {}),
      });
      await putArtifact(ctx.db, {
        runId: ctx.run.id,
        kind: "linear_snapshot",
        name: ticket.snapshot.ticketKey,
        value: ticket,
      });
      const patch: RunContextPatch = { ticket, ...scope, resolution };
      await notify(ctx, patch);
      return { patch, description: `read ${ticket.snapshot.ticketKey}` };
    },

    INVENTORY_TOOLS: async (ctx) => {
      const tools = await takeInventory(deps.connectors);
      const patch: RunContextPatch = { tools };
      await notify(ctx, patch);
      const missing = tools
        .filter((t) => t.status !== "available")
        .map((t) => `${t.connector}:${t.status}`);
      return {
        patch,
        description: missing.length ? `gaps ${missing.join(", ")}` : "all tools available",
      };
    },

    READ_PRODE_WIKI: async (ctx) => {
      const t = ctx.context;
      const read = await readProdeWiki({
        dir: deps.wikiDir,
        ticket: t.ticket!,
        // Memory routes; it never points a specialist at another service's resources.
        foreignResources: resourcesOfOthers(deps.catalog, t.ticket!.service),
        now: ctx.now(),
      });
      if (read.problems.length) ctx.log.warn({ problems: read.problems }, "wiki problems");
      // The wiki is a connector too: its entry joins the tool map (memory is routing only).
      const tools = [...(t.tools ?? []).filter((x) => x.connector !== "wiki"), read.tool];
      return {
        patch: { memory: read.memory, hints: read.hints, tools },
        description: `wiki: ${read.hints.pages.length} pages for routing`,
      };
    },

    ROUTE_SPECIALISTS: async (ctx) => {
      const t = ctx.context;
      const policy = await deps.policyFor(scopeOf(t));
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
      await notify(ctx, { route, memory }, ["tool_inventory"]);
      return { patch: { route, memory }, description: rationale };
    },

    WAIT_FOR_EVIDENCE: async (ctx) => {
      const t = ctx.context;
      const entries = new Map((t.route?.specialists ?? []).map((r) => [r.specialistId, r]));
      const available = availableConnectors(t.tools ?? []);
      // The route chosen in ROUTE_SPECIALISTS, in the registry's order, with its tool gaps.
      const routed = deps.specialists.flatMap((specialist): RoutedSpecialist[] => {
        const entry = entries.get(specialist.id);
        return entry ? [{ specialist, entry, ...gapsFor(specialist, available) }] : [];
      });
      // The policy's deploy proximity, when set (lower levels may only tighten it).
      const { deploy_proximity_minutes: proximity } = await deps.policyFor(scopeOf(t));
      const outputs = await collectWithOnset({
        routed,
        ...(proximity === undefined ? {} : { deployProximityMinutes: proximity }),
        // Deploys and diffs from the run's service's own repository, when it has one.
        tools:
          deps.githubFor && deps.tools.github
            ? { ...deps.tools, github: deps.githubFor(t.service) }
            : deps.tools,
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
      // A ticket whose structured data named no service: the services whose resources the
      // specialists chose, and the one the evidence dated the symptom on, join the scope
      // before anything is posted, so their kill switches and stricter policy apply.
      const inferredServices = t.service ? [] : servicesConcerned(outputs);
      ctx.widenScope(inferredServices);
      try {
        await notify(ctx, { evidence }, ["specialist_results"], { specialists: outputs });
      } catch (error) {
        // A switch on a service the evidence revealed: keep the evidence and its scope
        // (the next phase's check holds the run there), rather than read it all again on
        // every reconciler pass while paused.
        if (asAppError(error).code !== ErrorCode.KillSwitchEngaged) throw error;
        ctx.log.warn({ err: error }, "evidence kept; its post waits for the kill switch");
      }
      const summary = outputs.map((o) => `${o.specialistId}:${o.status}`).join(", ");
      return {
        patch: { evidence, ...(inferredServices.length > 0 ? { inferredServices } : {}) },
        description: `evidence: ${summary || "none"}${available.size ? "" : " (no tools)"}`,
      };
    },

    CLASSIFY: classifyPhase(deps, notify),

    ...deliveryPhases(deps, notify),

    ...handoffPhases(deps, notify),

    ...postMergePhases(deps, notify),
  };
}
