/**
 * The redaction lint over the wiki and the learning inbox (DESIGN.md, Memory: "A
 * redaction lint over `wiki/` and `docs/learnings/` runs in CI"): every text file is run
 * through the redactor's finder, and anything it would redact is a finding.
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultRedactor, type Redactor } from "./redact.ts";

export const DEFAULT_LINT_PATHS = ["wiki", "docs/learnings"] as const;

/** Directories that are never documentation. */
const SKIPPED_DIRS = new Set([".git", "node_modules"]);

/** Git's heuristic: a NUL byte in the first 8000 bytes means binary. */
const BINARY_SNIFF_BYTES = 8000;

interface LintFinding {
  file: string;
  /** 1-based. */
  line: number;
  category: string;
}

interface LintReport {
  findings: LintFinding[];
  filesScanned: number;
  /** Paths that do not exist (fine for the defaults, an error when named explicitly). */
  missing: string[];
}

/** Lints files and directories (recursively); symlinks and binary files are skipped. */
export async function lintForRedaction(
  paths: readonly string[],
  redactor: Redactor = defaultRedactor,
): Promise<LintReport> {
  const report: LintReport = { findings: [], filesScanned: 0, missing: [] };
  for (const path of paths) {
    const kind = await kindOf(path);
    if (kind === "missing") {
      report.missing.push(path);
      continue;
    }
    for await (const file of kind === "dir" ? walk(path) : single(path)) {
      const content = await readFile(file);
      if (isBinary(content)) continue;
      report.filesScanned++;
      for (const { line, category } of redactor.findings(content.toString("utf8"))) {
        report.findings.push({ file, line, category });
      }
    }
  }
  return report;
}

async function kindOf(path: string): Promise<"dir" | "file" | "missing"> {
  try {
    const stats = await lstat(path);
    return stats.isDirectory() ? "dir" : "file";
  } catch {
    return "missing";
  }
}

async function* single(path: string): AsyncGenerator<string> {
  yield path;
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) yield* walk(path);
    } else if (entry.isFile()) {
      yield path;
    }
  }
}

function isBinary(content: Buffer): boolean {
  return content.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}
