import type { ToolEntry } from "../domain/evidence-context.ts";
import type { ConnectorProbe } from "./deps.ts";

const PROBE_TIMEOUT_MS = 5_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * INVENTORY_TOOLS: probes every configured connector in parallel. Not configured →
 * missing; configured but failing, or not provably read-only where that matters →
 * blocked. Each entry keeps its confidence impact, so a gap is never silent (invariant 7).
 */
export async function takeInventory(connectors: readonly ConnectorProbe[]): Promise<ToolEntry[]> {
  return Promise.all(
    connectors.map(async (c): Promise<ToolEntry> => {
      if (!c.probe) {
        return {
          connector: c.connector,
          status: "missing",
          reason: c.missingReason ?? "not configured",
          confidenceImpact: c.confidenceImpact,
        };
      }
      try {
        const result = await withTimeout(c.probe(), PROBE_TIMEOUT_MS, c.connector);
        if (!result.ok) {
          return {
            connector: c.connector,
            status: "blocked",
            reason: result.reason,
            confidenceImpact: c.confidenceImpact,
          };
        }
        if (c.connector === "db" && result.physicallyReadOnly === false) {
          // A replica that could accept a write is never used (invariant 3).
          return {
            connector: c.connector,
            status: "blocked",
            reason:
              "replica is not provably read-only (role can write or session is not read-only)",
            confidenceImpact: c.confidenceImpact,
            physicallyReadOnly: false,
          };
        }
        return {
          connector: c.connector,
          status: "available",
          confidenceImpact: c.confidenceImpact,
          ...(result.detail ? { reason: result.detail } : {}),
          ...(result.physicallyReadOnly !== undefined
            ? { physicallyReadOnly: result.physicallyReadOnly }
            : {}),
        };
      } catch (error) {
        return {
          connector: c.connector,
          status: "blocked",
          reason: `probe failed: ${error instanceof Error ? error.message : String(error)}`,
          confidenceImpact: c.confidenceImpact,
        };
      }
    }),
  );
}
