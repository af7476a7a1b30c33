/**
 * REVIEW's own checks of the coding agent's diff (DESIGN.md "Delivery", issue 14 §6):
 * size against policy, forbidden paths, secrets the diff adds (by shape, and prode's own
 * by value in any usual encoding), symlinks and binaries,
 * changes to agent instructions or CI, and scope against the code path the evidence
 * names. Pure: the caller reads the base contents and passes the redactor in.
 *
 * Severity decides what happens next: `blocking` stops the run with a handoff,
 * `approval` needs a human before the PR, `note` goes into the PR body only.
 */
import { firstMatchingGlob, matchesGlob, normalizeRepoPath } from "../policy/glob.ts";
import type { Redactor } from "../safety/redact.ts";
import { type OwnSecrets, ownSecretFindings } from "./review-own-secrets.ts";
import { type ScopeSet, scopeSet } from "./review-scope.ts";
import type { DiffFile, ReviewFinding, WorktreeDiff } from "./types.ts";

export interface ReviewInput {
  diff: WorktreeDiff;
  /** The file's content at the base commit; undefined when it did not exist there. */
  baseContent: (path: string) => string | undefined;
  /** Policy `forbidden_paths` (globs of src/policy/glob.ts). */
  forbiddenPaths: readonly string[];
  /** Policy cap on the PR: changed lines (additions + deletions) and files. */
  maxPrSize: { lines: number; files: number };
  /** Files the code-path evidence names; a change elsewhere (tests aside) is noted. */
  scopeFiles: readonly string[];
  /** Only its `findings` are used: they name a category and a line, never the value. */
  redactor: Pick<Redactor, "findings">;
  /** prode's own configured secrets, looked for by value in every encoding (review-own-secrets.ts). */
  ownSecrets?: OwnSecrets;
}

/**
 * Files that instruct coding agents (and so the next agent run on this repository, or a
 * human's assistant): a change to them changes behaviour beyond this fix. MCP server
 * configs are here too: they name commands an agent will start.
 */
export const AGENT_INSTRUCTION_GLOBS: readonly string[] = [
  "AGENTS.md",
  "AGENTS.override.md",
  "CLAUDE.md",
  "CLAUDE.local.md",
  "GEMINI.md",
  ".cursorrules",
  ".windsurfrules",
  ".clinerules",
  ".roomodes",
  ".mcp.json",
  "**/.agents/**",
  "**/.claude/**",
  "**/.cursor/**",
  "**/.windsurf/**",
  "**/.clinerules/**",
  "**/.roo/**",
  "**/.continue/**",
  "**/.kiro/**",
  "**/.junie/**",
  ".github/copilot-instructions.md",
  ".github/instructions/**",
  ".github/prompts/**",
  ".github/chatmodes/**",
  ".vscode/mcp.json",
];

/**
 * CI and build definitions: they run with the repository's CI credentials, and a fix on
 * the failing code path never needs them. Dockerfiles are included: the image is what
 * ships, and a `RUN` line executes at build time inside CI; a change there alters
 * production beyond the code path even when the code is right. Git hooks run on every
 * contributor's machine, so they count too.
 */
export const CI_CONFIG_GLOBS: readonly string[] = [
  ".github/workflows/**",
  ".github/actions/**",
  ".gitlab-ci.yml",
  ".gitlab/ci/**",
  ".circleci/**",
  ".buildkite/**",
  "Jenkinsfile",
  "Jenkinsfile.*",
  "azure-pipelines.yml",
  ".azure-pipelines/**",
  "bitbucket-pipelines.yml",
  ".travis.yml",
  ".drone.yml",
  "cloudbuild.yaml",
  "cloudbuild.yml",
  "buildspec.yml",
  "Dockerfile",
  "Dockerfile.*",
  "*.dockerfile",
  "Containerfile",
  ".husky/**",
  ".pre-commit-config.yaml",
];

/** Git's mode for a symbolic link. */
const SYMLINK_MODE = "120000";

/** The review of one diff; findings in order: size (and an unchecked scope) first, then by file. */
export function reviewDiff(input: ReviewInput): ReviewFinding[] {
  const findings: ReviewFinding[] = [...sizeFindings(input)];
  // No code path named (the specialist skipped or failed): one note, not one per file.
  const unscoped = input.scopeFiles.length === 0 && input.diff.files.length > 0;
  if (unscoped) {
    findings.push({
      rule: "scope",
      severity: "note",
      message: "the evidence names no code path: the scope of the change was not checked",
    });
  }
  const scope = unscoped ? { covers: () => true } : scopeSet(input.scopeFiles);
  for (const file of input.diff.files) {
    const path = normalizeRepoPath(file.path);
    if (path === null) {
      findings.push({
        rule: "forbidden_path",
        severity: "blocking",
        message: "the path leaves the repository",
        path: file.path,
      });
      continue;
    }
    findings.push(...fileFindings(input, file, path, scope));
  }
  return findings;
}

/** The findings that stop the run. */
export function blockingFindings(findings: readonly ReviewFinding[]): ReviewFinding[] {
  return findings.filter((f) => f.severity === "blocking");
}

/** The findings a human must approve before the PR opens. */
export function approvalFindings(findings: readonly ReviewFinding[]): ReviewFinding[] {
  return findings.filter((f) => f.severity === "approval");
}

/** Whether any finding needs a human's approval. */
export function needsApproval(findings: readonly ReviewFinding[]): boolean {
  return findings.some((f) => f.severity === "approval");
}

function sizeFindings({ diff, maxPrSize }: ReviewInput): ReviewFinding[] {
  // The larger of the reported and the per-file total: neither is trusted to be smaller.
  const lines = Math.max(
    diff.lines,
    diff.files.reduce((sum, f) => sum + f.additions + f.deletions, 0),
  );
  const out: ReviewFinding[] = [];
  if (lines > maxPrSize.lines) {
    out.push({
      rule: "diff_size",
      severity: "blocking",
      message: `the diff changes ${lines} lines; the policy allows ${maxPrSize.lines}`,
    });
  }
  if (diff.files.length > maxPrSize.files) {
    out.push({
      rule: "diff_size",
      severity: "blocking",
      message: `the diff changes ${diff.files.length} files; the policy allows ${maxPrSize.files}`,
    });
  }
  return out;
}

function fileFindings(
  input: ReviewInput,
  file: DiffFile,
  path: string,
  scope: ScopeSet,
): ReviewFinding[] {
  const out: ReviewFinding[] = [];
  const forbidden = firstMatchingGlob(input.forbiddenPaths, path);
  if (forbidden !== undefined) {
    out.push({
      rule: "forbidden_path",
      severity: "blocking",
      message: `the path matches the forbidden glob ${forbidden}`,
      path,
    });
  }
  if (file.symlink === true || file.mode === SYMLINK_MODE) {
    out.push({
      rule: "symlink",
      severity: "blocking",
      message: "a symbolic link (it can point outside the repository; never pushed)",
      path,
    });
  }
  if (file.binary === true) {
    out.push({
      rule: "binary",
      severity: "blocking",
      message: "a binary file (it cannot be reviewed as text; never pushed)",
      path,
    });
  } else if (file.content !== null) {
    out.push(...secretFindings(input, file.content, path));
    out.push(...ownSecretFindings(input.ownSecrets, file, path, input.baseContent(path)));
  }
  if (AGENT_INSTRUCTION_GLOBS.some((g) => matchesGlob(g, path))) {
    out.push({
      rule: "agent_instructions",
      severity: "approval",
      message: "changes instructions that coding agents read",
      path,
    });
  }
  if (CI_CONFIG_GLOBS.some((g) => matchesGlob(g, path))) {
    out.push({
      rule: "ci_config",
      severity: "approval",
      message: "changes CI or build configuration",
      path,
    });
  }
  if (!scope.covers(path)) {
    out.push({
      rule: "scope",
      severity: "note",
      message: "outside the code path the evidence names",
      path,
    });
  }
  return out;
}

/**
 * Secrets the diff adds: the redactor's findings in the new content, minus those already
 * in the base content, so a fixture secret that was there before does not block. A finding
 * is new when the text it spans (its line, or for a multi-line secret such as a PEM key
 * the lines up to where the match ends) is not in the base, or when its category occurs
 * more often than in the base (the same line copied elsewhere). The message names the
 * category and the line, never the value.
 */
function secretFindings(input: ReviewInput, content: string, path: string): ReviewFinding[] {
  const found = input.redactor.findings(content);
  if (found.length === 0) return [];
  const base = input.baseContent(path) ?? "";
  const baseLines = new Set(base.split("\n"));
  const baseCounts = countByCategory(base === "" ? [] : input.redactor.findings(base));
  const newCounts = countByCategory(found);
  const lines = content.split("\n");
  const added = new Map<string, number[]>();
  for (const f of found) {
    const more = (newCounts.get(f.category) ?? 0) > (baseCounts.get(f.category) ?? 0);
    if (!more && inBase({ lines, at: f.line, category: f.category, base, baseLines }, input)) {
      continue;
    }
    const at = added.get(f.category) ?? [];
    at.push(f.line);
    added.set(f.category, at);
  }
  return [...added].map(
    ([category, at]): ReviewFinding =>
      CONTACT_DETAILS.has(category)
        ? {
            rule: "secret",
            severity: "note",
            message: `the diff adds ${category === "email" ? "an email address" : "a phone number"} at line ${at.join(", ")}: check it is a fixture, not a person's`,
            path,
          }
        : {
            rule: "secret",
            severity: "blocking",
            message: `the diff adds a secret (${category}) at line ${at.join(", ")}`,
            path,
          },
  );
}

/**
 * Contact details a test fixture routinely holds (`user@example.com`): a note for the
 * reviewer, not a stop. Credentials, keys and the other personal data still block.
 */
const CONTACT_DETAILS: ReadonlySet<string> = new Set(["email", "phone"]);

/** Lines a multi-line secret may span (a 16 kbit PEM key is about 50). */
const MAX_SECRET_LINES = 200;

/**
 * Whether the text of the finding at line `at` was already in the base. A finding that
 * its own line shows is compared by line; otherwise the block is grown line by line until
 * the redactor finds the category at its start, and compared whole, so a PEM key whose
 * armour stayed while its body changed is new. Cost: one redactor pass per grown block,
 * only for multi-line findings.
 */
function inBase(
  f: { lines: string[]; at: number; category: string; base: string; baseLines: Set<string> },
  input: ReviewInput,
): boolean {
  const first = f.lines[f.at - 1];
  if (first === undefined) return false;
  const startsHere = (text: string) =>
    input.redactor.findings(text).some((g) => g.category === f.category && g.line === 1);
  if (startsHere(first)) return f.baseLines.has(first);
  const last = Math.min(f.lines.length, f.at - 1 + MAX_SECRET_LINES);
  for (let end = f.at + 1; end <= last; end++) {
    const block = f.lines.slice(f.at - 1, end).join("\n");
    if (startsHere(block)) return f.base.includes(block);
  }
  // A match that needs context before its line (a key name above a value): by line.
  return f.baseLines.has(first);
}

function countByCategory(found: readonly { category: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of found) counts.set(f.category, (counts.get(f.category) ?? 0) + 1);
  return counts;
}
