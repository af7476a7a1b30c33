import { parseArgs } from "node:util";
import { loadConfig } from "../../config/index.ts";
import { runPolicyCases } from "../../policy/cases.ts";
import type { Command } from "../command.ts";

const policyTest: Command = {
  usage:
    "Usage: prode policy test [--policy-dir DIR] [--cases FILE] [--json]\n\nRuns <policy dir>/cases.yaml (or --cases) against the policy and prints pass/FAIL per case.",
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        "policy-dir": { type: "string" },
        cases: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    const dir = values["policy-dir"] ?? loadConfig().PRODE_POLICY_DIR;
    const results = await runPolicyCases(dir, values.cases);
    const failed = results.filter((r) => !r.ok).length;
    if (values.json) {
      io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    } else {
      for (const r of results) {
        io.stdout.write(r.ok ? `pass  ${r.name}\n` : `FAIL  ${r.name}: ${r.problems.join("; ")}\n`);
      }
      io.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
    }
    return failed === 0 ? 0 : 1;
  },
};
export default policyTest;
