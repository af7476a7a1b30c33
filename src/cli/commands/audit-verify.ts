import { parseArgs } from "node:util";
import { verifyAudit } from "../../audit/audit.ts";
import { openCurrentDb } from "../../compose/open-db.ts";
import { loadConfig } from "../../config/index.ts";
import type { Command } from "../command.ts";

const auditVerify: Command = {
  usage: "Usage: prode audit verify [--run ID] [--json]",
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { run: { type: "string" }, json: { type: "boolean", default: false } },
    });
    const handle = await openCurrentDb(loadConfig());
    try {
      const result = await verifyAudit(handle.db, values.run ? { runId: values.run } : {});
      if (values.json) {
        io.stdout.write(`${JSON.stringify(result)}\n`);
      } else if (result.ok) {
        io.stdout.write(`audit ok: ${result.events} events in ${result.chains} chains\n`);
      } else {
        for (const b of result.breaks) {
          const row = b.id === null ? "" : ` (row id ${b.id})`;
          io.stdout.write(`audit broken: ${b.chain} at event ${b.seq}${row}: ${b.reason}\n`);
        }
        for (const m of result.approvalMismatches) {
          const at = m.seq === null ? "" : ` at event ${m.seq}`;
          io.stdout.write(
            `approval digest mismatch: ${m.chain} approval ${m.approvalId}${at}: ${m.reason}\n`,
          );
        }
      }
      return result.ok ? 0 : 1;
    } finally {
      await handle.close();
    }
  },
};
export default auditVerify;
