import type { EvidenceCollector } from "../shared/collector.ts";
import { dominantRoute, LOOKBACK_MINUTES, RECENT_MINUTES } from "./analysis.ts";
import type { AwsReadings } from "./checks.ts";
import { CRASH_LOOP_MIN_RESTARTS } from "./series.ts";

/**
 * Turns the classic readings into the kinds the classifier has long used. `loopEmitted`:
 * a memory sawtooth already made the stop events' crash loop (leak.ts), with every fall.
 */
export function emitClassic(
  ev: EvidenceCollector,
  readings: AwsReadings,
  service: string,
  loopEmitted = false,
): void {
  if (readings.errorRate) {
    const { ref, reading } = readings.errorRate;
    if (reading.rising) {
      const route = readings.errorLogs.map((l) => dominantRoute(l.summary)).find(Boolean);
      ev.signal({
        source: ref,
        kind: "error_rate_rise",
        service,
        ...(route ? { path: route } : {}),
        from: reading.from,
        to: reading.to,
        windowMinutes: reading.windowMinutes ?? RECENT_MINUTES,
      });
    } else {
      ev.signal({ source: ref, kind: "no_5xx_rise", service, windowMinutes: LOOKBACK_MINUTES });
    }
  }
  for (const q of readings.queues) {
    ev.signal({
      source: q.ref,
      kind: "queue_saturation",
      queue: q.queue,
      ageSeconds: Math.round(q.ageSeconds * 10) / 10,
      threshold: q.threshold,
    });
  }
  if (readings.tasks) {
    const t = readings.tasks;
    const ceilings = readings.capacity
      .map((c) => c.events.maxCapacity)
      .filter((m): m is number => m !== undefined);
    ev.signal({
      source: t.ref,
      kind: "task_health",
      service: t.service,
      healthy: Math.max(0, t.running),
      desired: Math.max(0, t.desired),
      ...(ceilings.length ? { max: Math.max(...ceilings) } : {}),
    });
  }
  // Fewer stops than a crash loop's minimum still are one while the service has run short
  // of an unchanged desired count for a sustained stretch (the running-task series, not one
  // snapshot: any scale-out is briefly short while its new tasks start): the stops are what
  // keeps it short (ECS events are sampled, not all kept).
  const short = readings.tasks?.shortSince !== undefined;
  for (const { ref, events } of loopEmitted ? [] : readings.capacity) {
    const restarts = events.outOfMemory + events.containerExits;
    if (restarts < (short ? 1 : CRASH_LOOP_MIN_RESTARTS)) continue;
    ev.signal({
      source: ref,
      kind: "crash_loop",
      reason: events.outOfMemory >= events.containerExits ? "out_of_memory" : "exit",
      restarts,
      service,
      ...(events.firstAt ? { onset: events.firstAt } : {}),
      stopEvents: { outOfMemory: events.outOfMemory, exits: events.containerExits },
    });
  }
}
