import type { runs } from "../db/schema.ts";
import { phaseJobId } from "./ids.ts";

// types.ts imports this module, so RunRow is derived here rather than imported from it.
type RunRow = typeof runs.$inferSelect;

/**
 * The leases this worker process handed to its own runs' next steps (ADR 0010).
 *
 * When a worker commits a step whose next phase needs a job, the commit keeps the run
 * leased to that worker under a new fencing counter, and the job carries that counter.
 * If the job comes back to this process, the row kept here is the lease: the step runs
 * with no lease statement. If it lands on another worker, that worker adopts the lease
 * with one statement, naming the counter the job carries.
 *
 * An entry is used at most once, only on the job's first delivery (a stalled or retried
 * job always takes the lease in Postgres, fencing out any earlier holder), and only
 * while at most half its lease has passed (so the heartbeat starts well before expiry).
 * Entries for jobs another process took are dropped once too old to use, or when the
 * map is full.
 */
export class LeaseHandoffs {
  readonly #rows = new Map<string, { run: RunRow; at: number }>();
  readonly #leaseMs: number;
  readonly #max: number;
  readonly #clock: () => number;

  constructor(options: { leaseMs: number; max?: number; clock?: () => number }) {
    this.#leaseMs = options.leaseMs;
    this.#max = options.max ?? 1_000;
    this.#clock = options.clock ?? (() => performance.now());
  }

  get size(): number {
    return this.#rows.size;
  }

  /**
   * The runs whose kept lease no job has come to take yet, as the commit left them. After
   * Redis lost their jobs, the reconciler gives them new ones (reconcileOnce).
   */
  waiting(): RunRow[] {
    this.#prune(this.#clock());
    return [...this.#rows.values()].map((entry) => entry.run);
  }

  /**
   * Withdraws the kept lease of `run`'s step, so that a new job for it adopts the lease
   * in Postgres (where the lease is checked) instead of taking this row. False when a
   * job already took it: the step is running here, and must not get a second job.
   */
  withdraw(run: RunRow): boolean {
    const key = phaseJobId(run.id, run.seq);
    if (this.#rows.get(key)?.run.fencing !== run.fencing) return false;
    return this.#rows.delete(key);
  }

  /** Keeps the run row a commit returned, leased to this worker for its next step. */
  keep(run: RunRow): void {
    const now = this.#clock();
    const key = phaseJobId(run.id, run.seq);
    this.#rows.delete(key);
    this.#rows.set(key, { run, at: now });
    this.#prune(now);
  }

  /** Oldest first: drops what can no longer be used, and anything past the bound. */
  #prune(now: number): void {
    for (const [oldest, entry] of this.#rows) {
      if (this.#rows.size <= this.#max && now - entry.at <= this.#leaseMs / 2) break;
      this.#rows.delete(oldest);
    }
  }

  /**
   * The kept lease for the job (run, seq) carrying fencing counter `lease`, if it is
   * still usable; removes it either way.
   */
  take(runId: string, seq: number, lease: number): RunRow | undefined {
    const key = phaseJobId(runId, seq);
    const entry = this.#rows.get(key);
    if (!entry) return undefined;
    this.#rows.delete(key);
    if (entry.run.fencing !== lease) return undefined;
    if (this.#clock() - entry.at > this.#leaseMs / 2) return undefined;
    return entry.run;
  }
}
