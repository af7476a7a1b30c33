import { appendAudit } from "../audit/audit.ts";
import type { Db, Tx } from "../db/client.ts";
import type { ServiceResolution } from "../domain/service-resolution.ts";

/**
 * The policy scope of a run comes from structured data (Sentry project, Linear project,
 * labels and team, the service catalog); the ticket's free text never chooses it (issue
 * 18 item 3). When sources disagree, every scope they name stays in play: the policy
 * source merges the strictest rules of all of them (restrictive.ts `strictestPolicy`)
 * and every one's kill switches stop the run (kill-switch-check.ts), so naming a laxer
 * service cannot dodge approvers or a switch. This records the disagreement.
 */

/** A disputed team costs no confidence (the evidence is the same); the strictest policy of both applies. */
const TEAM_CONFLICT_IMPACT = 0;

export interface ScopeConflict {
  services: string[];
  teams: string[];
}

/** What the sources disagree on, or null when they agree. */
export function scopeConflict(resolution: ServiceResolution): ScopeConflict | null {
  const services = resolution.mismatch?.services ?? [];
  const teams = [
    ...new Set([
      ...(resolution.team ? [resolution.team] : []),
      ...resolution.sources.flatMap((v) => (v.team ? [v.team] : [])),
    ]),
  ];
  if (services.length < 2 && teams.length < 2) return null;
  return { services: services.length > 1 ? services : [], teams: teams.length > 1 ? teams : [] };
}

/**
 * Audits a disputed scope on the run's chain (`policy.scope_conflict`: every vote, the
 * scope applied, the candidates kept), and adds a gap to the resolution for a disputed
 * team (a disputed service already has one). Nothing when the sources agree.
 */
export async function recordScopeConflict(
  db: Db | Tx,
  runId: string,
  resolution: ServiceResolution,
  at: Date,
): Promise<ScopeConflict | null> {
  const conflict = scopeConflict(resolution);
  if (!conflict) return null;
  if (conflict.teams.length > 1) {
    resolution.gaps.push({
      what: `team ownership is disputed (${conflict.teams.join(" vs ")}); the strictest policy and every team's kill switches apply`,
      confidenceImpact: TEAM_CONFLICT_IMPACT,
    });
  }
  await appendAudit(db, {
    runId,
    type: "policy.scope_conflict",
    actor: "prode",
    payload: {
      services: conflict.services,
      teams: conflict.teams,
      applied: resolution.policyScope,
      rule: "strictest of every candidate scope; kill switches of every candidate",
      votes: resolution.sources.map((v) => ({
        source: v.source,
        value: v.value.slice(0, 200),
        ...(v.service ? { service: v.service } : {}),
        ...(v.team ? { team: v.team } : {}),
      })),
    },
    at,
  });
  return conflict;
}
