import { createHash } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { Db, Tx } from "../db/client.ts";
import { auditEvents, auditHeads } from "../db/schema.ts";
import { defaultRedactor } from "../safety/redact.ts";
import { canonicalJson } from "./canonical-json.ts";

/**
 * The append-only, hash-chained audit log (DESIGN.md, Runner → Audit). Each run has its
 * own chain (`run:<id>`); events that belong to no run go to `global`.
 * hash = sha256(prev_hash || canonical_json(event)).
 */
export const GENESIS_HASH = "0".repeat(64);

export interface AuditInput {
  runId?: string | null;
  type: string;
  actor: string;
  /** Redacted here before it is hashed and stored. */
  payload?: Record<string, unknown>;
  at?: Date;
}

export function chainOf(runId: string | null | undefined): string {
  return runId ? `run:${runId}` : "global";
}

interface HashedFields {
  chain: string;
  seq: number;
  runId: string | null;
  type: string;
  actor: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** The hashed body of an event: everything but its position (seq), canonical JSON. */
export function eventBody(event: Omit<HashedFields, "seq">): string {
  return canonicalJson({
    chain: event.chain,
    runId: event.runId,
    type: event.type,
    actor: event.actor,
    payload: event.payload,
    createdAt: event.createdAt.toISOString(),
  });
}

/**
 * hash = sha256(prev_hash || seq || canonical_json(event)), over UTF-8. Postgres computes
 * the same with `sha256(convert_to(prev_hash || seq::text || body, 'UTF8'))`, which lets a
 * transition append its event in the same single statement (src/runner/transition.ts).
 */
export function hashEvent(prevHash: string, event: HashedFields): string {
  return createHash("sha256")
    .update(prevHash)
    .update(String(event.seq))
    .update(eventBody(event))
    .digest("hex");
}

/**
 * Locks the chain's head for this transaction and returns it. The upsert takes the row
 * lock even for a chain's first event, so concurrent appenders queue here (no advisory
 * lock, no race on the first event).
 */
async function lockHead(tx: Tx, chain: string): Promise<{ seq: number; hash: string }> {
  const [head] = await tx
    .insert(auditHeads)
    .values({ chain, seq: 0, hash: GENESIS_HASH })
    .onConflictDoUpdate({ target: auditHeads.chain, set: { seq: sql`${auditHeads.seq}` } })
    .returning({ seq: auditHeads.seq, hash: auditHeads.hash });
  return head ?? { seq: 0, hash: GENESIS_HASH };
}

/** The row to insert after `head`, with its hash (pure: no I/O). */
function nextAuditRow(head: { seq: number; hash: string }, input: AuditInput) {
  const chain = chainOf(input.runId);
  // Postgres keeps microseconds, JS milliseconds: hash what will read back.
  const createdAt = new Date(Math.floor((input.at ?? new Date()).getTime()));
  const event: HashedFields = {
    chain,
    seq: head.seq + 1,
    runId: input.runId ?? null,
    type: input.type,
    actor: input.actor,
    // Audit payloads are an egress (invariant 6): redacted before they are hashed and stored.
    payload: defaultRedactor.redactValue(input.payload ?? {}).value as Record<string, unknown>,
    createdAt,
  };
  return { ...event, prevHash: head.hash, hash: hashEvent(head.hash, event) };
}

/** The statement that stores `row` and moves its chain's head, as one round trip. */
function insertAuditRowSql(row: ReturnType<typeof nextAuditRow>) {
  return sql`with inserted as (
      insert into ${auditEvents} (chain, seq, run_id, type, actor, payload, created_at, prev_hash, hash)
      values (${row.chain}, ${row.seq}, ${row.runId}, ${row.type}, ${row.actor},
              ${JSON.stringify(row.payload)}::jsonb, ${row.createdAt.toISOString()}::timestamptz,
              ${row.prevHash}, ${row.hash})
      returning seq)
    update ${auditHeads} set seq = ${row.seq}, hash = ${row.hash} where chain = ${row.chain}`;
}

/**
 * Appends one event. Pass the transaction of the change it records so the two commit
 * together; given the database itself, it opens its own transaction.
 */
export async function appendAudit(
  db: Db | Tx,
  input: AuditInput,
): Promise<{ seq: number; hash: string }> {
  const append = async (tx: Tx) => {
    const row = nextAuditRow(await lockHead(tx, chainOf(input.runId)), input);
    await tx.execute(insertAuditRowSql(row));
    return { seq: row.seq, hash: row.hash };
  };
  return db instanceof PgTransaction ? append(db as Tx) : (db as Db).transaction(append);
}

export interface AuditBreak {
  chain: string;
  seq: number;
  id: number | null;
  reason: string;
}

export interface AuditVerification {
  ok: boolean;
  chains: number;
  events: number;
  /** The first broken link of each broken chain. */
  breaks: AuditBreak[];
}

/** Walks every chain (or one run's) from genesis and reports the first broken link. */
export async function verifyAudit(
  db: Db,
  options: { runId?: string } = {},
): Promise<AuditVerification> {
  const heads = options.runId
    ? await db
        .select()
        .from(auditHeads)
        .where(eq(auditHeads.chain, chainOf(options.runId)))
    : await db.select().from(auditHeads);
  const chainsWithRows = options.runId
    ? [chainOf(options.runId)]
    : (await db.selectDistinct({ chain: auditEvents.chain }).from(auditEvents)).map((r) => r.chain);
  const chains = [...new Set([...heads.map((h) => h.chain), ...chainsWithRows])].sort();
  const result: AuditVerification = { ok: true, chains: chains.length, events: 0, breaks: [] };

  for (const chain of chains) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.chain, chain)))
      .orderBy(asc(auditEvents.seq));
    result.events += rows.length;
    const brk = verifyChain(
      chain,
      rows,
      heads.find((h) => h.chain === chain),
    );
    if (brk) result.breaks.push(brk);
  }
  result.ok = result.breaks.length === 0;
  return result;
}

function verifyChain(
  chain: string,
  rows: (typeof auditEvents.$inferSelect)[],
  head: { seq: number; hash: string } | undefined,
): AuditBreak | undefined {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const row of rows) {
    if (row.seq !== expectedSeq) {
      return {
        chain,
        seq: expectedSeq,
        id: null,
        reason: `event ${expectedSeq} is missing (next is ${row.seq})`,
      };
    }
    if (row.prevHash !== prevHash) {
      return {
        chain,
        seq: row.seq,
        id: row.id,
        reason: "prev_hash does not match the previous event",
      };
    }
    const hash = hashEvent(prevHash, { ...row, createdAt: row.createdAt });
    if (hash !== row.hash) {
      return {
        chain,
        seq: row.seq,
        id: row.id,
        reason: "content does not match its hash (altered)",
      };
    }
    prevHash = row.hash;
    expectedSeq += 1;
  }
  if (!head) {
    return { chain, seq: expectedSeq - 1, id: null, reason: "chain has no recorded head" };
  }
  if (head.seq !== expectedSeq - 1 || head.hash !== prevHash) {
    return {
      chain,
      seq: expectedSeq,
      id: null,
      reason: `chain ends at event ${expectedSeq - 1} but its head records event ${head.seq} (events removed)`,
    };
  }
  return undefined;
}
