import { describe, expect, it } from "vitest";
import { type LogRecord, MalformedQueryError, runInsightsQuery } from "./aws-logs-query.ts";

const at = (iso: string) => Date.parse(iso);
const records: LogRecord[] = [
  {
    timestamp: at("2025-06-01T12:01:10Z"),
    message: '{"level":"error","status":500,"path":"/v1/onboarding","err":{"type":"TypeError"}}',
    logStream: "api/1",
    logGroup: "/ecs/api",
  },
  {
    timestamp: at("2025-06-01T12:02:30Z"),
    message: '{"level":"info","status":200,"path":"/v1/onboarding"}',
    logStream: "api/1",
    logGroup: "/ecs/api",
  },
  {
    timestamp: at("2025-06-01T12:06:00Z"),
    message: '{"level":"error","status":502,"path":"/v1/plans","err":{"type":"Upstream"}}',
    logStream: "api/2",
    logGroup: "/ecs/api",
  },
  {
    timestamp: at("2025-06-01T12:07:00Z"),
    message: "WARN request aborted by client reqId=r-77",
    logStream: "api/2",
    logGroup: "/ecs/api",
  },
];

const cells = (row: { field: string; value: string }[]) =>
  Object.fromEntries(row.map((c) => [c.field, c.value]));

function run(query: string) {
  return runInsightsQuery(query, records, "123456789012");
}

describe("Logs Insights subset", () => {
  it("filters by regex on @message and returns newest first with @ptr", () => {
    const out = run("fields @timestamp, @message | filter @message like /error/");
    expect(out.results.map((r) => cells(r)["@timestamp"])).toEqual([
      "2025-06-01 12:06:00.000",
      "2025-06-01 12:01:10.000",
    ]);
    expect(out.results[0]!.at(-1)!.field).toBe("@ptr");
    expect(out).toMatchObject({ recordsMatched: 2, recordsScanned: 4 });
  });

  it("compares discovered JSON fields, nested with dots, combined with and/or/not", () => {
    const numeric = run("filter status >= 500 and not err.type = 'Upstream' | fields path, status");
    expect(numeric.results.map(cells)).toEqual([
      expect.objectContaining({ path: "/v1/onboarding", status: "500" }),
    ]);
    const either = run(
      'filter path in ["/v1/plans"] or @message like "aborted" | fields @logStream',
    );
    expect(either.results).toHaveLength(2);
    const absent = run("filter not ispresent(status)");
    expect(absent.results.map((r) => cells(r)["@message"])).toEqual([
      "WARN request aborted by client reqId=r-77",
    ]);
  });

  it("counts by 5-minute bins in time order", () => {
    const out = run("filter level = 'error' | stats count(*) as errors by bin(5m)");
    expect(out.results.map(cells)).toEqual([
      { "bin(5m)": "2025-06-01 12:00:00.000", errors: "1" },
      { "bin(5m)": "2025-06-01 12:05:00.000", errors: "1" },
    ]);
    expect(out.recordsMatched).toBe(2);
  });

  it("aggregates by a field, sorts and limits", () => {
    const out = run("stats count(*) as n, max(status) by path | sort n desc | limit 1");
    expect(out.results.map(cells)).toEqual([
      { path: "/v1/onboarding", n: "2", "max(status)": "500" },
    ]);
  });

  it("parses fields out of plain-text messages", () => {
    const out = run("parse @message /reqId=(?<req>[\\w-]+)/ | filter ispresent(req) | fields req");
    expect(out.results.map((r) => cells(r).req)).toEqual(["r-77"]);
    const glob = run(
      'parse @message "WARN * by *" as what, who | filter ispresent(who) | fields who',
    );
    expect(cells(glob.results[0]!).who).toBe("client reqId=r-77");
  });

  it("keeps | inside a regex literal and refuses what it does not implement", () => {
    expect(run("filter @message like /aborted|TypeError/").results).toHaveLength(2);
    expect(() => run("dedup @logStream")).toThrow(MalformedQueryError);
    expect(() => run("filter status + 1 > 2")).toThrow(MalformedQueryError);
    expect(() => run("stats percentile(status, 99)")).toThrow(MalformedQueryError);
  });
});
