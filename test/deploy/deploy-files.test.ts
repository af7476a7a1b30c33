import { readFileSync } from "node:fs";
import { parse as parseToml } from "smol-toml";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { COMMANDS } from "../../src/cli/registry.ts";
import { loadConfig } from "../../src/config/index.ts";

// The deploy files are checked against the code they start, so a renamed command, a moved
// port or a longer shutdown cannot leave them quietly wrong (issue 16 item 1).
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const defaults = loadConfig({});
const CORE_ROUTES = ["/healthz", "/readyz", "/metrics"];

/** `node bin/prode.mjs <command…>` → the registered command it runs, or undefined. */
function prodeCommand(line: string | string[]): string | undefined {
  const words = Array.isArray(line) ? line : line.split(/\s+/);
  if (words[0] !== "node" || words[1] !== "bin/prode.mjs") return undefined;
  const rest = words.slice(2).join(" ");
  return COMMANDS.find((c) => c.name === rest)?.name;
}

interface FlyCheck {
  type?: string;
  port?: number;
  path?: string;
  processes?: string[];
  timeout?: string;
}
interface Fly {
  kill_signal: string;
  kill_timeout: number;
  deploy: { release_command: string };
  env: Record<string, string>;
  processes: Record<string, string>;
  http_service: { processes: string[]; internal_port: number; checks: FlyCheck[] };
  checks: Record<string, FlyCheck>;
  metrics: { processes: string[]; port: number; path: string }[];
  restart: { policy: string; processes: string[] }[];
}

describe("fly.toml matches the code", () => {
  const fly = parseToml(read("fly.toml")) as unknown as Fly;
  const env = loadConfig(fly.env);

  it("has the web and worker process groups, each running that prode command", () => {
    expect(Object.keys(fly.processes).sort()).toEqual(["web", "worker"]);
    expect(prodeCommand(fly.processes.web!)).toBe("web");
    expect(prodeCommand(fly.processes.worker!)).toBe("worker");
  });

  it("migrates in the release command, the only command that changes the schema", () => {
    expect(prodeCommand(fly.deploy.release_command)).toBe("migrate");
  });

  it("routes HTTP to web's PORT and checks its /readyz within 2 s of prode's probe bound", () => {
    expect(fly.http_service.processes).toEqual(["web"]);
    expect(fly.http_service.internal_port).toBe(env.PORT);
    expect(fly.http_service.checks.map((c) => c.path)).toContain("/readyz");
  });

  it("checks and scrapes every process group on the port that group serves", () => {
    const portOf = { web: env.PORT, worker: env.PRODE_WORKER_PORT } as Record<string, number>;
    const checked = new Set<string>();
    for (const check of Object.values(fly.checks)) {
      expect(check.type).toBe("http");
      expect(CORE_ROUTES).toContain(check.path);
      for (const group of check.processes ?? []) {
        expect(check.port).toBe(portOf[group]);
        checked.add(group);
      }
    }
    expect([...checked].sort()).toEqual(["web", "worker"]);
    const scraped = fly.metrics.flatMap((m) => m.processes.map((p) => [p, m.port, m.path]));
    expect(scraped.sort()).toEqual([
      ["web", env.PORT, "/metrics"],
      ["worker", env.PRODE_WORKER_PORT, "/metrics"],
    ]);
  });

  it("lets a SIGTERM'd process finish its grace before Fly kills it, and restarts crashes", () => {
    expect(fly.kill_signal).toBe("SIGTERM");
    expect(fly.kill_timeout * 1000).toBeGreaterThan(env.PRODE_SHUTDOWN_GRACE_MS);
    expect(fly.kill_timeout * 1000).toBeGreaterThan(defaults.PRODE_SHUTDOWN_GRACE_MS);
    const restarted = fly.restart.filter((r) => r.policy !== "no").flatMap((r) => r.processes);
    expect(restarted.sort()).toEqual(["web", "worker"]);
  });
});

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  stop_grace_period?: string;
  depends_on?: Record<string, { condition: string }>;
}

describe("docker-compose.yml matches the code", () => {
  const compose = parseYaml(read("docker-compose.yml"), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const s = compose.services;

  it("runs postgres, redis (noeviction), and web and worker from the image after migrating", () => {
    expect(Object.keys(s)).toEqual(expect.arrayContaining(["postgres", "redis", "web", "worker"]));
    expect(s.redis?.command).toEqual(expect.arrayContaining(["--maxmemory-policy", "noeviction"]));
    expect(prodeCommand(s.migrate!.command!)).toBe("migrate");
    for (const role of ["web", "worker"]) {
      expect(prodeCommand(s[role]!.command!)).toBe(role);
      expect(s[role]!.depends_on?.migrate?.condition).toBe("service_completed_successfully");
      const env = loadConfig(s[role]!.environment);
      // Production mode: both URLs set, so the process does not refuse to start.
      expect(env.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(env.REDIS_URL).toBe("redis://redis:6379");
      const port = role === "web" ? env.PORT : env.PRODE_WORKER_PORT;
      expect(s[role]!.ports).toEqual([`${port}:${port}`]);
      expect(Number.parseInt(s[role]!.stop_grace_period!, 10) * 1000).toBeGreaterThan(
        env.PRODE_SHUTDOWN_GRACE_MS,
      );
    }
  });
});

describe("Dockerfile and .env.example", () => {
  it("builds on Node 22, prunes dev dependencies and runs as a non-root user", () => {
    const docker = read("Dockerfile");
    const froms = [...docker.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^node:22\b/);
    expect(docker).toMatch(/npm prune --omit=dev/);
    expect(docker).toMatch(/^USER node$/m);
    const cmd = /^CMD (\[.*\])$/m.exec(docker)?.[1];
    expect(prodeCommand(JSON.parse(cmd!) as string[])).toBe("web");
  });

  it("names only variables prode reads, and parses as a valid configuration", () => {
    const env = Object.fromEntries(
      read(".env.example")
        .split("\n")
        .filter((l) => /^[A-Z]/.test(l))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    const known = new Set(
      read("src/config/index.ts")
        .match(/^\s+[A-Z][A-Z0-9_]+(?=:)/gm)
        ?.map((k) => k.trim()),
    );
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
    const config = loadConfig(env);
    expect(config.DATABASE_URL).toBeDefined();
    expect(config.REDIS_URL).toBeDefined();
  });
});
