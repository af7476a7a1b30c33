import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { Redis } from "ioredis";
import { AppError, ErrorCode } from "../domain/errors.ts";

const LOCAL_DEFAULT = "redis://127.0.0.1:6379";

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export interface ResolvedRedis {
  url: string;
  /** "configured" (REDIS_URL), "local" (found on 6379) or "private" (started here). */
  source: "configured" | "local" | "private";
  stop(): Promise<void>;
}

/**
 * REDIS_URL if set; else a Redis answering on localhost; else a private redis-server
 * started for this process (when one is installed); else one line saying how to get one.
 */
export async function resolveRedis(
  configured: string | undefined,
  dataDir: string,
): Promise<ResolvedRedis> {
  if (configured) return { url: configured, source: "configured", stop: async () => {} };
  if (await answers(LOCAL_DEFAULT))
    return { url: LOCAL_DEFAULT, source: "local", stop: async () => {} };
  if (spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status !== 0) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      "no Redis answers on 127.0.0.1:6379 and redis-server is not installed: install it (apt-get install redis-server) or set REDIS_URL",
    );
  }
  const started = await startRedisServer(`${dataDir}/redis`);
  return { ...started, source: "private" };
}

/**
 * Starts a private redis-server (no persistence, noeviction, as BullMQ needs) on a free
 * port in 16379–26378, retrying on a taken port; resolves once it answers PING.
 */
export async function startRedisServer(
  dir: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  mkdirSync(dir, { recursive: true });
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = 16_379 + Math.floor(Math.random() * 10_000);
    const proc = spawn(
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
        "--dir",
        dir,
      ],
      { stdio: "ignore" },
    );
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && proc.exitCode === null; i += 1) {
      if (await answers(url)) {
        return {
          url,
          stop: () =>
            new Promise((resolve) => {
              if (proc.exitCode !== null) return resolve();
              proc.once("exit", () => resolve());
              proc.kill("SIGTERM");
            }),
        };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill("SIGKILL");
  }
  throw new AppError(ErrorCode.UpstreamUnavailable, "started redis-server but it never answered");
}

/**
 * Refuses a Redis whose `maxmemory-policy` may evict keys: BullMQ loses jobs under
 * eviction (https://docs.bullmq.io/guide/going-to-production#max-memory-policy). Read
 * from INFO, which managed Redis services answer where CONFIG GET is disabled. A Redis
 * that does not answer within `timeoutMs` is refused too: a process must not come up
 * ready on a queue it cannot reach.
 */
export async function checkEvictionPolicy(url: string, timeoutMs = 5_000): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  });
  probe.on("error", () => {});
  let info: string;
  try {
    await probe.connect();
    info = await probe.info("memory");
  } catch (error) {
    throw new AppError(
      ErrorCode.UpstreamUnavailable,
      `Redis at REDIS_URL did not answer within ${timeoutMs} ms (${(error as Error).message})`,
      { cause: error },
    );
  } finally {
    probe.disconnect();
  }
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy && policy !== "noeviction") {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `Redis runs with maxmemory-policy ${policy}: BullMQ loses jobs when Redis evicts; set maxmemory-policy noeviction (redis.conf, or CONFIG SET maxmemory-policy noeviction)`,
    );
  }
}
