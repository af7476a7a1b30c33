import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { loadConfig } from "../../config/index.ts";
import { checkPolicyDir, loadPolicy, loadPolicyFiles } from "../../policy/load.ts";
import type { LoadedPolicy } from "../../policy/types.ts";
import type { Command } from "../command.ts";

const usage = `Usage: prode policy check [FILE…] [--policy-dir DIR] [--team T] [--service S] [--json]

Without FILEs, checks every chain in the policy directory (--policy-dir, else
PRODE_POLICY_DIR, default "policy") and prints the effective policy for --team/--service
(default: platform + org). With FILEs, checks them as one chain; each file's level comes
from its name: platform.yaml, org.yaml, teams/<team>.yaml, services/<service>.yaml.
A file that loosens a higher level, or is malformed, exits 1 naming file and rule.`;

function describeScope(p: LoadedPolicy): string {
  return [p.scope.team, p.scope.service].filter(Boolean).join("/") || "platform + org";
}

const policyCheck: Command = {
  usage,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        "policy-dir": { type: "string" },
        team: { type: "string" },
        service: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    let policy: LoadedPolicy;
    let checked: string;
    if (positionals.length > 0) {
      policy = await loadPolicyFiles(positionals);
      checked = `${positionals.length} file(s) as one chain`;
    } else {
      const dir = values["policy-dir"] ?? loadConfig().PRODE_POLICY_DIR;
      const all = await checkPolicyDir(dir);
      policy = await loadPolicy(dir, { team: values.team, service: values.service });
      checked = `${all.length} chain(s) in ${dir}`;
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
    } else {
      io.stdout.write(
        `# policy ok: ${checked}\n# effective policy for ${describeScope(policy)}\n${stringify(policy)}`,
      );
    }
    return 0;
  },
};
export default policyCheck;
