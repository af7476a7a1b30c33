import { createHash } from "node:crypto";
import { asc, eq, type SQL, sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import type { Db, Tx } from "../db/client.ts";
import { approvals, auditEvents, auditHeads } from "../db/schema.ts";
import { param, statement } from "../db/statement.ts";
import { defaultRedactor } from "../safety/redact.ts";
import { type ApprovalDigestMismatch, approvalDigestMismatches } from "./approval-digests.ts";
import { canonicalJson } from "./canonical-json.ts";

/**
 * The append-only, hash-chained audit log (DESIGN.md, Runner → Audit). Each run has its
 * own chain (`run:<id>`); events that belong to no run go to `global`.
 * hash = sha256(prev_hash || canonical_json(event)).
 */
export const GENESIS_HASH = "0".repeat(64);

interface AuditInput {
  runId?: string | null;
  type: string;
  actor: string;
  /** Redacted here before it is hashed and stored. */
  payload?: Record<string, unknown>;
  at?: Date;
}

function chainOf(runId: string | null | undefined): string {
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
function eventBody(event: Omit<HashedFields, "seq">): string {
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
function hashEvent(prevHash: string, event: HashedFields): string {
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
const LOCK_HEAD = statement(
  () => sql`
    insert into audit_heads (chain, seq, hash) values (${param("chain")}::text, 0, ${GENESIS_HASH})
    on conflict (chain) do update set seq = audit_heads.seq
    returning seq, hash`,
);

/** An event ready to append: redacted, its time cut to milliseconds, its body canonical. */
export interface PreparedEvent {
  chain: string;
  runId: string | null;
  type: string;
  actor: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  body: string;
}

export function prepareEvent(input: AuditInput): PreparedEvent {
  const fields = {
    chain: chainOf(input.runId),
    runId: input.runId ?? null,
    type: input.type,
    actor: input.actor,
    // Audit payloads are an egress (invariant 6): redacted before they are hashed and stored.
    payload: defaultRedactor.redactValue(input.payload ?? {}).value as Record<string, unknown>,
    // Postgres keeps microseconds, JS milliseconds: hash what will read back.
    createdAt: new Date(Math.floor((input.at ?? new Date()).getTime())),
  };
  return { ...fields, body: eventBody(fields) };
}

/**
 * An event's fields as the named parameters {@link eventSource} reads: a statement that
 * appends an event is built once and gets these values each time.
 */
export function eventParams(event: PreparedEvent): Record<string, unknown> {
  return {
    chain: event.chain,
    run_id: event.runId,
    type: event.type,
    actor: event.actor,
    payload: JSON.stringify(event.payload),
    created_at: event.createdAt.toISOString(),
    body: event.body,
  };
}

/**
 * One event (the parameters of {@link eventParams}) as an event source for
 * {@link appendEventCtes}, with the chain's head from the FROM clause `headFrom`, which
 * gives it as `head` (a statement may add more, so nothing is appended without them).
 */
export function eventSource(headFrom: SQL): SQL {
  return sql`select ${param("chain")}::text as chain, ${param("run_id")}::text as run_id,
      ${param("type")}::text as type, ${param("actor")}::text as actor,
      ${param("payload")}::jsonb as payload, ${param("created_at")}::timestamptz as created_at,
      ${param("body")}::text as body, head.seq as head_seq, head.hash as head_hash
    from ${headFrom}`;
}

/**
 * The one place events are stored: CTEs `ev` (each event's seq and hash, computed by
 * Postgres exactly as {@link hashEvent} does), `a` (the audit rows) and `h` (the chains'
 * new heads). `source` is a query giving one row per event, at most one per chain:
 * chain, run_id, type, actor, payload (jsonb), created_at, body (the canonical JSON that
 * is hashed) and the chain's locked head as head_seq and head_hash. For new chains
 * (`newChains`), the head is genesis (seq 0, {@link GENESIS_HASH}) and is created.
 */
export function appendEventCtes(source: SQL, options: { newChains?: boolean } = {}): SQL {
  const head = options.newChains
    ? sql`insert into audit_heads (chain, seq, hash) select chain, seq, hash from ev`
    : sql`update audit_heads set seq = ev.seq, hash = ev.hash from ev where audit_heads.chain = ev.chain`;
  return sql`ev as (
      select src.*, src.head_seq + 1 as seq, src.head_hash as prev_hash,
        encode(sha256(convert_to(src.head_hash || (src.head_seq + 1)::text || src.body, 'UTF8')), 'hex') as hash
      from (${source}) src
    ), a as (
      insert into audit_events (chain, seq, run_id, type, actor, payload, created_at, prev_hash, hash)
      select chain, seq, run_id, type, actor, payload, created_at, prev_hash, hash from ev
    ), h as (${head})`;
}

/**
 * Appends one event. Pass the transaction of the change it records so the two commit
 * together; given the database itself, it opens its own transaction.
 */
export async function appendAudit(
  db: Db | Tx,
  input: AuditInput,
): Promise<{ seq: number; hash: string }> {
  const event = prepareEvent(input);
  const append = async (tx: Tx) => {
    const [head] = await LOCK_HEAD(tx, { chain: event.chain });
    const [row] = await APPEND(tx, {
      ...eventParams(event),
      head_seq: head!.seq,
      head_hash: head!.hash,
    });
    return { seq: Number(row!.seq), hash: row!.hash as string };
  };
  return db instanceof PgTransaction ? append(db as Tx) : (db as Db).transaction(append);
}

/** Appends one event after the head that LOCK_HEAD returned (same transaction). */
const APPEND = statement(
  () => sql`
    with head as (select ${param("head_seq")}::int as seq, ${param("head_hash")}::text as hash),
    ${appendEventCtes(eventSource(sql`head`))}
    select seq, hash from ev`,
);

interface AuditBreak {
  chain: string;
  seq: number;
  id: number | null;
  reason: string;
}

interface AuditVerification {
  ok: boolean;
  chains: number;
  events: number;
  /** The first broken link of each broken chain. */
  breaks: AuditBreak[];
  /** Approvals decided (or stored) on another digest than the one requested. */
  approvalMismatches: ApprovalDigestMismatch[];
}

/** Walks every chain (or one run's) from genesis and reports the first broken link. */
export function verifyAudit(db: Db, options: { runId?: string } = {}): Promise<AuditVerification> {
  // One snapshot for the heads and the rows: read apart, an append committed in between
  // (a racing approver's decision) reads as a chain longer than its head, a false break.
  return db.transaction((tx) => verifyInSnapshot(tx as unknown as Db, options), {
    isolationLevel: "repeatable read",
    accessMode: "read only",
  });
}

async function verifyInSnapshot(db: Db, options: { runId?: string }): Promise<AuditVerification> {
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
  const result: AuditVerification = {
    ok: true,
    chains: chains.length,
    events: 0,
    breaks: [],
    approvalMismatches: [],
  };

  const headOf = new Map(heads.map((h) => [h.chain, h]));
  // One chain in memory at a time: the whole log may not fit.
  for (const chain of chains) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.chain, chain))
      .orderBy(asc(auditEvents.seq));
    result.events += rows.length;
    const brk = verifyChain(chain, rows, headOf.get(chain));
    if (brk) result.breaks.push(brk);
    const runId = chain.startsWith("run:") ? chain.slice(4) : null;
    const stored = runId
      ? await db
          .select({ id: approvals.id, digest: approvals.digest })
          .from(approvals)
          .where(eq(approvals.runId, runId))
      : [];
    result.approvalMismatches.push(...approvalDigestMismatches(chain, rows, stored));
  }
  result.ok = result.breaks.length === 0 && result.approvalMismatches.length === 0;
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
