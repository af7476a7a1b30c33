import type { Db } from "../db/client.ts";
import { AppError, asAppError } from "../domain/errors.ts";
import { commitTransition, commitTransitions } from "./transition.ts";
import type { RunRow, TransitionRequest } from "./types.ts";

interface Pending {
  req: TransitionRequest;
  resolve(run: RunRow): void;
  reject(error: unknown): void;
}

/** Transitions per statement at most. */
const MAX_BATCH = 32;

/**
 * Group commit for a worker's transitions (ADR 0011). A worker runs several steps at
 * once; their commits, requested while earlier ones are in flight, go to Postgres
 * together in one statement (`commitTransitions`): one round trip and one WAL flush for
 * the batch instead of one each. Each request still succeeds or fails on its own terms
 * (a stale writer gets StaleFencing, the others commit). If a batch's statement fails,
 * its requests are committed one by one, so one bad request cannot fail the others.
 * A batch never holds two transitions of one run; the later one waits for the next.
 */
export class CommitBatcher {
  readonly #db: Db;
  readonly #maxInFlight: number;
  #queue: Pending[] = [];
  #inFlight = 0;
  #scheduled = false;
  /** Statements sent and transitions they carried (for tests and metrics). */
  readonly stats = { statements: 0, transitions: 0 };

  /** `maxInFlight`: statements in flight at once; requests arriving meanwhile wait and go together. */
  constructor(db: Db, options: { maxInFlight?: number } = {}) {
    this.#db = db;
    this.#maxInFlight = options.maxInFlight ?? 2;
  }

  commit(req: TransitionRequest): Promise<RunRow> {
    return new Promise<RunRow>((resolve, reject) => {
      this.#queue.push({ req, resolve, reject });
      this.#schedule();
    });
  }

  /** Requests made in the same turn of the event loop go in the same batch. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const batch: Pending[] = [];
      const runs = new Set<string>();
      const rest: Pending[] = [];
      for (const item of this.#queue) {
        if (batch.length < MAX_BATCH && !runs.has(item.req.run.id)) {
          runs.add(item.req.run.id);
          batch.push(item);
        } else {
          rest.push(item);
        }
      }
      this.#queue = rest;
      this.#inFlight += 1;
      this.stats.statements += 1;
      this.stats.transitions += batch.length;
      void this.#send(batch).finally(() => {
        this.#inFlight -= 1;
        this.#drain();
      });
    }
  }

  async #send(batch: Pending[]): Promise<void> {
    let results: (RunRow | AppError)[];
    try {
      results = await commitTransitions(
        this.#db,
        batch.map((p) => p.req),
      );
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(asAppError(error));
        return;
      }
      await Promise.all(
        batch.map((p) =>
          commitTransition(this.#db, p.req).then(p.resolve, (e) => p.reject(asAppError(e))),
        ),
      );
      return;
    }
    results.forEach((result, k) => {
      const p = batch[k]!;
      if (result instanceof AppError) p.reject(result);
      else p.resolve(result);
    });
  }
}
