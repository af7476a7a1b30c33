import type { ReplicaReader } from "../../../specialists/tools.ts";
import { asAppError, ErrorCode } from "../../domain/errors.ts";
import {
  createGuardedReplica,
  type GuardedReplica,
  type GuardedReplicaOptions,
  type ReplicaProbe,
} from "../../safety/replica.ts";

/**
 * The replica as specialists and the tool inventory see it. Specialists get only
 * {@link ReplicaReader.query}: every statement goes through the SQL guard and the READ
 * ONLY transaction of src/safety/replica.ts (no second implementation here), and the
 * connection, the probe and `close` stay with the composition root.
 */

/** Narrows the guarded reader to the specialists' port: a statement in, names and rows out. */
function toSpecialistReader(guarded: GuardedReplica): ReplicaReader {
  return {
    async query(statement) {
      const result = await guarded.query(statement);
      return {
        columns: result.columns.map((c) => c.name),
        rows: result.rows,
        rowCount: result.rowCount,
        truncated: result.truncated,
      };
    },
  };
}

/** Which layers make the replica refuse writes, as the inventory records them. */
export interface ReplicaReadOnlyBasis {
  /** The role holds no write privilege, no write-capable predefined role, no superuser. */
  roleWithoutWrites: boolean;
  /** default_transaction_read_only is on for the session. */
  defaultReadOnly: boolean;
  /** pg_is_in_recovery(): a hot standby, which refuses writes whatever the role. */
  hotStandby: boolean;
}

export type ReplicaInventoryProbe =
  | {
      ok: true;
      /**
       * Physically read-only: a hot standby, or a role with no write privilege whose
       * sessions default to read-only. Anything less leans on the guard alone.
       */
      physicallyReadOnly: boolean;
      basis: ReplicaReadOnlyBasis;
      /** Why it is or is not physically read-only, in words for the inventory. */
      reason: string;
      probe: ReplicaProbe;
    }
  | { ok: false; reason: string; code: ErrorCode; retryable: boolean };

/** Derives the inventory's verdict from the guard's probe (pure, so it is unit-tested). */
export function assessReadOnly(probe: ReplicaProbe): Extract<ReplicaInventoryProbe, { ok: true }> {
  const basis: ReplicaReadOnlyBasis = {
    roleWithoutWrites: !probe.hasWriteAccess,
    defaultReadOnly: probe.defaultTransactionReadOnly,
    hotStandby: probe.inRecovery,
  };
  const physicallyReadOnly = basis.hotStandby || (basis.roleWithoutWrites && basis.defaultReadOnly);
  const held = [
    basis.hotStandby ? "hot standby (pg_is_in_recovery)" : undefined,
    basis.roleWithoutWrites ? `role ${probe.role} has no write privilege` : undefined,
    basis.defaultReadOnly ? "sessions default to read-only" : undefined,
  ].filter((x): x is string => x !== undefined);
  const missing = [
    basis.roleWithoutWrites
      ? undefined
      : `role ${probe.role} can write (${[
          ...(probe.superuser ? ["superuser"] : []),
          ...probe.writeCapableRoles,
          ...probe.writePrivileges.slice(0, 3),
        ].join("; ")})`,
    basis.defaultReadOnly ? undefined : "sessions do not default to read-only",
  ].filter((x): x is string => x !== undefined);
  const reason = physicallyReadOnly
    ? `read-only: ${held.join(", ")}`
    : `not physically read-only: ${missing.join(", ")}; only the SQL guard and READ ONLY transaction stop writes`;
  return { ok: true, physicallyReadOnly, basis, reason, probe };
}

/** Runs the guard's probe for the tool inventory; never throws. */
export async function probeReplica(guarded: GuardedReplica): Promise<ReplicaInventoryProbe> {
  try {
    return assessReadOnly(await guarded.probe());
  } catch (error) {
    const appError = asAppError(error, ErrorCode.UpstreamUnavailable);
    return {
      ok: false,
      reason: `replica probe failed: ${appError.message}`,
      code: appError.code,
      retryable: appError.retryable,
    };
  }
}

const DEFAULT_REPLICA_OPTIONS: GuardedReplicaOptions = {
  statementTimeoutMs: 5_000,
  lockTimeoutMs: 1_000,
  idleTimeoutMs: 10_000,
  rowCap: 200,
};

export interface ReplicaAdapter {
  /** The capability handed to specialists. */
  reader: ReplicaReader;
  probe(): Promise<ReplicaInventoryProbe>;
  close(): Promise<void>;
}

/** Opens the guarded replica at `url` and exposes the specialist port plus the probe. */
export function openReplica(
  url: string,
  options: Partial<GuardedReplicaOptions> = {},
): ReplicaAdapter {
  const guarded = createGuardedReplica(url, { ...DEFAULT_REPLICA_OPTIONS, ...options });
  return {
    reader: toSpecialistReader(guarded),
    probe: () => probeReplica(guarded),
    close: () => guarded.close(),
  };
}
