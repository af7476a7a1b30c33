import { parseArgs } from "node:util";
import { openCurrentDb } from "../../compose/open-db.ts";
import { loadConfig } from "../../config/index.ts";
import { formatWeekly } from "../../reports/weekly.ts";
import { loadWeeklyReport } from "../../reports/weekly-query.ts";
import { defaultRedactor } from "../../safety/redact.ts";
import type { Command } from "../command.ts";
import { parseSince } from "./report-options.ts";

const WEEK_MS = 7 * 24 * 3600 * 1000;

const USAGE = `Usage: prode report weekly [--since ISO] [--json]

The weekly reliability review of the runs created since --since (default: the last 7
days): runs by exit, success/error ratio, time by phase (p50/p95), top failure causes,
time from ticket to PR, PR merge rate, merge to monitor verdict, and approvals requested,
decided and expired with their decision latency.

  --since ISO   start of the period (e.g. 2026-11-30); it ends now
  --json        print the report as JSON (durations in seconds)
`;

const reportWeekly: Command = {
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { since: { type: "string" }, json: { type: "boolean", default: false } },
    });
    const until = new Date();
    const since = parseSince(values.since) ?? new Date(until.getTime() - WEEK_MS);
    const handle = await openCurrentDb(loadConfig());
    try {
      const report = await loadWeeklyReport(handle.db, {
        since,
        until,
        clean: (text) => defaultRedactor.redact(text).text,
      });
      io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatWeekly(report));
      return 0;
    } finally {
      await handle.close();
    }
  },
};
export default reportWeekly;
