import { type ChildProcess, execSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_REDIS_URL } from "../setup/env.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";

/**
 * What the image does (Dockerfile), without a registry for base images: a clean copy of
 * the committed tree, `npm ci` (patch-package applies patches/ at postinstall, a dev
 * dependency) then `npm prune --omit=dev`, then migrate, web and worker from that copy.
 * It downloads every package and takes minutes: run it with PRODE_TEST_PROD_DEPS=1
 * (CI does; `.ci/run`).
 */
const ENABLED = process.env.PRODE_TEST_PROD_DEPS === "1";
const REPO = fileURLToPath(new URL("../..", import.meta.url));

function boot(dir: string, args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["bin/prode.mjs", ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.resume();
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const url = async (pattern: RegExp): Promise<string> => {
    const end = Date.now() + 120_000;
    while (Date.now() < end) {
      const m = pattern.exec(out);
      if (m) return m[1]!;
      if (child.exitCode !== null) throw new Error(`prode ${args[0]} exited: ${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`prode ${args[0]} did not start: ${out}`);
  };
  return { child, exited, url };
}

describe.skipIf(!ENABLED)("the production install boots (issue 16 item 1)", () => {
  let dir: string;
  let t: TestDb;
  const prefix = testQueuePrefix();
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "prode-prod-"));
    execSync(`git -C "${REPO}" archive HEAD | tar -x -C "${dir}"`);
    t = await createTestDb({ migrated: false });
  }, 60_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await t?.drop();
    await dropQueuePrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it("installs production dependencies only, without engine warnings, and runs migrate, web and worker", async () => {
    const ci = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, encoding: "utf8" });
    expect(ci.status, ci.stderr).toBe(0);
    expect(`${ci.stdout}${ci.stderr}`).not.toContain("EBADENGINE");
    const prune = spawnSync("npm", ["prune", "--omit=dev", "--no-audit", "--no-fund"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(prune.status, prune.stderr).toBe(0);
    expect(existsSync(join(dir, "node_modules/tsx"))).toBe(true);
    for (const dev of ["vitest", "typescript", "@biomejs/biome", "drizzle-kit"])
      expect(existsSync(join(dir, "node_modules", dev)), dev).toBe(false);

    const env = {
      DATABASE_URL: t.url,
      REDIS_URL: TEST_REDIS_URL,
      PRODE_QUEUE_PREFIX: prefix,
      PORT: "0",
      PRODE_WORKER_PORT: "0",
      PRODE_POLL_MS: "0",
    };
    const migrate = spawnSync(process.execPath, ["bin/prode.mjs", "migrate"], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", ...env },
      encoding: "utf8",
    });
    expect(migrate.status, migrate.stderr).toBe(0);

    const web = boot(dir, ["web"], env);
    const worker = boot(dir, ["worker"], env);
    children.push(web.child, worker.child);
    const webUrl = await web.url(/listening on (http:\/\/\S+)/);
    const workerUrl = await worker.url(/health and metrics on (http:\/\/\S+)/);
    expect((await fetch(`${webUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${workerUrl}/readyz`)).status).toBe(200);
    web.child.kill("SIGTERM");
    worker.child.kill("SIGTERM");
    expect(await web.exited).toBe(0);
    expect(await worker.exited).toBe(0);
  }, 900_000);
});
