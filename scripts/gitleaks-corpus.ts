/**
 * Builds the gitleaks redaction corpus: the true and false positives gitleaks declares for
 * each of its rules (`cmd/generate/config/rules/*.go`), as JSON, for
 * `src/safety/redaction-gitleaks.test.ts`.
 *
 *   npx tsx scripts/gitleaks-corpus.ts <gitleaks checkout> [--commit=<sha>] [--out=<file>]
 *
 * The cases are Go code, not data: most true positives are built at generation time
 * (`utils.GenerateSampleSecrets(id, secrets.NewSecret(regex))` expands one secret into
 * two dozen assignment forms). This script reads gitleaks' Go source and evaluates that
 * subset of Go (gitleaks-corpus.go-syntax.ts reads it, gitleaks-corpus.go-eval.ts runs
 * it), running gitleaks' own helper bodies (the sample templates, the regex helpers) as
 * they are in the checkout, and draws `secrets.NewSecret(regex)` with randexp from a
 * PRNG seeded by the rule's function name, so a given checkout always yields the same
 * corpus. A case the evaluator cannot build is skipped and counted
 * (`stats.skippedStatements`, listed in `skips`), never guessed.
 *
 * gitleaks is MIT licensed (Copyright (c) 2019 Zachary Rice); the corpus header names
 * the commit it came from.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import RandExp from "randexp";
import {
  call,
  declareGlobals,
  type GoStr,
  type GoVal,
  type Host,
} from "./gitleaks-corpus.go-eval.ts";
import { type GoFunc, parseFuncs, tokenize, Unsupported } from "./gitleaks-corpus.go-syntax.ts";

export interface CorpusRule {
  id: string;
  /** The Go function that declares the rule, and its file. */
  source: string;
  truePositives: { text: string; secrets: string[] }[];
  falsePositives: string[];
}

export interface Corpus {
  source: { repository: string; commit: string; license: string };
  generator: string;
  stats: {
    rules: number;
    truePositives: number;
    falsePositives: number;
    /** Statements or elements the evaluator could not run; each is listed in `skips`. */
    skippedStatements: number;
  };
  skips: { rule: string; reason: string }[];
  rules: CorpusRule[];
}

const RULES_DIR = "cmd/generate/config/rules";
const UTILS_DIR = "cmd/generate/config/utils";

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * RE2 → JavaScript for generation: inline flags become the `i` flag or vanish, `\z`
 * and `\A` become anchors. Generation ignores anchors anyway.
 */
function toJsRegex(source: string): RegExp {
  const ignoreCase = /\(\?i\)/.test(source);
  const js = source
    .replace(/\(\?i\)/g, "")
    .replace(/\(\?[ims]+:/g, "(?:")
    .replace(/\\z/g, "$")
    .replace(/\\A/g, "^")
    .replace(/\(\?P</g, "(?<");
  return new RegExp(js, ignoreCase ? "i" : "");
}

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".go") && !f.endsWith("_test.go"))
    .sort()
    .map((f) => join(dir, f));
}

/** `var DefaultStopWords = []string{…}`: the words a plausible generic secret must avoid. */
function stopWords(checkout: string): string[] {
  const src = readFileSync(join(checkout, RULES_DIR, "stopwords.go"), "utf8");
  const start = src.indexOf("DefaultStopWords");
  if (start === -1) return [];
  const open = src.indexOf("{", start);
  const close = src.indexOf("}", open);
  return tokenize(src.slice(open + 1, close))
    .filter((t) => t.t === "str")
    .map((t) => t.v.toLowerCase());
}

function commitOf(checkout: string, flag: string | undefined): string {
  if (flag) return flag;
  try {
    return execFileSync("git", ["-C", checkout, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export function buildCorpus(checkout: string, commit: string): Corpus {
  const funcs = new Map<string, GoFunc>();
  const ruleFuncs: GoFunc[] = [];
  const vars: Parameters<typeof declareGlobals>[1][number][] = [];
  const ruleFiles = listFiles(join(checkout, RULES_DIR));
  for (const file of [...listFiles(join(checkout, UTILS_DIR)), ...ruleFiles]) {
    const parsed = parseFuncs(readFileSync(file, "utf8"), file.slice(checkout.length + 1));
    vars.push(...parsed.vars);
    for (const fn of parsed.funcs) {
      funcs.set(fn.name, fn);
      if (fn.returnsRule && ruleFiles.includes(file)) ruleFuncs.push(fn);
    }
  }
  const words = stopWords(checkout);
  const skips: Corpus["skips"] = [];
  let rng = prng(0);
  let current = "";
  const newSecret = (regex: string): string => {
    const gen = new RandExp(toJsRegex(regex));
    gen.max = 1; // gitleaks calls reggen's Generate(1): one repetition for * and +.
    gen.randInt = (a, b) => a + Math.floor(rng() * (b - a + 1));
    return gen.gen();
  };
  const host: Host = {
    funcs,
    globals: new Map(),
    newSecret,
    natives: new Map([
      // generic.go's retry loop: a secret with a digit 1–9 and none of the stop words.
      [
        "newPlausibleSecret",
        (args: GoVal[]): GoVal => {
          const regex = args[0]?.kind === "str" ? args[0].text : "";
          for (let tries = 0; tries < 10_000; tries++) {
            const s = newSecret(regex);
            if (/[1-9]/.test(s) && !words.some((w) => s.toLowerCase().includes(w))) {
              return { kind: "str", text: s, secrets: [s] };
            }
          }
          throw new Unsupported("no plausible secret");
        },
      ],
    ]),
    skip: (reason) => skips.push({ rule: current, reason }),
  };

  current = "package-level vars";
  declareGlobals(host, vars);
  const rules: CorpusRule[] = [];
  for (const fn of ruleFuncs) {
    current = fn.name;
    rng = prng(hashSeed(fn.name));
    let result: GoVal;
    try {
      result = call(host, fn, []);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      skips.push({ rule: fn.name, reason: `whole rule: ${e.message}` });
      continue;
    }
    if (result.kind !== "cases") {
      skips.push({ rule: fn.name, reason: "whole rule: no Validate call evaluated" });
      continue;
    }
    // A case with no text is a file path for a path-only rule (PKCS#12 files): nothing a
    // text redactor can see.
    const withText = (cases: GoStr[]) => cases.filter((c) => c.text.length > 0);
    const pathOnly = result.tps.length + result.fps.length;
    const tps = withText(result.tps);
    const fps = withText(result.fps);
    const dropped = pathOnly - tps.length - fps.length;
    if (dropped > 0) skips.push({ rule: fn.name, reason: `${dropped} path-only cases (no text)` });
    rules.push({
      id: result.id,
      source: `${fn.file}:${fn.name}`,
      truePositives: tps.map(truePositive),
      falsePositives: fps.map((s) => s.text),
    });
  }
  const count = (pick: (r: CorpusRule) => unknown[]) =>
    rules.reduce((n, r) => n + pick(r).length, 0);
  return {
    source: {
      repository: "https://github.com/gitleaks/gitleaks",
      commit,
      license: "MIT License, Copyright (c) 2019 Zachary Rice (the test cases are gitleaks')",
    },
    generator: "scripts/gitleaks-corpus.ts (randexp, PRNG seeded by rule function name)",
    stats: {
      rules: rules.length,
      truePositives: count((r) => r.truePositives),
      falsePositives: count((r) => r.falsePositives),
      skippedStatements: skips.length,
    },
    skips,
    rules,
  };
}

function truePositive(s: GoStr): { text: string; secrets: string[] } {
  const secrets = [...new Set(s.secrets)].filter((x) => x.length > 0 && s.text.includes(x));
  return { text: s.text, secrets };
}

function main(): void {
  const args = process.argv.slice(2);
  const checkout = args.find((a) => !a.startsWith("--"));
  if (!checkout) {
    process.stderr.write(
      "usage: tsx scripts/gitleaks-corpus.ts <gitleaks checkout> [--commit=<sha>] [--out=<file>]\n",
    );
    process.exit(2);
  }
  const flag = (name: string) =>
    args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const corpus = buildCorpus(checkout, commitOf(checkout, flag("commit")));
  const out = flag("out") ?? "src/safety/__corpus__/gitleaks.json";
  writeFileSync(out, `${JSON.stringify(corpus, null, 1)}\n`);
  process.stdout.write(`${out}: ${JSON.stringify(corpus.stats)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
