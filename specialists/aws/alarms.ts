import type { Check, SourceRef } from "../shared/collector.ts";
import type { MetricAlarm } from "../tools.ts";
import {
  dailyRecurrence,
  RECURRENCE_DAYS,
  TIME_OF_DAY_TOLERANCE_MINUTES,
} from "./alarm-recurrence.ts";
import type { CheckContext } from "./checks.ts";
import type { Resource } from "./resources.ts";

/** Alarm history and provider events: the last day. */
export const HISTORY_MINUTES = 24 * 60;
const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

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

/**
 * The alarm's state changes over {@link RECURRENCE_DAYS} days: the last day's as a finding
 * and, for an alarm the ticket names that fired within the last day, whether that firing
 * repeats earlier days' at the same time of day (`recurring_alarm`, alarm-recurrence.ts).
 */
export function alarmHistoryCheck(
  ctx: CheckContext,
  alarm: MetricAlarm,
  namedByTicket: boolean,
): Check {
  return {
    what: `history of alarm ${alarm.name}`,
    confidenceImpact: 0,
    run: async () => {
      const all = await ctx.cloudwatch.describeAlarmHistory({
        alarmName: alarm.name,
        start: new Date(ctx.now.getTime() - RECURRENCE_DAYS * DAY_MINUTES * MINUTE),
        end: ctx.now,
      });
      const dayStart = ctx.now.getTime() - HISTORY_MINUTES * MINUTE;
      const changes = all.filter((c) => Date.parse(c.at) >= dayStart);
      const ref = `cloudwatch_alarm:${alarm.name}` as SourceRef;
      if (changes.length > 0) {
        const toAlarm = changes.filter((c) => c.to === "ALARM");
        ctx.ev.finding({
          fact: `alarm ${alarm.name}: ${changes.length} state change(s) in the last day, into ALARM ${toAlarm.length} time(s)${toAlarm[0] ? `, last at ${toAlarm[0].at}` : ""}`,
          source: ref,
          observedAt: toAlarm[0]?.at ?? changes[0]!.at,
        });
      }
      const pattern = namedByTicket ? dailyRecurrence(all) : undefined;
      // Earlier firings at any hour count too: an alarm that flaps all week (alarm-recurrence.ts).
      const earlier = pattern ? pattern.priorFirings + pattern.otherFirings : 0;
      if (!pattern || earlier === 0 || Date.parse(pattern.firedAt) < dayStart) return;
      const resource = Object.values(alarm.dimensions)[0];
      ctx.ev.signal({
        kind: "recurring_alarm",
        source: ref,
        alarm: alarm.name,
        ...(resource ? { resource } : {}),
        daysRead: RECURRENCE_DAYS,
        ...pattern,
      });
      ctx.ev.finding({
        fact: `alarm ${alarm.name} went into ALARM at ${pattern.firedAt} and within ${TIME_OF_DAY_TOLERANCE_MINUTES} min of that time of day on ${pattern.priorFirings} earlier day(s) of the last ${RECURRENCE_DAYS}, ${pattern.selfCleared} of them back to OK by itself${pattern.longestEpisodeMinutes === undefined ? "" : ` (longest ${pattern.longestEpisodeMinutes} min)`}; ${pattern.otherFirings} firing(s) at other times; ${pattern.flaps.firings} firing(s) on ${pattern.flaps.days} day(s) in all, ${pattern.flaps.cleared} back to OK by themselves (longest ${pattern.flaps.longestMinutes} min)`,
        source: ref,
        observedAt: pattern.firedAt,
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
