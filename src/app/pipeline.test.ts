import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.ts";
import { buildPipeline } from "./pipeline.ts";

/** A Sentry stand-in that holds each request 30 ms and records the most in flight at once. */
async function slowSentry(): Promise<{ url: string; peak: () => number; server: Server }> {
  let inFlight = 0;
  let peak = 0;
  const server = createServer((_req, res) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    setTimeout(() => {
      inFlight -= 1;
      res.writeHead(404, { "content-type": "application/json" }).end('{"detail":"not found"}');
    }, 30);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, peak: () => peak, server };
}

describe("buildPipeline", () => {
  let server: Server | undefined;
  afterEach(
    () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
  );

  it("bounds each integration's calls in flight by PRODE_INTEGRATION_CONCURRENCY", async () => {
    const sentry = await slowSentry();
    server = sentry.server;
    const config = loadConfig({
      SENTRY_AUTH_TOKEN: "sntrys_test",
      SENTRY_ORG: "acme",
      SENTRY_API_URL: sentry.url,
      PRODE_INTEGRATION_CONCURRENCY: "2",
    });
    const pipeline = await buildPipeline(config, pino({ level: "silent" }));
    const reader = pipeline.deps.tools.sentry!;
    const calls = await Promise.allSettled([
      ...Array.from({ length: 4 }, (_, i) => reader.getIssue(`${i}`)),
      ...Array.from({ length: 4 }, (_, i) => reader.getEvent(`${i}`, "latest")),
    ]);
    await pipeline.close();
    // Every call reached Sentry and got its answer (a 404 here), two at a time at most.
    expect(calls.every((c) => c.status === "rejected")).toBe(true);
    expect(sentry.peak()).toBe(2);
  });
});
