import type { EvidenceCollector, SourceRef } from "../shared/collector.ts";
import { type DeployView, shortSha } from "./correlate.ts";

/**
 * The release specialist's negative control: no deploy in the window before `now`, which
 * rejects the release hypothesis for a symptom that began then.
 */

const hoursBetween = (a: Date, b: string) =>
  Math.round(((a.getTime() - Date.parse(b)) / 3_600_000) * 10) / 10;

/** `deploy_absent` over the window, with the last deploy before it as the finding. */
export function recordAbsence(
  ev: EvidenceCollector,
  views: DeployView[],
  listRef: SourceRef,
  w: { environment: string; service: string | undefined; windowHours: number; now: Date },
): void {
  ev.signal({
    kind: "deploy_absent",
    source: listRef,
    ...(w.service ? { service: w.service } : {}),
    windowHours: w.windowHours,
    windowStart: new Date(w.now.getTime() - w.windowHours * 3_600_000).toISOString(),
    windowEnd: w.now.toISOString(),
  });
  const last = views.find((v) => Date.parse(v.startedAt) <= w.now.getTime());
  ev.finding({
    fact: last
      ? `no deploy to ${w.environment} in the ${w.windowHours}h before ${w.now.toISOString()}; the last, ${last.id} of ${last.ref} (${shortSha(last.sha)}), began ${last.startedAt}, ${hoursBetween(w.now, last.startedAt)}h before`
      : `no deploy to ${w.environment} is recorded at all`,
    source: listRef,
  });
}
