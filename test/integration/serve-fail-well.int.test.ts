import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { type PrivateRedis, startPrivateRedis } from "../setup/private-redis.ts";

const BIN = fileURLToPath(new URL("../../bin/prode.mjs", import.meta.url));
const GRACE_MS = 20_000;

/** `prode …` as a supervisor starts it: its own process, env given, nothing inherited. */
function prode(
  args: string[],
  env: Record<string, string>,
): ChildProcess & { out(): string; err(): string } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  return Object.assign(child, { out: () => out, err: () => err });
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("web and worker fail well (issue 16)", () => {
  let t: TestDb | undefined;
  let redis: PrivateRedis | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await redis?.stop();
    await t?.drop();
    t = undefined;
    redis = undefined;
  });

  it("web and worker refuse to start without DATABASE_URL and REDIS_URL (exit 2, one line and the usage)", () => {
    for (const role of ["web", "worker"]) {
      const r = spawnSync(process.execPath, [BIN, role], {
        env: { PATH: process.env.PATH ?? "" },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(r.status).toBe(2);
      expect(r.stderr.split("\n")[0]).toBe(
        `prode ${role}: DATABASE_URL and REDIS_URL not set: set DATABASE_URL and REDIS_URL, or pass --embedded to run on the embedded defaults (not for production)`,
      );
      expect(r.stderr).toContain(`Usage: prode ${role} [--embedded]`);
    }
  }, 120_000);

  it("a read-only command never migrates: it names the pending migrations and 'prode migrate'", async () => {
    t = await createTestDb({ migrated: false });
    const r = spawnSync(process.execPath, [BIN, "status"], {
      env: { PATH: process.env.PATH ?? "", DATABASE_URL: t.url },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /schema at DATABASE_URL is behind: \d+ migration\(s\) not applied .*run 'prode migrate' first/,
    );
    const tables = (await t.db.execute(
      "select count(*)::int as n from information_schema.tables where table_schema not in ('pg_catalog','information_schema')" as never,
    )) as unknown as { n: number }[];
    expect(tables[0]?.n).toBe(0);
  }, 90_000);

  it("with Redis down, a worker's /readyz answers 503 within 2 s, errors are JSON lines, and SIGTERM stops it within the grace", async () => {
    t = await createTestDb();
    redis = await startPrivateRedis();
    const worker = prode(["worker"], {
      DATABASE_URL: t.url,
      REDIS_URL: redis.url,
      PRODE_WORKER_PORT: "0",
      PRODE_POLL_MS: "0",
    });
    child = worker;
    const exited = new Promise<number | null>((resolve) =>
      worker.once("exit", (code) => resolve(code)),
    );
    await until(
      () => /health and metrics on (http:\/\/\S+)/.test(worker.out()),
      90_000,
      "the worker to start",
    );
    const base = /health and metrics on (http:\/\/\S+)/.exec(worker.out())![1]!;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain("prode_phase_step_seconds");

    await redis.stop();
    redis = undefined;
    await new Promise((r) => setTimeout(r, 3_000));
    const asked = performance.now();
    const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(10_000) });
    const readyMs = performance.now() - asked;
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { redis: string }).redis).toMatch(/^down/);
    expect(readyMs).toBeLessThan(2_000);

    const signalled = performance.now();
    worker.kill("SIGTERM");
    const code = await Promise.race([
      exited,
      new Promise<"hung">((r) => setTimeout(() => r("hung"), GRACE_MS + 5_000)),
    ]);
    const stopMs = performance.now() - signalled;
    expect(code).not.toBe("hung");
    expect(stopMs).toBeLessThan(GRACE_MS + 1_000);
    // Every line on stderr is one JSON object (no raw multi-line ioredis output).
    const raw = worker
      .err()
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("{"));
    expect(raw).toEqual([]);
    console.log(
      `readyz with Redis down: ${Math.round(readyMs)} ms; SIGTERM to exit: ${Math.round(stopMs)} ms (code ${code})`,
    );
  }, 180_000);
});
