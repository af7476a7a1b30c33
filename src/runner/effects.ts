import { and, eq, type SQL, sql } from "drizzle-orm";
import { appendAudit } from "../audit/audit.ts";
import type { Db } from "../db/client.ts";
import { effects } from "../db/schema.ts";
import { AppError, asAppError, ErrorCode } from "../domain/errors.ts";
import type { EffectOutcome, EffectSpec, KillSwitchCheck, PhaseContext } from "./types.ts";

export interface EffectOwner {
  runId: string;
  fencing: number;
  workerId: string;
  /** The run's team and service and its candidate scopes, for the kill switch (`scopeOf`). */
  scope?: Scope;
}

type Scope = {
  team?: string;
  service?: string;
  candidates?: { team?: string; service?: string }[];
};

/**
 * A step's `effect` and `widenScope`: every effect checks kill switches against the run's
 * scope as the step began plus the services the phase added since (widenScope), so a
 * phase that learns the run concerns another service stops at that service's switch.
 */
export function stepEffects(
  db: Db,
  owner: Omit<EffectOwner, "scope"> & { scope?: Scope },
  killSwitch?: KillSwitchCheck,
): Pick<PhaseContext, "effect" | "widenScope"> {
  const scope = { ...owner.scope, candidates: [...(owner.scope?.candidates ?? [])] };
  return {
    effect: (spec) => performEffect(db, { ...owner, scope }, spec, killSwitch),
    widenScope(services) {
      for (const service of services) {
        if (service === scope.service || scope.candidates.some((c) => c.service === service)) {
          continue;
        }
        scope.candidates.push({ service });
      }
    },
  };
}

/** Between the run id and the effect name in a ledger key; run ids never contain it. */
const KEY_SEPARATOR = "/";

/** The ledger's key of a run's effect (ADR 0002); readers of the ledger use this or {@link effectKeySql}. */
export function effectKey(runId: string, name: string): string {
  return `${runId}${KEY_SEPARATOR}${name}`;
}

/**
 * {@link effectKey} in SQL, for a run id that is a column of the enclosing query (a
 * correlated subquery over `runs`): the same key, so the lookup stays on the primary key.
 */
export function effectKeySql(runId: SQL, name: string): SQL {
  return sql`(${runId} || ${`${KEY_SEPARATOR}${name}`}::text)`;
}

/**
 * The effect ledger (DESIGN.md): key = run + effect name. Done → the stored external id.
 * Pending after a crash → `reconcile` looks it up remotely before performing again.
 * The writer must still hold the run's fencing counter, so a zombie cannot perform.
 */
export async function performEffect<T>(
  db: Db,
  owner: EffectOwner,
  spec: EffectSpec<T>,
  killSwitch?: KillSwitchCheck,
): Promise<EffectOutcome<T>> {
  const key = effectKey(owner.runId, spec.name);
  const [existing] = await db.select().from(effects).where(eq(effects.key, key));
  if (existing?.status === "done") {
    return { externalId: existing.externalId ?? "", result: existing.result as T, reused: true };
  }

  if (killSwitch) {
    const engaged = await killSwitch({ ...owner.scope, capability: spec.capability });
    if (engaged) {
      throw new AppError(
        ErrorCode.KillSwitchEngaged,
        `kill switch ${engaged.scope}${engaged.value ? ` ${engaged.value}` : ""} stops ${spec.name}: ${engaged.reason}`,
        { retryable: false },
      );
    }
  }

  if (existing && spec.reconcile) await waitForAttemptInFlight(db, key, spec.name);

  if (!existing) {
    await db
      .insert(effects)
      .values({
        key,
        runId: owner.runId,
        name: spec.name,
        status: "pending",
        fencing: owner.fencing,
      })
      .onConflictDoNothing();
  } else if (spec.reconcile) {
    const found = await spec.reconcile();
    if (found) {
      await markDone(db, owner, key, spec.name, found, "reconciled");
      return { ...found, reused: true };
    }
  }

  // Claim the attempt only while this writer still holds the run's lease, recording until
  // when it may still land remotely (a call that timed out may yet succeed).
  const inFlightUntil = spec.inFlightMs
    ? sql`now() + ${Math.ceil(spec.inFlightMs)}::int * interval '1 millisecond'`
    : null;
  const claimed = await db
    .update(effects)
    .set({
      attempts: sql`${effects.attempts} + 1`,
      fencing: owner.fencing,
      inFlightUntil,
      updatedAt: new Date(),
    })
    .where(
      and(
        eq(effects.key, key),
        eq(effects.status, "pending"),
        // Qualified by hand: inside a subquery drizzle prints columns without their table.
        sql`exists (select 1 from runs r where r.id = ${owner.runId}
          and r.fencing = ${owner.fencing} and r.lease_owner = ${owner.workerId})`,
      ),
    )
    .returning({ key: effects.key });
  if (claimed.length === 0) {
    const [now] = await db.select().from(effects).where(eq(effects.key, key));
    if (now?.status === "done") {
      return { externalId: now.externalId ?? "", result: now.result as T, reused: true };
    }
    throw new AppError(
      ErrorCode.StaleFencing,
      `effect ${spec.name} refused: run ${owner.runId} is no longer leased by ${owner.workerId}`,
    );
  }

  let performed: { externalId: string; result: T };
  try {
    performed = await spec.perform();
  } catch (thrown) {
    // A provider's answer ends the attempt: it can no longer land, and the next attempt's
    // lookup need not wait. A timeout or a lost connection leaves the deadline standing.
    if (inFlightUntil && answered(asAppError(thrown))) {
      await db
        .update(effects)
        .set({ inFlightUntil: null })
        .where(and(eq(effects.key, key), eq(effects.status, "pending")))
        .catch(() => {});
    }
    throw thrown;
  }
  await markDone(db, owner, key, spec.name, performed, "performed");
  return { ...performed, reused: false };
}

/** Failures that cannot hide a request still on its way: the provider (or prode) answered. */
const UNANSWERED: ReadonlySet<string> = new Set([
  ErrorCode.UpstreamUnavailable,
  ErrorCode.Timeout,
  ErrorCode.Internal,
  ErrorCode.EffectFailed,
]);
function answered(error: AppError): boolean {
  return !UNANSWERED.has(error.code);
}

/**
 * A pending effect whose last attempt may still land (its `in_flight_until` is ahead)
 * cannot be decided by a remote lookup yet: a message that Slack accepts after the client
 * gave up appears only later. Throws a retryable `EffectFailed` carrying the time left;
 * the engine turns it into a delayed job, so no worker sits waiting (issue 17, ADR 0002).
 */
async function waitForAttemptInFlight(db: Db, key: string, name: string): Promise<void> {
  const [row] = await db
    .select({
      leftMs: sql<number>`ceil(extract(epoch from (${effects.inFlightUntil} - now())) * 1000)::int`,
    })
    .from(effects)
    .where(
      and(
        eq(effects.key, key),
        eq(effects.status, "pending"),
        sql`${effects.inFlightUntil} > now()`,
      ),
    );
  if (!row) return;
  const leftMs = Math.max(1, Number(row.leftMs));
  throw new AppError(
    ErrorCode.EffectFailed,
    `effect ${name}: an earlier attempt may still land for ${leftMs} ms; deciding after that`,
    { retryable: true, retryAfterMs: leftMs },
  );
}

async function markDone(
  db: Db,
  owner: EffectOwner,
  key: string,
  name: string,
  done: { externalId: string; result: unknown },
  how: "performed" | "reconciled",
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(effects)
      .set({
        status: "done",
        inFlightUntil: null,
        externalId: done.externalId,
        result: (done.result ?? null) as never,
        updatedAt: new Date(),
      })
      .where(eq(effects.key, key));
    await appendAudit(tx, {
      runId: owner.runId,
      type: `effect.${how}`,
      actor: owner.workerId,
      payload: { name, externalId: done.externalId },
    });
  });
}
