import { parseArgs } from "node:util";
import { openCurrentDb } from "../../compose/open-db.ts";
import { loadConfig } from "../../config/index.ts";
import type { EvidenceBundle } from "../../domain/evidence-bundle.ts";
import { parseRunContext } from "../../domain/run-context.ts";
import { getArtifact } from "../../runner/artifacts.ts";
import { findRun } from "../../runner/status.ts";
import { type Command, UsageError } from "../command.ts";

function summarize(bundle: EvidenceBundle): string {
  const c = bundle.classification;
  const lines = [
    `${bundle.linear.ticketKey}: ${bundle.linear.title}`,
    c
      ? `classification: ${c.class} ${c.severity}, confidence ${c.confidence}%`
      : "classification: none",
    c ? `root cause hypothesis: ${c.rootCauseHypothesis}` : "",
    "tools:",
    ...bundle.toolMap.tools.map(
      (t) => `  ${t.connector.padEnd(14)} ${t.status}${t.reason ? ` (${t.reason})` : ""}`,
    ),
    "specialists:",
    ...bundle.specialists.map(
      (s) =>
        `  ${s.specialistId.padEnd(14)} ${s.status}, ${s.findings.length} findings, ${s.signals.length} signals`,
    ),
    "findings:",
    ...bundle.specialists.flatMap((s) => s.findings.map((f) => `  - ${f.fact} [${f.sourceRef}]`)),
    ...(c?.gaps.length
      ? ["gaps:", ...c.gaps.map((g) => `  - ${g.what}${g.blocking ? " (blocking)" : ""}`)]
      : []),
    ...(bundle.approvals.pending.length
      ? [
          "pending approvals:",
          ...bundle.approvals.pending.map((a) => `  - ${a.action} ${a.id} until ${a.expiresAt}`),
        ]
      : []),
    `memory (routing only): ${bundle.memory.pages.map((p) => `${p.id}:${p.status}`).join(", ") || "none"}`,
  ];
  return `${lines.filter((l) => l !== "").join("\n")}\n`;
}

const bundleShow: Command = {
  usage: "Usage: prode bundle show RUN|TICKET [--json]",
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: "boolean", default: false } },
    });
    if (positionals.length !== 1) {
      throw new UsageError("give one run id or ticket key");
    }
    const handle = await openCurrentDb(loadConfig());
    try {
      const run = await findRun(handle.db, positionals[0]!);
      if (!run) {
        io.stderr.write(`prode bundle show: no run for '${positionals[0]}'\n`);
        return 1;
      }
      const sha = parseRunContext(run.context).bundleSha;
      const bundle = sha ? await getArtifact<EvidenceBundle>(handle.db, run.id, sha) : undefined;
      if (!bundle) {
        io.stderr.write(
          `prode bundle show: run ${run.id} has no evidence bundle yet (phase ${run.phase})\n`,
        );
        return 1;
      }
      io.stdout.write(values.json ? `${JSON.stringify(bundle, null, 2)}\n` : summarize(bundle));
      return 0;
    } finally {
      await handle.close();
    }
  },
};
export default bundleShow;
