import { randomUUID } from "node:crypto";
import { linearWebhook } from "../../sim/services/linear-webhook.ts";
import { type Fault, type Suite, sleep } from "./suite.ts";

/**
 * The chaos suite's intake faults (issue 17): web SIGKILLed while signed Linear webhooks
 * arrive at a steady rate, and a crash or a database error between the statements of one
 * delivery (the delivery recorded, the run not yet inserted). Linear retries a delivery
 * web refused or never answered; every ticket must end as exactly one run. The faults on
 * the run insert are temporary triggers on `runs` in the suite's private database.
 */

/** Creates a BEFORE INSERT trigger on runs calling `body`, and returns its removal. */
async function onRunInsert(s: Suite, name: string, body: string): Promise<() => Promise<void>> {
  await s.sql.unsafe(`create or replace function ${name}() returns trigger language plpgsql
    as $$ begin ${body}; return new; end $$`);
  await s.sql.unsafe(`create trigger ${name} before insert on runs
    for each row execute function ${name}()`);
  return async () => {
    await s.sql.unsafe(`drop trigger if exists ${name} on runs`);
  };
}

/** SIGKILLs web, then waits until the supervisor's next incarnation is up. */
async function killWeb(s: Suite): Promise<void> {
  s.web.kill();
  await sleep(200);
  await Promise.race([s.web.ready(), sleep(30_000)]);
}

export const INTAKE_FAULTS: Fault[] = [
  {
    name: "web SIGKILL x2 under webhook load (5/s)",
    tickets: 30,
    perSecond: 5,
    async inject(s) {
      await killWeb(s);
      await sleep(1_000);
      await killWeb(s);
    },
  },
  {
    // The run insert fails (a database error after the delivery is recorded, in the same
    // request) for 3 s: web answers 500, Linear retries, the retry must start the run.
    name: "intake: run insert fails (3 s)",
    perSecond: 3,
    async inject(s) {
      const remove = await onRunInsert(
        s,
        "chaos_fail_run_insert",
        "raise exception 'chaos: the run insert fails'",
      );
      await sleep(3_000);
      await remove();
    },
  },
  {
    // Web dies between the delivery's statements: the run insert stalls 2 s, web is
    // SIGKILLed while deliveries wait in it, Linear retries them against the next web.
    name: "intake: web SIGKILL between statements",
    perSecond: 3,
    async inject(s) {
      const remove = await onRunInsert(s, "chaos_stall_run_insert", "perform pg_sleep(2)");
      await sleep(1_000);
      s.web.kill();
      await remove();
      await sleep(200);
      await Promise.race([s.web.ready(), sleep(30_000)]);
    },
  },
];

/** `--smoke` / CHAOS_SMOKE=1: a Redis restart and a worker SIGKILL, a few tickets each. */
export const SMOKE_FAULTS: Fault[] = [
  { name: "Redis restart", tickets: 5, inject: (s) => s.redis.restart() },
  {
    name: "worker SIGKILL x1",
    tickets: 5,
    async inject(s) {
      s.workers[0]?.kill();
    },
  },
];

export const LADDER_NAME = "intake ladder";
/** Deliveries per second at each step (CHAOS_LADDER, comma-separated). */
export const LADDER_RATES = (process.env.CHAOS_LADDER ?? "50,100,200,400")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
/** Seconds per step (CHAOS_LADDER_SECONDS). */
export const LADDER_SECONDS = Number(process.env.CHAOS_LADDER_SECONDS ?? 3);
export const ladderTickets = () => LADDER_RATES.reduce((n, r) => n + r * LADDER_SECONDS, 0);

export interface LadderRow {
  rate: number;
  sent: number;
  accepted: number;
  refused429: number;
  errors: number;
  lost: number;
  p50ms: number;
  p99ms: number;
}

interface Sent {
  ticket: string;
  status: number | "error";
  ms: number;
}

async function send(s: Suite, ticket: string): Promise<Sent> {
  const delivery = linearWebhook(s.world, {
    action: "create",
    type: "Issue",
    data: { identifier: ticket },
    deliveryId: randomUUID(),
  });
  const t0 = performance.now();
  try {
    const res = await fetch(`${s.webUrl}/webhooks/linear`, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return { ticket, status: res.status, ms: performance.now() - t0 };
  } catch {
    return { ticket, status: "error", ms: performance.now() - t0 };
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted.length
    ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0)
    : 0;

/**
 * Rising webhook rates, open loop (a delivery is sent on schedule whether or not the
 * previous ones were answered), one new ticket per delivery. The workers are paused
 * (SIGSTOP) so the steps measure intake alone: verify, record, insert the run, enqueue.
 * Per step: accepted (2xx), refused with 429, errors (5xx or no answer), lost (accepted
 * but no run in the database), p50/p99 latency of the answers. A 429 is a refusal Linear
 * retries later, not a loss; the suite sets PRODE_HTTP_RATE_* high so the steps measure
 * capacity rather than the limiter.
 */
export async function intakeLadder(s: Suite, tickets: string[]): Promise<LadderRow[]> {
  const rows: LadderRow[] = [];
  for (const w of s.workers) w.signal("SIGSTOP");
  try {
    let next = 0;
    for (const rate of LADDER_RATES) {
      const count = rate * LADDER_SECONDS;
      const batch = tickets.slice(next, next + count);
      next += count;
      const started = performance.now();
      const pending: Promise<Sent>[] = [];
      for (const [i, ticket] of batch.entries()) {
        const due = started + (i * 1_000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        pending.push(send(s, ticket));
      }
      const sent = await Promise.all(pending);
      const accepted = sent.filter((r) => typeof r.status === "number" && r.status < 300);
      const withRun = new Set(
        (
          await s.sql<{ ticket: string }[]>`
          select ticket from runs where ticket = any(${accepted.map((r) => r.ticket)})`
        ).map((r) => r.ticket),
      );
      const ms = sent
        .filter((r) => r.status !== "error")
        .map((r) => r.ms)
        .sort((a, b) => a - b);
      rows.push({
        rate,
        sent: sent.length,
        accepted: accepted.length,
        refused429: sent.filter((r) => r.status === 429).length,
        errors: sent.filter((r) => r.status === "error" || r.status >= 500).length,
        lost: accepted.filter((r) => !withRun.has(r.ticket)).length,
        p50ms: percentile(ms, 0.5),
        p99ms: percentile(ms, 0.99),
      });
      process.stdout.write(`chaos: ${LADDER_NAME}: ${JSON.stringify(rows.at(-1))}\n`);
      await sleep(1_000);
    }
  } finally {
    for (const w of s.workers) w.signal("SIGCONT");
  }
  return rows;
}

export function printLadder(rows: LadderRow[]): void {
  if (!rows.length) return;
  const header = [
    "rate/s",
    "sent",
    "accepted",
    "refused 429",
    "errors",
    "lost",
    "p50 ms",
    "p99 ms",
  ];
  const cells = rows.map((r) =>
    [r.rate, r.sent, r.accepted, r.refused429, r.errors, r.lost, r.p50ms, r.p99ms].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join("  ");
  process.stdout.write(`${line(header)}\n${cells.map(line).join("\n")}\n`);
}
