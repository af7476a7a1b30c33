import type { Check, SourceRef } from "../shared/collector.ts";
import type { MetricAlarm } from "../tools.ts";
import type { CheckContext } from "./checks.ts";
import type { Resource } from "./resources.ts";

/** Alarm history and provider events: the last day. */
export const HISTORY_MINUTES = 24 * 60;
const MINUTE = 60_000;

/** The service's alarms as findings, and how many others fire in the account. */
export function reportAlarms(
  ctx: CheckContext,
  ours: MetricAlarm[],
  others: number,
  label: string,
) {
  for (const a of ours) {
    const ref = ctx.ev.source({
      kind: "cloudwatch_alarm",
      ref: `cloudwatch_alarm:${a.name}`,
      fetchedAt: ctx.clock(),
    });
    ctx.ev.finding({
      fact: `alarm ${a.name} is in ${a.state} since ${a.stateUpdatedAt} on ${a.namespace} ${a.metricName}${a.threshold !== undefined ? ` (threshold ${a.threshold})` : ""}`,
      source: ref,
      observedAt: a.stateUpdatedAt,
    });
  }
  if (others > 0) {
    const ref = ctx.ev.source({
      kind: "cloudwatch_alarm",
      ref: "cloudwatch_alarm:*",
      fetchedAt: ctx.clock(),
    });
    ctx.ev.finding({
      fact: `${others} other alarm(s) in ALARM in the account, on resources not found for ${label}`,
      source: ref,
    });
  }
}

export function alarmHistoryCheck(ctx: CheckContext, alarm: MetricAlarm): Check {
  return {
    what: `history of alarm ${alarm.name}`,
    confidenceImpact: 0,
    run: async () => {
      const changes = await ctx.cloudwatch.describeAlarmHistory({
        alarmName: alarm.name,
        start: new Date(ctx.now.getTime() - HISTORY_MINUTES * MINUTE),
        end: ctx.now,
      });
      if (changes.length === 0) return;
      const toAlarm = changes.filter((c) => c.to === "ALARM");
      ctx.ev.finding({
        fact: `alarm ${alarm.name}: ${changes.length} state change(s) in the last day, into ALARM ${toAlarm.length} time(s)${toAlarm[0] ? `, last at ${toAlarm[0].at}` : ""}`,
        source: `cloudwatch_alarm:${alarm.name}` as SourceRef,
        observedAt: toAlarm[0]?.at ?? changes[0]!.at,
      });
    },
  };
}

/**
 * The alarms in ALARM that watch one of `resources`: a dimension value is one of theirs
 * (a load balancer's, an ECS service's) or one of a load balancer's target groups. How an
 * account scan's adopted resources claim their alarms (collect.ts), which before the
 * adoption concerned no known service.
 */
export function alarmsWatching(alarms: MetricAlarm[], resources: Resource[]): MetricAlarm[] {
  const values = new Set(
    resources.flatMap((r) => [...Object.values(r.dims), ...(r.targetGroups ?? [])]),
  );
  return alarms.filter(
    (a) => a.state === "ALARM" && Object.values(a.dimensions).some((v) => values.has(v)),
  );
}
