import { parseArgs } from "node:util";
import { worldEnv } from "../../../sim/demo/world-env.ts";
import { type SeededReplica, seedReplica } from "../../../sim/replica-seed.ts";
import { startWorld } from "../../../sim/server.ts";
import { type CastPolicy, castPolicy } from "../../../sim/ui/policy-cast.ts";
import { attachWorkspace } from "../../../sim/ui/workspace.ts";
import { loadConfig } from "../../config/index.ts";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import type { Command } from "../command.ts";
import { replicaServer } from "./demo.ts";

const usage = `
Usage: prode sim [--scenario NAME|FILE] [--port N] [--host H] [--record FILE] [--env]
                 [--ui] [--prode-url URL]

Runs the simulated world (Slack, Linear, Sentry, GitHub, AWS, vendor status pages) for a
scenario and prints the URLs to point prode's SDKs at. Stays up until SIGINT/SIGTERM.

  --scenario   shipped scenario name or a scenario file (default: backend-500-pr)
  --port       port to listen on (default: 0, any free port)
  --host       interface to bind (default: 127.0.0.1)
  --record     write every call to FILE, one JSON object per line
  --env        print 'export NAME=value' lines on stdout that point prode at the world
               and put prode on the world's clock (PRODE_CLOCK_OFFSET_MS), the rest on
               stderr, e.g.
                 prode sim --env --ui > /tmp/world.env &  sleep 5; . /tmp/world.env; prode dev
  --ui         serve the workspace in a browser at /ui/: the incident channel, threads,
               App Home and a /prode box; clicks and commands go to prode signed; with
               --env, PRODE_POLICY_DIR is a policy copy casting the workspace's people
  --prode-url  where prode listens, for --ui (default: http://127.0.0.1:3000, prode dev)
`;

/** A value quoted for a POSIX shell: single quotes, each ' closed, escaped and reopened. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

const sim: Command = {
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        scenario: { type: "string", default: "backend-500-pr" },
        port: { type: "string", default: "0" },
        host: { type: "string", default: "127.0.0.1" },
        record: { type: "string" },
        env: { type: "boolean", default: false },
        ui: { type: "boolean", default: false },
        "prode-url": { type: "string", default: "http://127.0.0.1:3000" },
      },
      strict: true,
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new AppError(ErrorCode.BadInput, `--port: expected 0-65535, got ${values.port}`);
    }
    const world = await startWorld({
      scenario: values.scenario,
      port,
      host: values.host,
      ...(values.record ? { recordTo: values.record } : {}),
    });
    const { slack, linear } = world.scenario;
    // The scenario's read replica, as the demo seeds it, when a Postgres server answers.
    let replica: SeededReplica | undefined;
    const admin =
      world.scenario.replica && world.scenario.integrations.replica
        ? await replicaServer(loadConfig().DATABASE_URL)
        : undefined;
    if (admin) replica = await seedReplica(admin, world.scenario);
    const page = values.ui ? attachWorkspace(world, { prodeUrl: values["prode-url"] }) : undefined;
    // With the page, the policy for prode casts the world's people (sim/ui/policy-cast.ts).
    let policy: CastPolicy | undefined;
    if (page) policy = await castPolicy(loadConfig().PRODE_POLICY_DIR, world.scenario);
    // The world's clock runs at the scenario's date; prode reads it through this offset.
    const clockOffsetMs = world.now().getTime() - Date.now();
    const lines = [
      `simulated world for scenario ${world.scenario.name} at ${world.url}`,
      ...Object.entries(world.urls).map(([name, url]) => `  ${name.padEnd(10)} ${url}`),
      "fixture credentials (not secrets):",
      `  slack bot token       ${slack.botToken}`,
      `  slack signing secret  ${slack.signingSecret}`,
      `  linear api key        ${linear.apiKey}`,
      `  linear webhook secret ${linear.webhookSecret}`,
      `world clock ${world.now().toISOString()} (PRODE_CLOCK_OFFSET_MS=${clockOffsetMs})`,
      page ? `workspace in a browser: ${page.url} (acting on prode at ${values["prode-url"]})` : "",
      replica ? "replica: seeded on the local Postgres server (REPLICA_DATABASE_URL)" : "",
      policy
        ? `policy with the workspace's people cast: ${policy.dir} (PRODE_POLICY_DIR; ${Object.entries(
            policy.cast,
          )
            .map(([part, player]) => `${player} as ${part}`)
            .join(", ")})`
        : "",
      values.record ? `recording calls to ${values.record}` : "",
      "press Ctrl-C to stop",
    ].filter((l) => l !== "");
    if (values.env) {
      const env = {
        ...worldEnv(world, replica ? { replicaUrl: replica.url } : {}),
        PRODE_CLOCK_OFFSET_MS: String(clockOffsetMs),
        ...(policy ? { PRODE_POLICY_DIR: policy.dir } : {}),
      };
      const exports = Object.entries(env).map(
        ([name, value]) => `export ${name}=${shellQuote(value)}`,
      );
      io.stdout.write(`${exports.join("\n")}\n`);
      io.stderr.write(`${lines.join("\n")}\n`);
    } else {
      io.stdout.write(`${lines.join("\n")}\n`);
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await world.close();
    await replica?.drop();
    await policy?.remove();
    io.stdout.write("simulated world stopped\n");
    return 0;
  },
};
export default sim;
