import { parseArgs } from "node:util";
import { worldEnv } from "../../../sim/demo/world-env.ts";
import { startWorld } from "../../../sim/server.ts";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import type { Command } from "../command.ts";

const usage = `
Usage: prode sim [--scenario NAME|FILE] [--port N] [--host H] [--record FILE] [--env]

Runs the simulated world (Slack, Linear, Sentry, GitHub, AWS, vendor status pages) for a
scenario and prints the URLs to point prode's SDKs at. Stays up until SIGINT/SIGTERM.

  --scenario   shipped scenario name or a scenario file (default: backend-500-pr)
  --port       port to listen on (default: 0, any free port)
  --host       interface to bind (default: 127.0.0.1)
  --record     write every call to FILE, one JSON object per line
  --env        print 'export NAME=value' lines on stdout that point prode at the world
               (the rest goes to stderr), e.g.
                 prode sim --env > /tmp/world.env &  sleep 5; . /tmp/world.env; prode dev
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
    const lines = [
      `simulated world for scenario ${world.scenario.name} at ${world.url}`,
      ...Object.entries(world.urls).map(([name, url]) => `  ${name.padEnd(10)} ${url}`),
      "fixture credentials (not secrets):",
      `  slack bot token       ${slack.botToken}`,
      `  slack signing secret  ${slack.signingSecret}`,
      `  linear api key        ${linear.apiKey}`,
      `  linear webhook secret ${linear.webhookSecret}`,
      values.record ? `recording calls to ${values.record}` : "",
      "press Ctrl-C to stop",
    ].filter((l) => l !== "");
    if (values.env) {
      const exports = Object.entries(worldEnv(world)).map(
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
    io.stdout.write("simulated world stopped\n");
    return 0;
  },
};
export default sim;
