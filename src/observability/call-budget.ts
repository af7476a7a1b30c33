import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The time budget of whatever a piece of work calls, carried across awaits like a trace
 * context: a specialist's run sets its deadline and abort signal once (src/phases), and
 * the adapters' retry (src/adapters/retry.ts) reads it, so a provider's Retry-After is
 * waited out only when it fits, without threading a deadline through every read port.
 */
export interface CallBudget {
  /** The caller's deadline: no wait may end after it. */
  deadline?: Date;
  /** Aborts a wait in progress (the specialist's deadline or the phase's abort). */
  signal?: AbortSignal;
}

const budgets = new AsyncLocalStorage<CallBudget>();

/** Runs `fn` with `budget` as the budget of every adapter call it makes (across awaits). */
export function withCallBudget<T>(budget: CallBudget, fn: () => T): T {
  return budgets.run(budget, fn);
}

/** The budget set by the nearest {@link withCallBudget}, if any. */
export function currentCallBudget(): CallBudget | undefined {
  return budgets.getStore();
}
