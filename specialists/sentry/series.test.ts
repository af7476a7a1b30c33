import { describe, expect, it } from "vitest";
import { EvidenceCollector, READ_RULES } from "../shared/collector.ts";
import type { SentryIssueSummary } from "../tools.ts";
import { recordSeries } from "./collect.ts";

/** How an issue's event series becomes evidence: a signal once, never twice. */

const NOW = new Date("2026-11-20T14:35:00Z");
const HOUR = 3600;
const end = Math.floor(NOW.getTime() / 1000 / HOUR) * HOUR;
const hourly = (counts: number[]): [number, number][] =>
  counts.map((n, i) => [end - (counts.length - 1 - i) * HOUR, n]);

const issue = (firstSeen: string, stats: number[]): SentryIssueSummary => ({
  id: "1",
  shortId: "SVC-1",
  title: "t",
  culprit: "c",
  level: "error",
  status: "unresolved",
  count: 10,
  userCount: 1,
  firstSeen,
  lastSeen: "2026-11-20T14:30:00Z",
  project: "svc",
  stats24h: hourly(stats),
});

function run(i: SentryIssueSummary, options: { clientAbort: boolean; newException: boolean }) {
  const ev = new EvidenceCollector({
    specialistId: "sentry",
    question: "q",
    at: NOW,
    deadlineMs: 10_000,
    rules: READ_RULES,
  });
  const ref = ev.source({ kind: "sentry_issue", ref: "sentry_issue:1" });
  recordSeries({ ev, now: NOW }, i, ref, "GET /x", options);
  return ev.returned("next");
}

const spike = [...Array(20).fill(1), 30, 32, 31, 30];
const newIssue = [...Array(23).fill(0), 6];

describe("recordSeries", () => {
  it("signals a long-lived issue's spike, dated by its change point", () => {
    const out = run(issue("2026-08-01T00:00:00Z", spike), {
      clientAbort: false,
      newException: false,
    });
    expect(out.signals).toHaveLength(1);
    expect(out.signals[0]).toMatchObject({
      kind: "series_change",
      measure: "error_events",
      direction: "rise",
    });
  });

  it("keeps a new issue's series a finding when new_exception already reports its first event", () => {
    const out = run(issue("2026-11-20T14:06:11Z", newIssue), {
      clientAbort: false,
      newException: true,
    });
    expect(out.signals).toEqual([]);
    expect(out.findings.some((f) => f.fact.includes("from its first event"))).toBe(true);
  });

  it("never signals client aborts' series as error events", () => {
    const out = run(issue("2026-08-01T00:00:00Z", spike), {
      clientAbort: true,
      newException: false,
    });
    expect(out.signals).toEqual([]);
    expect(out.findings).toHaveLength(1);
  });
});
