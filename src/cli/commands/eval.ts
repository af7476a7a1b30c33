import { parseArgs } from "node:util";
import { explainRun } from "../../../sim/demo/eval-explain.ts";
import { type EvalRow, formatEvalReport, summarizeEval } from "../../../sim/demo/eval-report.ts";
import { errorRow, evalRow, familyOf } from "../../../sim/demo/eval-row.ts";
import { runScenario } from "../../../sim/demo/run-scenario.ts";
import { loadScenarios } from "../../../sim/scenario.ts";
import { resolveRedis } from "../../compose/redis.ts";
import { loadConfig } from "../../config/index.ts";
import { openDb } from "../../db/client.ts";
import { createLogger } from "../../observability/logger.ts";
import { type Command, UsageError } from "../command.ts";
import { replicaServer } from "./demo.ts";

const evalCommand: Command = {
  usage:
    "Usage: prode eval [--scenario NAME]... [--family NAME]... [--explain] [--json] [--log-level LEVEL]\n" +
    "Runs every scenario in sim/scenarios/ (or the ones named) through the demo's harness\n" +
    "on the same embedded defaults, and prints a confusion matrix (expected exit × exit\n" +
    "got), accuracy per family, wrong gate passes and time per scenario. Exits 1 when any\n" +
    "scenario misses its expected exit or passes the gate where it must not. Under each\n" +
    "miss (under every scenario with --explain) it prints why: the class, its confidence\n" +
    "and how it was reached, the rules that fired and the gate's reasons.",
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        scenario: { type: "string", multiple: true },
        family: { type: "string", multiple: true },
        json: { type: "boolean", default: false },
        explain: { type: "boolean", default: false },
        "log-level": { type: "string" },
      },
    });
    const all = await loadScenarios();
    const names = values.scenario ?? [];
    const families = values.family ?? [];
    const unknown = [
      ...names.filter((n) => !all.some((s) => s.name === n)),
      ...families.filter((f) => !all.some((s) => familyOf(s) === f)),
    ];
    if (unknown.length) {
      const known = [...new Set(all.map(familyOf))].sort();
      throw new UsageError(
        `unknown scenario or family ${unknown.join(", ")}; families: ${known.join(", ")}`,
      );
    }
    const scenarios = all.filter(
      (s) =>
        (names.length === 0 || names.includes(s.name)) &&
        (families.length === 0 || families.includes(familyOf(s))),
    );
    const config = loadConfig();
    const log = createLogger(values["log-level"] ?? "silent", { role: "eval" });
    const db = openDb(
      config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: "memory://" },
    );
    await db.migrate();
    const redis = await resolveRedis(config.REDIS_URL, config.PRODE_DATA_DIR);
    const replicaAdmin = await replicaServer(config.DATABASE_URL);
    const progress = (line: string) => {
      if (!values.json) io.stderr.write(`${line}\n`);
    };
    progress(
      `prode eval: ${scenarios.length} scenarios; database ${db.kind === "postgres" ? "DATABASE_URL" : "embedded PGlite (in memory)"}, Redis ${redis.source}, replica ${replicaAdmin ? "seeded per scenario" : "missing (no Postgres server answers)"}`,
    );
    const rows: EvalRow[] = [];
    try {
      for (const scenario of scenarios) {
        const started = performance.now();
        let row: EvalRow;
        let why: string[] = [];
        try {
          const result = await runScenario({
            scenario,
            db,
            redisUrl: redis.url,
            prefix: `prodeeval${process.pid}`,
            log,
            ...(replicaAdmin ? { replicaAdminUrl: replicaAdmin } : {}),
          });
          row = evalRow(result.scenario, result.run, result.durationMs);
          if (values.explain || row.got !== row.expected) {
            why = await explainRun(db.db, result.run);
          }
          await result.close();
        } catch (error) {
          row = errorRow(scenario, performance.now() - started, error);
        }
        rows.push(row);
        progress(
          `  ${row.got === row.expected ? "✓" : "✗"} ${scenario.name.padEnd(34)} ${row.got}${row.got === row.expected ? "" : ` (expected ${row.expected})`}  ${(row.ms / 1000).toFixed(1)}s`,
        );
        for (const line of why) progress(`      ${line}`);
      }
    } finally {
      await db.close();
      await redis.stop();
    }
    const summary = summarizeEval(rows);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ summary, rows }, null, 2)}\n`);
    } else {
      io.stdout.write(`\n${formatEvalReport(rows)}`);
    }
    return summary.right === summary.total && summary.wrongGatePasses.length === 0 ? 0 : 1;
  },
};
export default evalCommand;
