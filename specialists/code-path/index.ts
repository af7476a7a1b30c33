import { type AppError, ErrorCode } from "../../src/domain/errors.ts";
import {
  normalizeSpecialistOutput,
  type RawSpecialistOutput,
  type SpecialistOutput,
} from "../../src/domain/specialist-output.ts";
import { sameFile, shortSha } from "../release/correlate.ts";
import {
  describeError,
  EvidenceCollector,
  isNotFound,
  READ_RULES,
  settle,
} from "../shared/collector.ts";
import type { GitHubReader, RepoFileText } from "../tools.ts";
import { recordCommitChange } from "./commit-change.ts";
import { type Context, cite, GAP_IMPACT, plural, type Read, type Target } from "./context.ts";
import { type CodeEvidence, codeEvidence, pathCandidates } from "./evidence.ts";
import { definitionLine, quoteLine, splitLines } from "./lines.ts";

export { MAX_QUOTED_CHANGES } from "./commit-change.ts";
export { GAP_IMPACT } from "./context.ts";

/**
 * The code-path specialist (DESIGN "Specialists": only after the bundle). Once the
 * evidence is gathered and classified it reads, through the read-only GitHub reader, the
 * files the evidence points at — the in-app frames and culprit the exception specialist
 * named, and the stack files the correlated release changed — at the base commit the fix
 * will start from, and for the release's files the commit that changed them against its
 * parent. Its findings cite `path:line@sha7` with the line's text (the reader hands file
 * text over redacted, line numbers kept), and the files it read are the scope REVIEW holds
 * the agent's diff to ({@link codePathFiles}).
 *
 * It never throws: a missing file, an unreadable one, a line the base does not have, a
 * history it cannot read are gaps; no file to read is `skipped` with the reason; every
 * read failing upstream is `failed`.
 */

export const CODE_PATH_SPECIALIST_ID = "code-path";
/** Files read at the base commit; the rest of the stack is listed as a gap. */
export const MAX_FILES = 5;
/** Release commits per file whose change is diffed against its parent (newest first). */
export const MAX_COMMITS_PER_FILE = 2;
export const TIMEOUT_MS = 30_000;

export interface CodePathInput {
  github: GitHubReader;
  /** The commit delivery starts from (the bundle's base), a full SHA. */
  baseSha: string;
  /** The evidence bundle's specialist outputs. */
  outputs: readonly SpecialistOutput[];
  /** The run's clock: when the findings were observed. */
  now: Date;
  signal?: AbortSignal;
}

/** The files to read, culprit first, then the other frames, then the release's other files. */
function targetsOf(evidence: CodeEvidence): Target[] {
  const targets: Target[] = [];
  for (const frame of evidence.frames) {
    const known = targets.find((t) => sameFile(t.file, frame.file));
    if (known) known.frames.push(frame);
    else targets.push({ file: frame.file, frames: [frame] });
  }
  for (const changed of evidence.releaseFiles) {
    const known = targets.find((t) => sameFile(t.file, changed.file));
    if (known) {
      // The release names the repository's own path; the stack may carry a build prefix.
      known.file = changed.file;
      known.releaseCommits = changed.commits;
    } else targets.push({ file: changed.file, frames: [], releaseCommits: changed.commits });
  }
  return targets;
}

/** The first of a file's candidate paths that exists at `ref`; null when none does. */
async function readFirst(
  ctx: Context,
  paths: string[],
  ref: string,
): Promise<{ ok: true; path: string; file: RepoFileText | null } | { ok: false; error: AppError }> {
  for (const path of paths) {
    const read = await settle(() => ctx.getFile(path, ref), ctx.signal);
    if (!read.ok) {
      if (isNotFound(read.error)) continue;
      return { ok: false, error: read.error };
    }
    if (read.value) return { ok: true, path, file: read.value };
  }
  return { ok: true, path: paths[0] ?? "", file: null };
}

function recordFrames(ctx: Context, read: Read): void {
  const { ev, baseSha } = ctx;
  for (const frame of read.target.frames) {
    const role = frame.culprit ? "the culprit frame" : "an in-app frame";
    const fn = frame.function ? ` ${frame.function}` : "";
    if (frame.line !== undefined) {
      const text = read.lines[frame.line - 1];
      if (text === undefined) {
        ev.gap({
          what: `${role}${fn} is at line ${frame.line} of ${read.path}, which has ${plural(read.lines.length, "line")} at ${shortSha(baseSha)}: the code that ran differs from the base`,
          confidenceImpact: GAP_IMPACT.line,
        });
        continue;
      }
      ev.finding({
        fact: `${cite(read.path, frame.line, baseSha)} (${role}${fn}): ${quoteLine(text)}`,
        source: read.source,
      });
      continue;
    }
    const defined = frame.function ? definitionLine(read.lines, frame.function) : undefined;
    if (defined !== undefined) {
      ev.finding({
        fact: `${cite(read.path, defined, baseSha)} defines${fn} (${role}; the evidence gives no line): ${quoteLine(read.lines[defined - 1]!)}`,
        source: read.source,
      });
    } else if (frame.function) {
      ev.gap({
        what: `${role}${fn} in ${read.path}: no line in the evidence and no definition found at ${shortSha(baseSha)}`,
        confidenceImpact: GAP_IMPACT.line,
      });
    }
  }
}

async function collect(
  ctx: Context,
  outputs: readonly SpecialistOutput[],
): Promise<RawSpecialistOutput> {
  const { ev, baseSha } = ctx;
  const base = shortSha(baseSha);
  const targets = targetsOf(codeEvidence(outputs));
  if (targets.length === 0) {
    return ev.skipped(
      "the evidence names no in-app stack frame, culprit file or stack file the release changed: no code path to read",
    );
  }
  if (targets.length > MAX_FILES) {
    ev.gap({
      what: `${plural(targets.length - MAX_FILES, "more file")} of the stack not read (cap ${MAX_FILES}): ${targets
        .slice(MAX_FILES)
        .map((t) => t.file)
        .join(", ")}`,
      confidenceImpact: GAP_IMPACT.capped,
    });
  }
  const chosen = targets.slice(0, MAX_FILES);
  const answers = await Promise.all(
    chosen.map((t) =>
      readFirst(ctx, t.releaseCommits ? [t.file] : pathCandidates(t.file), baseSha),
    ),
  );
  const reads: Read[] = [];
  let firstError: AppError | undefined;
  answers.forEach((answer, i) => {
    const target = chosen[i]!;
    if (!answer.ok) {
      firstError ??= answer.error;
      ev.gap({
        what: `${target.file} unreadable at ${base} (${describeError(answer.error)})`,
        confidenceImpact: GAP_IMPACT.unreadable,
      });
      return;
    }
    if (answer.file === null) {
      ev.gap({
        what: `${target.file} does not exist at ${base}${target.releaseCommits ? "" : ` (tried ${pathCandidates(target.file).join(", ")})`}`,
        confidenceImpact: GAP_IMPACT.missing,
      });
      return;
    }
    const source = ev.source({
      kind: "github_commit",
      ref: `github_commit:${baseSha}:${answer.path}`,
    });
    const lines = splitLines(answer.file.content);
    reads.push({ target, path: answer.path, file: answer.file, lines, source });
  });
  // Every read failing upstream is a failure to look; a file refused for what it is (over
  // the size cap, binary) is a fact about it, recorded as its gap.
  const upstream = (a: (typeof answers)[number]) => !a.ok && a.error.code !== ErrorCode.BadInput;
  if (firstError !== undefined && answers.every(upstream)) {
    return ev.failed(firstError, "Retry when GitHub answers: the culprit files were not read");
  }
  for (const read of reads) {
    ev.finding({
      fact: `read ${read.path} at ${base} (${plural(read.lines.length, "line")})${read.target.releaseCommits ? ", a file of the exception's stack the correlated release changed" : ""}`,
      source: read.source,
    });
    recordFrames(ctx, read);
    const commits = (read.target.releaseCommits ?? []).slice(-MAX_COMMITS_PER_FILE).reverse();
    for (const commit of commits) await recordCommitChange(ctx, read, commit);
  }
  return ev.returned(nextPivot(reads, baseSha));
}

function nextPivot(reads: Read[], baseSha: string): string {
  const first = reads.find((r) => r.target.frames.some((f) => f.culprit)) ?? reads[0];
  if (!first) {
    return `None of the evidence's files exist at ${shortSha(baseSha)}: check that the base is the release that ran`;
  }
  const frame = first.target.frames.find(
    (f) => f.line !== undefined && f.line <= first.lines.length,
  );
  const at = frame ? cite(first.path, frame.line!, baseSha) : `${first.path}@${shortSha(baseSha)}`;
  const commit = first.target.releaseCommits?.at(-1);
  return `Start the fix at ${at}${frame?.function ? ` (${frame.function})` : ""}${commit ? `, which commit ${shortSha(commit)} of the release changed` : ""}`;
}

/**
 * Reads the code the evidence points at; see the module comment. Resolves to a
 * normalized output whatever happens (status and gaps say what went wrong).
 */
export async function runCodePath(input: CodePathInput): Promise<SpecialistOutput> {
  const ev = new EvidenceCollector({
    specialistId: CODE_PATH_SPECIALIST_ID,
    question: `Where in the code, at ${shortSha(input.baseSha)}, does the failing path run, and what did the release change there?`,
    at: input.now,
    deadlineMs: TIMEOUT_MS,
    rules: READ_RULES,
  });
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const signal = input.signal ? AbortSignal.any([input.signal, timeout]) : timeout;
  const getFile = input.github.getFile?.bind(input.github);
  let raw: RawSpecialistOutput;
  if (!getFile) {
    ev.gap({
      what: "the GitHub reader cannot read file contents: the culprit files were not read",
      confidenceImpact: GAP_IMPACT.noReader,
    });
    raw = ev.skipped("the GitHub reader cannot read file contents");
  } else {
    try {
      raw = await collect(
        { ev, github: input.github, getFile, baseSha: input.baseSha, signal },
        input.outputs,
      );
    } catch (error) {
      raw = ev.thrown(error);
    }
  }
  try {
    return normalizeSpecialistOutput(raw);
  } catch (error) {
    // Only a bug here (the collector lists each source once): still an output.
    return normalizeSpecialistOutput(
      new EvidenceCollector({
        specialistId: CODE_PATH_SPECIALIST_ID,
        question: ev.question,
        at: input.now,
        deadlineMs: TIMEOUT_MS,
        rules: READ_RULES,
      }).failed(error),
    );
  }
}

const FILE_REF = /^github_commit:[^:]+:(?<path>.+)$/;

/**
 * The files a code-path output read at the base commit: the scope REVIEW compares the
 * agent's diff against, and the files the coding agent's brief names.
 */
export function codePathFiles(output: SpecialistOutput): string[] {
  if (output.specialistId !== CODE_PATH_SPECIALIST_ID) return [];
  return output.sources.flatMap((s) => {
    const path = FILE_REF.exec(s.ref)?.groups?.path;
    return s.kind === "github_commit" && path ? [path] : [];
  });
}
