import { parseSync } from "libpg-query";
import { ALLOWED_CASES, REFUSED_CASES } from "../src/safety/sql-guard.cases.ts";
import { checkSql, checkSqlSync, loadSqlGuard } from "../src/safety/sql-guard.ts";
import type { Bench } from "./types.ts";

/**
 * SQL guard checks per second on one core, over the guard's own case table (everyday
 * triage SELECTs plus the refused and adversarial ones; the pathological 100 kB and
 * 2,000-deep statements are left out as unrepresentative). The baseline, measured in the
 * same run on the same statements, is libpg-query's parse alone, so the ratio is the
 * guard's own overhead: the AST walk and the LIMIT/whole-row checks. Target: ≥ 5,000/s.
 */
const TARGET = 5_000;
const RUN_MS = 1_000;
const ROUNDS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function measure(statements: string[], fn: (sql: string) => unknown): number {
  for (const sql of statements) fn(sql); // warm up
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < RUN_MS) {
    for (const sql of statements) fn(sql);
    count += statements.length;
    elapsed = performance.now() - started;
  }
  return (count / elapsed) * 1000;
}

async function measureAsync(statements: string[]): Promise<number> {
  let count = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < RUN_MS) {
    for (const sql of statements) await checkSql(sql);
    count += statements.length;
    elapsed = performance.now() - started;
  }
  return (count / elapsed) * 1000;
}

function parseOnly(sql: string): unknown {
  try {
    return parseSync(sql);
  } catch (error) {
    return error;
  }
}

const bench: Bench = async () => {
  await loadSqlGuard();
  const statements = [...ALLOWED_CASES, ...REFUSED_CASES]
    .map((c) => c.sql)
    .filter((sql) => sql.length <= 2_000);
  const allowed = statements.filter((sql) => checkSqlSync(sql).allowed).length;
  // Alternate the three measurements so warm-up and GC drift hit them alike.
  const parse: number[] = [];
  const guard: number[] = [];
  const viaAsync: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    parse.push(measure(statements, parseOnly));
    guard.push(measure(statements, (sql) => checkSqlSync(sql)));
    viaAsync.push(await measureAsync(statements));
  }
  const parsePerS = median(parse);
  const guardPerS = median(guard);
  const asyncPerS = median(viaAsync);
  const meanChars = statements.reduce((n, s) => n + s.length, 0) / statements.length;
  return [
    {
      name: `SQL guard, ${statements.length} statements (${allowed} allowed, ${statements.length - allowed} refused, mean ${meanChars.toFixed(0)} chars)`,
      metrics: {
        "baseline: libpg-query parseSync / s": parsePerS,
        "guard: checkSqlSync / s": guardPerS,
        "guard: await checkSql / s": asyncPerS,
        "guard µs per check": 1e6 / guardPerS,
        "guard time / parse time (median of 3)": parsePerS / guardPerS,
      },
      verdict: `≥ ${TARGET.toLocaleString("en")} checks/s: ${asyncPerS >= TARGET ? "met" : "NOT met"} (${Math.round(asyncPerS).toLocaleString("en")}/s via checkSql)`,
    },
  ];
};
export default bench;
