import { describe, expect, it } from "vitest";
import { EvidenceCollector, READ_RULES } from "../shared/collector.ts";
import type { AlarmStateChange, CloudWatchReader, MetricAlarm } from "../tools.ts";
import { alarmHistoryCheck } from "./alarms.ts";
import type { CheckContext } from "./checks.ts";

const NOW = new Date("2030-03-13T03:30:00Z");
const alarm: MetricAlarm = {
  name: "shop-cache-evictions",
  state: "ALARM",
  stateReason: "Threshold Crossed",
  stateUpdatedAt: "2030-03-13T03:05:00.000Z",
  namespace: "AWS/ElastiCache",
  metricName: "Evictions",
  dimensions: { CacheClusterId: "shop-cache-001" },
  threshold: 500,
};
const change = (at: string, to: "OK" | "ALARM"): AlarmStateChange => ({
  alarmName: alarm.name,
  at,
  to,
  summary: "",
});
/** Three earlier nights ALARM→OK around 03:05, and tonight's firing. */
const nightly = [
  change("2030-03-10T03:04:00Z", "ALARM"),
  change("2030-03-10T03:41:00Z", "OK"),
  change("2030-03-11T03:06:00Z", "ALARM"),
  change("2030-03-11T03:44:00Z", "OK"),
  change("2030-03-12T03:05:00Z", "ALARM"),
  change("2030-03-12T03:40:00Z", "OK"),
  change("2030-03-13T03:05:00Z", "ALARM"),
];

function run(namedByTicket: boolean, history: AlarmStateChange[] = nightly) {
  const ev = new EvidenceCollector({
    specialistId: "aws",
    question: "q",
    at: NOW,
    deadlineMs: 5_000,
    rules: READ_RULES,
  });
  const asked: { start: Date; end: Date }[] = [];
  const cloudwatch = {
    describeAlarmHistory: async (q: { start: Date; end: Date }) => {
      asked.push(q);
      return history.filter((c) => Date.parse(c.at) >= q.start.getTime());
    },
  } as unknown as CloudWatchReader;
  const ctx = { cloudwatch, ev, now: NOW, clock: () => NOW } as unknown as CheckContext;
  return { ev, asked, done: alarmHistoryCheck(ctx, alarm, namedByTicket).run() };
}

describe("alarmHistoryCheck", () => {
  it("reads a week of the ticket's alarm and reports the daily pattern as a signal", async () => {
    const { ev, asked, done } = run(true);
    await done;
    expect(NOW.getTime() - asked[0]!.start.getTime()).toBe(7 * 24 * 3_600_000);
    expect(ev.signals).toEqual([
      expect.objectContaining({
        kind: "recurring_alarm",
        alarm: "shop-cache-evictions",
        resource: "shop-cache-001",
        firedAt: "2030-03-13T03:05:00.000Z",
        daysRead: 7,
        priorFirings: 3,
        selfCleared: 3,
        otherFirings: 0,
      }),
    ]);
  });

  it("says nothing of a pattern for an alarm the ticket does not name", async () => {
    const { ev, done } = run(false);
    await done;
    expect(ev.signals).toEqual([]);
  });

  it("says nothing of a pattern when the alarm last fired more than a day ago", async () => {
    const { ev, done } = run(true, nightly.slice(0, -1));
    await done;
    expect(ev.signals).toEqual([]);
  });
});
