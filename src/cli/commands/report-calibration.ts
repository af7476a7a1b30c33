import { parseArgs } from "node:util";
import { openCurrentDb } from "../../compose/open-db.ts";
import { loadConfig } from "../../config/index.ts";
import { calibrate, formatCalibration } from "../../reports/calibration.ts";
import { loadCalibrationRows } from "../../reports/calibration-query.ts";
import type { Command } from "../command.ts";
import { parseSince } from "./report-options.ts";

const USAGE = `Usage: prode report calibration [--since ISO] [--json]

Per confidence band (<70, 70-79, 80-89, 90-100): how many finished runs, how often the
leading hypothesis held, and the Brier score of the stated confidence. The truth is the
post-merge monitor's verdict (resolved: held; still recurring: not held), else on-call
feedback (Right: held; Wrong: not held; the majority when several answered). Runs with
neither are counted as unknown and left out of the rate and the Brier score.

  --since ISO   only runs created at or after this time
  --json        print the report as JSON
`;

const reportCalibration: Command = {
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { since: { type: "string" }, json: { type: "boolean", default: false } },
    });
    const since = parseSince(values.since);
    const handle = await openCurrentDb(loadConfig());
    try {
      const { rows, unclassified } = await loadCalibrationRows(handle.db, since ? { since } : {});
      const report = calibrate(rows, { since: since ?? null, unclassified });
      io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatCalibration(report));
      return 0;
    } finally {
      await handle.close();
    }
  },
};
export default reportCalibration;
