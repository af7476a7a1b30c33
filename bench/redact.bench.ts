import { generateLogText } from "../src/safety/__corpus__/log-lines.ts";
import { defaultRedactor } from "../src/safety/redact.ts";
import type { Bench } from "./types.ts";

/**
 * Issue 4: redaction throughput on 100 MB of log-like text on one core, target ≥ 20 MB/s.
 * Baselines over the same data in the same run: a trivial single-pass regex replace and
 * a split/join by line (the floor any line-oriented redactor pays).
 *
 * `npx tsx bench/run.ts redact --mb=20` shrinks the corpus for a quick look; the verdict
 * needs the full 100.
 */
const TARGET_MB_PER_S = 20;
const SECRET_LINE_RATE = 0.01;

function time(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const bench: Bench = async () => {
  const megabytes = Number(
    process.argv.find((a) => a.startsWith("--mb="))?.slice("--mb=".length) ?? 100,
  );
  const text = generateLogText(megabytes * 1e6, 4, SECRET_LINE_RATE);
  const mb = text.length / 1e6;

  // Warm-up on a slice so the regexes are compiled and tiered up before timing.
  defaultRedactor.redact(text.slice(0, 2_000_000));

  let summary: Record<string, number> = {};
  const redactSeconds = time(() => {
    summary = defaultRedactor.redact(text).summary;
  });
  const replaceSeconds = time(() => text.replace(/\t/g, " "));
  const splitJoinSeconds = time(() => text.split("\n").join("\n"));

  const rate = mb / redactSeconds;
  const findings = Object.values(summary).reduce((a, b) => a + b, 0);
  return [
    {
      name: `redact ${mb.toFixed(0)} MB of log-like text (${(SECRET_LINE_RATE * 100).toFixed(0)}% lines with secrets), one core`,
      metrics: {
        "redact MB/s": rate,
        "baseline text.replace(/\\t/g) MB/s": mb / replaceSeconds,
        "baseline split/join lines MB/s": mb / splitJoinSeconds,
        "redact seconds": redactSeconds,
        "slowdown vs split/join (x)": redactSeconds / splitJoinSeconds,
        findings,
        categories: Object.entries(summary)
          .map(([k, v]) => `${k}=${v}`)
          .join(" "),
      },
      verdict: `≥ ${TARGET_MB_PER_S} MB/s: ${rate >= TARGET_MB_PER_S ? "met" : "missed"}${megabytes < 100 ? " (reduced corpus)" : ""}`,
    },
  ];
};
export default bench;
