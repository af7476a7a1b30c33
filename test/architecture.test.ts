import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The import rules of STYLE.md and DESIGN.md, enforced: `src/domain` imports nothing of
 * ours outside itself; `blocks/` only itself and the domain; specialists only
 * themselves, their contract and the domain — and, followed transitively, no specialist
 * module can reach an SDK or any client that can write (invariant 3).
 */
const ROOT = resolve(import.meta.dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "__snapshots__" ? [] : files(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2])!);
}

function rel(path: string): string {
  return relative(ROOT, path);
}

/** Every module a file reaches, transitively: our files by path, packages by name. */
function reach(entry: string): { files: Set<string>; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (spec.startsWith(".")) stack.push(resolve(dirname(file), spec));
      else
        packages.add(
          spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!,
        );
    }
  }
  return { files: new Set([...seen].map(rel)), packages };
}

/** Packages that talk to the outside world or can write somewhere. */
const WRITE_CAPABLE = [
  "@slack/bolt",
  "@slack/web-api",
  "@linear/sdk",
  "@octokit/app",
  "@octokit/rest",
  "@aws-sdk/client-sts",
  "@aws-sdk/client-cloudwatch",
  "@aws-sdk/client-cloudwatch-logs",
  "@sentry/node",
  "postgres",
  "@electric-sql/pglite",
  "drizzle-orm",
  "bullmq",
  "ioredis",
  "node:fs",
  "node:fs/promises",
  "node:child_process",
  "node:net",
  "node:http",
  "node:https",
  "node:dgram",
  "node:worker_threads",
  "fs",
  "child_process",
  "net",
  "http",
  "https",
];

describe("architecture", () => {
  const specialistFiles = files(join(ROOT, "specialists"));

  it("no specialist module can reach an SDK, a database client or any write-capable module", () => {
    expect(specialistFiles.length).toBeGreaterThan(20);
    for (const file of specialistFiles) {
      const { files: reached, packages } = reach(file);
      const bad = [...packages].filter((p) => WRITE_CAPABLE.includes(p));
      expect(bad, `${rel(file)} reaches ${bad.join(", ")}`).toEqual([]);
      const outside = [...reached].filter(
        (f) => !f.startsWith("specialists/") && !f.startsWith("src/domain/"),
      );
      expect(outside, `${rel(file)} imports outside specialists/ and src/domain/`).toEqual([]);
    }
  });

  it("src/domain imports nothing of ours outside itself, and no I/O", () => {
    for (const file of files(join(ROOT, "src/domain"))) {
      const { files: reached, packages } = reach(file);
      expect(
        [...reached].filter((f) => !f.startsWith("src/domain/")),
        rel(file),
      ).toEqual([]);
      expect(
        [...packages].filter((p) => p !== "zod"),
        rel(file),
      ).toEqual([]);
    }
  });

  it("blocks/ renderers import only blocks/ and src/domain, and no I/O", () => {
    for (const file of files(join(ROOT, "blocks")).filter(Boolean)) {
      const { files: reached, packages } = reach(file);
      expect(
        [...reached].filter((f) => !f.startsWith("blocks/") && !f.startsWith("src/domain/")),
        rel(file),
      ).toEqual([]);
      expect(
        [...packages].filter((p) => WRITE_CAPABLE.includes(p)),
        rel(file),
      ).toEqual([]);
    }
  });

  it("the check itself sees a forbidden import when there is one", () => {
    const adapter = join(ROOT, "src/adapters/sentry/reader.ts");
    const { packages, files: reached } = reach(adapter);
    expect([...reached].some((f) => f.startsWith("src/adapters/"))).toBe(true);
    expect(packages.size).toBeGreaterThan(0);
    const linear = reach(join(ROOT, "src/adapters/linear/client.ts")).packages;
    expect([...linear].filter((p) => WRITE_CAPABLE.includes(p))).toEqual(["@linear/sdk"]);
  });
});
