import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dropBenchTemplates } from "./lib/bench-db.ts";
import type { Bench, BenchResult } from "./types.ts";

/**
 * `npm run bench [-- name…]`: runs every bench/*.bench.ts (or the named ones) in turn and
 * prints each result. Benchmarks report ratios against a baseline measured in the same
 * run; they are not part of CI.
 */
const dir = fileURLToPath(new URL(".", import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

function format(value: number | string): string {
  if (typeof value === "string") return value;
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2);
}

const all: BenchResult[] = [];
for (const file of files) {
  const bench = (await import(`./${file}`)).default as Bench;
  process.stdout.write(`\n# ${file}\n`);
  for (const result of await bench()) {
    all.push(result);
    process.stdout.write(`\n${result.name}\n`);
    for (const [metric, value] of Object.entries(result.metrics)) {
      process.stdout.write(`  ${metric.padEnd(40)} ${format(value)}\n`);
    }
    if (result.verdict) process.stdout.write(`  => ${result.verdict}\n`);
  }
}
if (files.length === 0) process.stdout.write(`no benchmark matches ${wanted.join(", ")}\n`);
await dropBenchTemplates();
process.exit(0);
