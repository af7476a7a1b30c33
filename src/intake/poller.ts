import type { LinearGateway } from "../adapters/linear/client.ts";
import { type IntakeDeps, pollOnce } from "./intake.ts";

/**
 * Schedules the fallback poller: every `intervalMs`, tickets with a trigger label updated
 * since the previous pass (with a margin for clock skew) that never had a run get one.
 */
export function startPoller(
  deps: IntakeDeps & { linear: LinearGateway },
  intervalMs: number,
): { stop(): void } {
  let since = new Date(Date.now() - intervalMs);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async () => {
    const started = new Date();
    try {
      await pollOnce(deps, new Date(since.getTime() - 60_000));
      since = started;
    } catch (error) {
      deps.log.warn({ err: error }, "poller pass failed; will retry");
    } finally {
      if (!stopped) timer = setTimeout(tick, intervalMs).unref();
    }
  };
  timer = setTimeout(tick, intervalMs).unref();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
