import { and, asc, eq, or, type SQL, sql } from "drizzle-orm";
import { appendAudit } from "../audit/audit.ts";
import type { Db } from "../db/client.ts";
import { killSwitches } from "../db/schema.ts";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { killSwitchRank, policySwitchApplies } from "./kill-switch-match.ts";
import { checkPolicyName } from "./names.ts";
import {
  CAPABILITIES,
  type Capability,
  isCapability,
  KILL_SWITCH_SCOPES,
  type KillSwitchScope,
  type PolicyKillSwitch,
} from "./types.ts";

/**
 * Kill switches (DESIGN.md, Runner → Kill switch): global, team, service or capability,
 * stored in `kill_switches` (one row per scope+value, `engaged` on or off; history is in
 * the audit log) or declared in policy files. The worker checks them before every phase
 * and every external effect, so a switch stops work in flight, not only new runs.
 */

/** What the worker is about to do, and for whom. */
interface KillSwitchTarget {
  team?: string | null | undefined;
  service?: string | null | undefined;
  /** The effect or phase about to run; see CAPABILITIES for the names. */
  capability?: Capability | null | undefined;
}

export interface ActiveKillSwitch {
  scope: KillSwitchScope;
  /** Team, service or capability; "" for global. */
  value: string;
  reason: string;
  /** Who engaged it; "policy" for a switch declared in a policy file. */
  actor: string;
  /** When it was engaged (database switches only). */
  since: Date | null;
  source: "database" | "policy";
}

interface KillSwitchChange {
  /** False when the switch was already in the requested state (nothing written). */
  changed: boolean;
  scope: KillSwitchScope;
  value: string;
  engaged: boolean;
  reason: string;
  actor: string;
}

/** Checks a scope and its value; returns the stored value ("" for global). */
export function normalizeKillSwitch(scope: string, value?: string | null): string {
  const v = value ?? "";
  switch (scope) {
    case "global":
      if (v !== "") throw new AppError(ErrorCode.BadInput, "the global kill switch takes no value");
      return "";
    case "team":
    case "service":
      checkPolicyName(scope, v);
      return v;
    case "capability":
      if (!isCapability(v)) {
        throw new AppError(
          ErrorCode.BadInput,
          `unknown capability '${v}'; one of: ${CAPABILITIES.join(", ")}`,
        );
      }
      return v;
    default:
      throw new AppError(
        ErrorCode.BadInput,
        `unknown kill-switch scope '${scope}'; one of: ${KILL_SWITCH_SCOPES.join(", ")}`,
      );
  }
}

async function setEngaged(
  db: Db,
  scope: KillSwitchScope,
  rawValue: string | null | undefined,
  engaged: boolean,
  by: { actor: string; reason?: string | undefined },
): Promise<KillSwitchChange> {
  const value = normalizeKillSwitch(scope, rawValue);
  const reason = by.reason?.trim() ?? "";
  return db.transaction(async (tx) => {
    // Serialises changes, so two operators flipping the same switch audit in order.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('kill_switches'))`);
    const [current] = await tx
      .select()
      .from(killSwitches)
      .where(and(eq(killSwitches.scope, scope), eq(killSwitches.value, value)));
    if ((current?.engaged ?? false) === engaged) {
      return {
        changed: false,
        scope,
        value,
        engaged,
        reason: current?.reason ?? "",
        actor: current?.actor ?? "",
      };
    }
    const row = { scope, value, engaged, reason, actor: by.actor, updatedAt: new Date() };
    await tx
      .insert(killSwitches)
      .values(row)
      .onConflictDoUpdate({
        target: [killSwitches.scope, killSwitches.value],
        set: { engaged, reason, actor: by.actor, updatedAt: row.updatedAt },
      });
    await appendAudit(tx, {
      type: engaged ? "kill_switch.engaged" : "kill_switch.released",
      actor: by.actor,
      payload: {
        scope,
        value,
        reason,
        previous: current ? { actor: current.actor, reason: current.reason } : null,
      },
    });
    return { changed: true, scope, value, engaged, reason, actor: by.actor };
  });
}

/**
 * Engages a kill switch and audits `kill_switch.engaged` in the same transaction.
 * `value` is the team, service or capability ("" or null for global). Engaging an
 * engaged switch changes nothing and writes nothing (`changed: false`).
 * Throws AppError BadInput for an unknown scope, a bad name or an unknown capability.
 */
export function engage(
  db: Db,
  scope: KillSwitchScope,
  value: string | null | undefined,
  by: { actor: string; reason?: string | undefined },
): Promise<KillSwitchChange> {
  return setEngaged(db, scope, value, true, by);
}

/** Releases a kill switch and audits `kill_switch.released`; see {@link engage}. */
export function release(
  db: Db,
  scope: KillSwitchScope,
  value: string | null | undefined,
  by: { actor: string; reason?: string | undefined },
): Promise<KillSwitchChange> {
  return setEngaged(db, scope, value, false, by);
}

function fromPolicy(
  switches: readonly PolicyKillSwitch[],
  target: KillSwitchTarget,
): ActiveKillSwitch | null {
  const hit = switches
    .filter((k) => policySwitchApplies(k, target))
    .sort((a, b) => killSwitchRank(a.scope) - killSwitchRank(b.scope))[0];
  return hit ? { ...hit, actor: "policy", since: null, source: "policy" } : null;
}

/** The one indexed query behind {@link activeKillSwitch} (exported to check its plan). */
export function killSwitchQuery(db: Db, target: KillSwitchTarget) {
  const match = (scope: KillSwitchScope, value: string) =>
    and(eq(killSwitches.scope, scope), eq(killSwitches.value, value));
  const wanted: (SQL | undefined)[] = [match("global", "")];
  if (target.team) wanted.push(match("team", target.team));
  if (target.service) wanted.push(match("service", target.service));
  if (target.capability) wanted.push(match("capability", target.capability));
  return db
    .select({
      scope: killSwitches.scope,
      value: killSwitches.value,
      reason: killSwitches.reason,
      actor: killSwitches.actor,
      since: killSwitches.updatedAt,
    })
    .from(killSwitches)
    .where(and(eq(killSwitches.engaged, true), or(...wanted)))
    .orderBy(
      sql`case ${killSwitches.scope} when 'global' then 0 when 'team' then 1 when 'service' then 2 else 3 end`,
    )
    .limit(1);
}

/**
 * The kill switch that stops `target`, or null: global first, then the team, the
 * service, the capability (the broadest wins when several are engaged). Switches
 * declared in `policy` count too. One query on the (scope, value) primary key: this
 * runs before every phase and every external effect.
 */
export async function activeKillSwitch(
  db: Db,
  target: KillSwitchTarget,
  policy?: { kill_switches: readonly PolicyKillSwitch[] },
): Promise<ActiveKillSwitch | null> {
  const [row] = await killSwitchQuery(db, target);
  const stored: ActiveKillSwitch | null = row ? { ...row, source: "database" } : null;
  const declared = policy ? fromPolicy(policy.kill_switches, target) : null;
  if (stored && declared) {
    return killSwitchRank(declared.scope) < killSwitchRank(stored.scope) ? declared : stored;
  }
  return stored ?? declared;
}

/** "kill switch team payments engaged by U123: deploy freeze". */
export function describeKillSwitch(
  k: Pick<ActiveKillSwitch, "scope" | "value" | "reason" | "actor">,
) {
  const what = k.value ? `${k.scope} ${k.value}` : k.scope;
  return `kill switch ${what} engaged by ${k.actor}${k.reason ? `: ${k.reason}` : ""}`;
}

/** Every engaged switch in the database, broadest first (for status and `prode resume`). */
export async function listEngagedKillSwitches(db: Db): Promise<ActiveKillSwitch[]> {
  const rows = await db
    .select()
    .from(killSwitches)
    .where(eq(killSwitches.engaged, true))
    .orderBy(asc(killSwitches.value));
  return rows
    .map(
      (r): ActiveKillSwitch => ({
        scope: r.scope,
        value: r.value,
        reason: r.reason,
        actor: r.actor,
        since: r.updatedAt,
        source: "database",
      }),
    )
    .sort((a, b) => killSwitchRank(a.scope) - killSwitchRank(b.scope));
}
