import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  accessSync,
  chmodSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { Redis } from "ioredis";
import postgres from "postgres";

/**
 * The chaos suite's own Postgres and Redis: private servers on free loopback ports that
 * the suite may restart, flush and kill without touching anyone else's.
 */

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The first directory of PATH holding `name`, if any. */
const onPath = (name: string) =>
  (process.env.PATH ?? "").split(delimiter).find((dir) => dir && isExecutable(join(dir, name)));

/**
 * Where initdb, pg_ctl and postgres live: CHAOS_PG_BIN, else the newest Debian/Ubuntu
 * server package (/usr/lib/postgresql/<major>/bin, which is not on PATH there: the
 * packages put only wrappers for the client tools in /usr/bin), else the directory of
 * the initdb on PATH (Homebrew, Fedora, the official images).
 */
export function postgresBinDir(): string {
  if (process.env.CHAOS_PG_BIN) return process.env.CHAOS_PG_BIN;
  const debian = "/usr/lib/postgresql";
  let majors: string[] = [];
  try {
    majors = readdirSync(debian)
      .filter((m) => /^\d+$/.test(m))
      .sort((a, b) => Number(b) - Number(a));
  } catch {}
  const packaged = majors
    .map((major) => join(debian, major, "bin"))
    .find((dir) => isExecutable(join(dir, "initdb")) && isExecutable(join(dir, "postgres")));
  const found = packaged ?? onPath("initdb");
  if (!found)
    throw new Error(
      "chaos: no PostgreSQL server binaries (initdb, pg_ctl, postgres) in /usr/lib/postgresql/*/bin or on PATH; install the server package or set CHAOS_PG_BIN",
    );
  return found;
}

/** redis-server from PATH, checked up front: a missing binary would only be a spawn error. */
function redisServer(): string {
  const dir = onPath("redis-server");
  if (!dir) throw new Error("chaos: no redis-server on PATH; install Redis (the server)");
  return join(dir, "redis-server");
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** initdb refuses root: as root, the server runs as the `postgres` system user. */
function asPostgresUser(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ["runuser", ["-u", "postgres", "--", bin, ...args]]
    : [bin, args];
}

export interface PrivatePostgres {
  url: string;
  /** pg_ctl restart -m fast (clean: sessions are terminated) or immediate (crash recovery). */
  restart(mode: "fast" | "immediate"): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const pgBin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "prode-chaos-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const port = await freePort();
  const pgCtl = (args: string[]) => {
    const [cmd, full] = asPostgresUser(join(pgBin, "pg_ctl"), args);
    execFileSync(cmd, full, { stdio: "ignore" });
  };
  const [initCmd, initArgs] = asPostgresUser(join(pgBin, "initdb"), [
    "-D",
    data,
    "-A",
    "trust",
    "-U",
    "postgres",
    "--no-sync",
  ]);
  execFileSync(initCmd, initArgs, { stdio: "ignore" });
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = () => pgCtl(["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "start"]);
  start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe("create database prode");
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/prode`,
    async restart(mode) {
      pgCtl(["-D", data, "-m", mode, "-w", "stop"]);
      await sleep(500);
      start();
    },
    async stop() {
      try {
        pgCtl(["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedis {
  url: string;
  /** FLUSHALL: every key, the phase queue and the interaction stream, is gone. */
  flush(): Promise<void>;
  /** Kills the server and starts a new one on the same port; nothing persisted. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const bin = redisServer();
  const dir = mkdtempSync(join(tmpdir(), "prode-chaos-redis-"));
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(
      bin,
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
    for (let i = 0; i < 200; i += 1) {
      const probe = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on("error", () => {});
      try {
        await probe.connect();
        if ((await probe.ping()) === "PONG") return;
      } catch {
      } finally {
        probe.disconnect();
      }
      await sleep(25);
    }
    throw new Error("private redis-server never answered");
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      const p = proc;
      if (!p || p.exitCode !== null) return resolve();
      p.once("exit", () => resolve());
      p.kill("SIGKILL");
    });
  await start();
  return {
    url,
    async flush() {
      const admin = new Redis(url);
      try {
        await admin.flushall();
      } finally {
        admin.disconnect();
      }
    },
    async restart() {
      await kill();
      await sleep(500);
      await start();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
