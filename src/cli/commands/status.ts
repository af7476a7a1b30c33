import { parseArgs } from "node:util";
import { formatDuration } from "../../../blocks/time.ts";
import { openCurrentDb } from "../../compose/open-db.ts";
import { loadConfig } from "../../config/index.ts";
import { findRun, listActiveRuns } from "../../runner/status.ts";
import { feedbackOf } from "../../slack/feedback-store.ts";
import { type Command, UsageError } from "../command.ts";
import { formatRunStatus } from "./status-run.ts";

const status: Command = {
  usage: "Usage: prode status [RUN|TICKET] [--json] [--limit N]",
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: "boolean", default: false },
        limit: { type: "string", default: "50" },
      },
    });
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      throw new UsageError("--limit takes a positive whole number");
    }
    if (positionals.length > 1) throw new UsageError("give at most one run id or ticket key");
    const handle = await openCurrentDb(loadConfig());
    try {
      if (positionals[0] !== undefined) {
        const run = await findRun(handle.db, positionals[0]);
        if (!run) {
          io.stderr.write(`prode status: no run for '${positionals[0]}'\n`);
          return 1;
        }
        const feedback = await feedbackOf(handle.db, run.id);
        io.stdout.write(
          values.json ? `${JSON.stringify({ run, feedback })}\n` : formatRunStatus(run, feedback),
        );
        return 0;
      }
      const { total, runs } = await listActiveRuns(handle.db, limit);
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ total, runs })}\n`);
        return 0;
      }
      if (total === 0) {
        io.stdout.write("no active runs\n");
        return 0;
      }
      const now = Date.now();
      const rows = runs.map((r) => [
        r.ticket,
        r.phase,
        formatDuration(now - r.createdAt.getTime()),
        formatDuration(now - r.phaseStartedAt.getTime()),
        r.leaseOwner ?? "-",
        r.pendingApprovals ? String(r.pendingApprovals) : "-",
        r.id,
      ]);
      const header = ["TICKET", "PHASE", "AGE", "IN PHASE", "LEASE OWNER", "APPROVALS", "RUN"];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
      for (const row of [header, ...rows]) {
        io.stdout.write(
          `${row
            .map((c, i) => c.padEnd(widths[i]!))
            .join("  ")
            .trimEnd()}\n`,
        );
      }
      if (total > runs.length) io.stdout.write(`…and ${total - runs.length} more active runs\n`);
      return 0;
    } finally {
      await handle.close();
    }
  },
};
export default status;
