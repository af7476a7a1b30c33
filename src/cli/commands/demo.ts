import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import postgres from "postgres";
import { referenceAgentEnv } from "../../../sim/demo/delivery-env.ts";
import { judge } from "../../../sim/demo/judge.ts";
import { runScenario } from "../../../sim/demo/run-scenario.ts";
import { renderChannel } from "../../../sim/demo/terminal.ts";
import { loadScenarios } from "../../../sim/scenario.ts";
import { openScenario } from "../../../sim/ui/open.ts";
import { untilSignal } from "../../compose/processes.ts";
import { resolveRedis } from "../../compose/redis.ts";
import { loadConfig } from "../../config/index.ts";
import { openDb } from "../../db/client.ts";
import { createLogger } from "../../observability/logger.ts";
import { stopRun } from "../../runner/runs.ts";
import { type Command, UsageError } from "../command.ts";

const LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres";

/** The four reference scenarios of DESIGN.md (also what `npm run screenshots` shows). */
export const REFERENCE_SCENARIOS = [
  "backend-500-pr",
  "queue-alarm-infra",
  "db-state-approval",
  "abort-noise",
];

/**
 * What `prode demo` runs by default: the four reference scenarios and the two failure
 * variants. The other scenarios of sim/scenarios/ are the eval's (`prode eval`); any of
 * them runs here with --scenario.
 */
const DEMO_SCENARIOS = [...REFERENCE_SCENARIOS, "sentry-fails-midrun", "no-aws-credentials"];

/** A Postgres server to seed the scenarios' read replicas on, if one answers. */
export async function replicaServer(databaseUrl: string | undefined): Promise<string | undefined> {
  const candidate = databaseUrl ?? LOCAL_POSTGRES;
  const sql = postgres(candidate, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return candidate;
  } catch {
    return undefined;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

const demo: Command = {
  usage:
    "Usage: prode demo [--scenario NAME] [--record FILE] [--quiet] [--log-level LEVEL] [--open]\n" +
    "Runs web and worker in one process on embedded defaults (PGlite unless DATABASE_URL;\n" +
    "the Redis on 127.0.0.1:6379 or a private redis-server), triggers each scenario as a\n" +
    "Linear webhook would, and ends with a table. Exits 1 when an outcome differs.",
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        scenario: { type: "string", multiple: true },
        record: { type: "string" },
        quiet: { type: "boolean", default: false },
        "log-level": { type: "string" },
        open: { type: "boolean", default: false },
      },
    });
    const config = loadConfig();
    const all = await loadScenarios();
    const wanted = values.scenario ?? [];
    const unknown = wanted.filter((w) => !all.some((s) => s.name === w));
    if (unknown.length) {
      throw new UsageError(
        `unknown scenario ${unknown.join(", ")}; known: ${all.map((s) => s.name).join(", ")}`,
      );
    }
    const scenarios = all.filter((s) => (wanted.length ? wanted : DEMO_SCENARIOS).includes(s.name));
    // The demo's story is on stdout; the log (stderr) only speaks up for errors unless asked.
    const log = createLogger(values["log-level"] ?? "error", { role: "demo" });
    const db = openDb(
      config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: "memory://" },
    );
    await db.migrate();
    const redis = await resolveRedis(config.REDIS_URL, config.PRODE_DATA_DIR);
    const replicaAdmin = await replicaServer(config.DATABASE_URL);
    const say = (line: string) => io.stdout.write(`${line}\n`);
    say(
      `prode demo: database ${db.kind === "postgres" ? "DATABASE_URL" : "embedded PGlite (in memory)"}, Redis ${redis.source} (${redis.url})`,
    );
    say(
      replicaAdmin
        ? "replica: seeded per scenario on the local Postgres server, reached through a SELECT-only role"
        : "replica: no Postgres server answers, so the db connector is missing (a recorded gap)",
    );
    // Delivery runs with the reference coding agent where the scenario's world holds the
    // repository's files and a fix; elsewhere the gate's pass hands off to a human.
    const agentDir = mkdtempSync(join(tmpdir(), "prode-demo-agent-"));
    say(
      "delivery: the reference coding agent (sim/agent/reference-agent.mjs) on scenarios that carry a fix; elsewhere a passed gate hands off\n",
    );

    const rows: { name: string; outcome: string; expected: string; ok: boolean; ms: number }[] = [];
    try {
      if (values.open && scenarios[0]) {
        const scenario = scenarios[0];
        say(`━━ ${scenario.name}: ${scenario.ticket.identifier} ${scenario.ticket.title}`);
        await openScenario({
          scenario,
          db,
          redisUrl: redis.url,
          prefix: `prodedemo${process.pid}`,
          log,
          policyDir: config.PRODE_POLICY_DIR,
          ...(replicaAdmin ? { replicaAdminUrl: replicaAdmin } : {}),
          ...(scenario.delivery
            ? { env: referenceAgentEnv(scenario, join(agentDir, scenario.name)) }
            : {}),
          say,
          until: untilSignal(),
        });
        return 0;
      }
      for (const [i, scenario] of scenarios.entries()) {
        say(`━━ ${scenario.name}: ${scenario.ticket.identifier} ${scenario.ticket.title}`);
        const result = await runScenario({
          scenario,
          db,
          redisUrl: redis.url,
          prefix: `prodedemo${process.pid}`,
          log,
          ...(replicaAdmin ? { replicaAdminUrl: replicaAdmin } : {}),
          ...(values.record ? { recordTo: values.record, appendRecord: i > 0 } : {}),
          ...(scenario.delivery
            ? { env: referenceAgentEnv(scenario, join(agentDir, scenario.name)) }
            : {}),
          onProgress: (p) => say(`   ✓ ${p.from.padEnd(25)} ${p.description.slice(0, 110)}`),
        });
        try {
          const verdict = judge(result.scenario, result.run);
          if (!values.quiet) {
            const channel = result.scenario.slack.incidentChannel;
            const messages = result.world.state.slack.messages(channel);
            say(
              messages.length
                ? `\n${renderChannel(channel, messages)}`
                : "   (no Slack messages: the Slack surface is not wired to this run)",
            );
          }
          say(
            `   → ${verdict.actual}${verdict.ok ? "" : `   ✗ expected ${verdict.expected}`}${verdict.note ? `  (${verdict.note})` : ""}\n`,
          );
          rows.push({
            name: scenario.name,
            outcome: verdict.actual,
            expected: verdict.expected,
            ok: verdict.ok,
            ms: result.durationMs,
          });
        } finally {
          // A draft PR's run waits for its review; the demo's next scenario may reuse the
          // ticket (one active run per ticket), so the demo ends the wait itself.
          if (result.run.phase === "AWAIT_HUMAN_REVIEW") {
            await stopRun(
              db.db,
              result.run.id,
              "SUPERSEDED",
              "demo",
              "demo over: nobody reviews this PR",
            );
          }
          await result.close();
        }
      }
    } finally {
      await db.close();
      await redis.stop();
      rmSync(agentDir, { recursive: true, force: true });
    }
    const width = (k: "name" | "outcome" | "expected", h: string) =>
      Math.max(h.length, ...rows.map((r) => r[k].length));
    const [wn, wo, we] = [
      width("name", "SCENARIO"),
      width("outcome", "OUTCOME"),
      width("expected", "EXPECTED"),
    ];
    say(`${"SCENARIO".padEnd(wn)}  ${"OUTCOME".padEnd(wo)}  ${"EXPECTED".padEnd(we)}  TIME     OK`);
    for (const r of rows) {
      say(
        `${r.name.padEnd(wn)}  ${r.outcome.padEnd(wo)}  ${r.expected.padEnd(we)}  ${`${(r.ms / 1000).toFixed(1)}s`.padEnd(7)}  ${r.ok ? "yes" : "NO"}`,
      );
    }
    const failed = rows.filter((r) => !r.ok).length;
    say(
      failed
        ? `\n${failed} of ${rows.length} scenarios differ from their expected outcome`
        : `\nall ${rows.length} scenarios reached their expected outcome`,
    );
    return failed ? 1 : 0;
  },
};
export default demo;
