import { type ChildProcess, spawn } from "node:child_process";
import { Redis } from "ioredis";

/**
 * A redis-server of the test's own, for tests that must FLUSHALL or restart Redis
 * without disturbing the tests running beside them on the shared server.
 */
export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const proc: ChildProcess = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory-policy",
        "noeviction",
      ],
      { stdio: "ignore" },
    );
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i += 1) {
      const probe = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on("error", () => {}); // refused until the server is up
      const ok = await probe
        .connect()
        .then(() => probe.ping())
        .then(
          () => true,
          () => false,
        );
      probe.disconnect();
      if (ok) {
        return {
          url,
          stop: () =>
            new Promise((resolve) => {
              proc.once("exit", () => resolve());
              proc.kill("SIGTERM");
            }),
        };
      }
      if (proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill("SIGKILL");
  }
  throw new Error("could not start a private redis-server");
}
