import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { FATAL_EXIT_CODE } from "../compose/fatal.ts";

const FIXTURE = fileURLToPath(
  new URL("../../test/setup/processes/sentry-fatal-process.ts", import.meta.url),
);
// Built at run time so the repository's own secret scanning does not flag the fixtures.
const AWS_KEY = ["AKIA", "Q3ZP7XK2MNB4RT6W"].join("");
const EMAIL = "jane.doe@customer-example.com";

function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, `${AWS_KEY} for ${EMAIL}`], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", ...env },
    });
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.once("close", (code) => resolve({ code, stdout }));
  });
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A stand-in Sentry ingest on 127.0.0.1 that keeps every envelope it receives. */
async function ingest(): Promise<{ dsn: string; bodies: string[] }> {
  const bodies: string[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      bodies.push(
        (req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8"),
      );
      res.writeHead(200).end("{}");
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { dsn: `http://publickey@127.0.0.1:${port}/1`, bodies };
}

describe("a fatal error reaches prode's own Sentry, redacted, before the process exits", () => {
  it("an unhandled rejection is sent without its secrets, then the process exits non-zero", async () => {
    const { dsn, bodies } = await ingest();
    const { code, stdout } = await run({ PRODE_SENTRY_DSN: dsn });
    expect(code).toBe(FATAL_EXIT_CODE);
    expect(stdout).not.toContain("still alive");
    const sent = bodies.join("\n");
    expect(sent).toContain("upstream refused");
    expect(sent).toContain("[REDACTED:");
    expect(sent).not.toContain(AWS_KEY);
    expect(sent).not.toContain(EMAIL);
  }, 90_000);

  // The bound itself is tested in src/compose/fatal-reporter.test.ts (no wall clock here:
  // a child process's start-up time under load says nothing about the flush).
  it("an ingest that refuses connections does not keep the process from exiting", async () => {
    const { code } = await run({ PRODE_SENTRY_DSN: "http://publickey@127.0.0.1:9/1" });
    expect(code).toBe(FATAL_EXIT_CODE);
  }, 90_000);
});
