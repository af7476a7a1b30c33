import { describe, expect, it } from "vitest";
import type { ReplicaProbe } from "../../safety/replica.ts";
import { assessReadOnly } from "./reader.ts";

const probe = (overrides: Partial<ReplicaProbe>): ReplicaProbe => ({
  role: "prode_ro",
  serverVersion: "16.4",
  transactionReadOnly: true,
  defaultTransactionReadOnly: true,
  inRecovery: false,
  superuser: false,
  roleAttributes: [],
  writePrivileges: [],
  writeCapableRoles: [],
  overloads: [],
  hasWriteAccess: false,
  ...overrides,
});

describe("assessReadOnly", () => {
  it("calls a SELECT-only role with read-only sessions physically read-only, and says why", () => {
    const verdict = assessReadOnly(probe({}));
    expect(verdict).toMatchObject({
      physicallyReadOnly: true,
      basis: { roleWithoutWrites: true, defaultReadOnly: true, hotStandby: false },
    });
    expect(verdict.reason).toBe(
      "read-only: role prode_ro has no write privilege, sessions default to read-only",
    );
  });

  it("does not when the role can write, and names what it can write", () => {
    const verdict = assessReadOnly(
      probe({ hasWriteAccess: true, writePrivileges: ["public.accounts: INSERT,UPDATE"] }),
    );
    expect(verdict.physicallyReadOnly).toBe(false);
    expect(verdict.basis.roleWithoutWrites).toBe(false);
    expect(verdict.reason).toContain("role prode_ro can write (public.accounts: INSERT,UPDATE)");
  });

  it("does not when sessions are not read-only by default", () => {
    expect(assessReadOnly(probe({ defaultTransactionReadOnly: false })).physicallyReadOnly).toBe(
      false,
    );
  });

  it("calls a hot standby read-only whatever the role may do", () => {
    const verdict = assessReadOnly(
      probe({ inRecovery: true, superuser: true, hasWriteAccess: true }),
    );
    expect(verdict).toMatchObject({ physicallyReadOnly: true, basis: { hotStandby: true } });
  });
});
