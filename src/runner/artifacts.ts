import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { canonicalJson } from "../audit/canonical-json.ts";
import type { Db, Tx } from "../db/client.ts";
import { artifacts } from "../db/schema.ts";
import { defaultRedactor } from "../safety/redact.ts";

interface StoredArtifact {
  sha256: string;
  redaction: Record<string, number>;
}

/**
 * Stores a run artifact (specialist output, evidence bundle, handoff, learning) redacted
 * and addressed by the sha256 of what was stored. Storing the same content twice is a
 * no-op, so retries are free.
 */
export async function putArtifact(
  db: Db | Tx,
  input: { runId: string; kind: string; name: string; value: unknown },
): Promise<StoredArtifact> {
  const { value, summary } = defaultRedactor.redactValue(input.value);
  const body = canonicalJson(value);
  const sha256 = createHash("sha256").update(body).digest("hex");
  await db
    .insert(artifacts)
    .values({
      sha256,
      runId: input.runId,
      kind: input.kind,
      name: input.name,
      body,
      redaction: summary,
    })
    .onConflictDoNothing();
  return { sha256, redaction: summary };
}

export async function getArtifact<T = unknown>(
  db: Db,
  runId: string,
  sha256: string,
): Promise<T | undefined> {
  const [row] = await db
    .select({ body: artifacts.body })
    .from(artifacts)
    .where(and(eq(artifacts.runId, runId), eq(artifacts.sha256, sha256)));
  return row ? (JSON.parse(row.body) as T) : undefined;
}
