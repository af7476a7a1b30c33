import type { SpecialistOutput } from "../../src/domain/specialist-output.ts";
import { sameFile } from "../release/correlate.ts";

/**
 * What the evidence bundle already says about code: the in-app frames (file, line,
 * function) the exception specialist saw, the culprit it named, and the files of the
 * exception's stack that the correlated release changed, with the commits that changed
 * them. Pure: it reads the outputs' typed signals and the findings whose shape their
 * producers fix (the comments below name each), never a ticket's words.
 */

/** One in-app frame the evidence names. */
export interface FrameRef {
  /** As the stack trace spells it: repository-relative, or with a build prefix. */
  file: string;
  line?: number;
  function?: string;
  /** The innermost in-app frame (where the code threw), or the culprit's file. */
  culprit: boolean;
}

/** A file of the stack the correlated release changed. */
export interface ReleaseFile {
  /** Repository-relative, as GitHub's compare spells it. */
  file: string;
  /** Full SHAs of the release's commits that changed it, oldest first; empty when unattributed. */
  commits: string[];
}

export interface CodeEvidence {
  /** In-app frames, culprit first, one per file and line. */
  frames: FrameRef[];
  releaseFiles: ReleaseFile[];
}

/** Sentry's culprit of a non-request issue, `function(file)` (specialists/sentry/analyze.ts culpritOf). */
const CULPRIT = /^(?<fn>[^()\s][^()]*)\((?<file>[^()\s]+)\)$/;
/**
 * The event finding's frame, `in-app frame <function> at <file>[:<line>]` followed by `;`
 * or the end (specialists/sentry/collect.ts recordEvent); the function may hold spaces.
 */
const FRAME = /in-app frame (?<fn>.+?) at (?<file>[^\s;]+?)(?::(?<line>\d+))?(?=;|$)/g;
/**
 * A commit that changed stack files: `commit <sha7> "<message>" changed <file> (+a/−b), …,
 * in the exception's stack`, cited to `github_commit:<sha>` (specialists/release/compare.ts
 * attribute).
 */
const COMMIT_FILES = /^commit [0-9a-f]{7,40} ".*" changed (?<files>.+), in the exception's stack$/s;
const CHANGED_FILE = /(?<file>[^\s,]+) \(\+\d+\/−\d+\)/g;
/** `deploy <id> changed <file>, <file>, in the exception's stack…` (compare.ts compareDeploy). */
const DEPLOY_FILES = /^deploy \S+ changed (?<files>.+?), in the exception's stack/s;
const COMMIT_REF = /^github_commit:(?<sha>[0-9a-f]{40})$/;

/** A file name as a stack trace may give it: a path with an extension, not a route or module id. */
const looksLikeFile = (name: string) => /\.[A-Za-z0-9]+$/.test(name) && !name.startsWith("node:");

function addFrame(frames: FrameRef[], frame: FrameRef): void {
  const same = frames.find(
    (f) => sameFile(f.file, frame.file) && (f.line === frame.line || frame.line === undefined),
  );
  if (same) {
    same.culprit ||= frame.culprit;
    same.function ??= frame.function;
    return;
  }
  // A frame with the line supersedes the same file's line-less one (the culprit's name).
  const lineless = frames.findIndex(
    (f) => sameFile(f.file, frame.file) && f.line === undefined && frame.line !== undefined,
  );
  if (lineless >= 0) {
    const old = frames[lineless]!;
    frames[lineless] = {
      ...frame,
      culprit: frame.culprit || old.culprit,
      ...((frame.function ?? old.function) ? { function: frame.function ?? old.function } : {}),
    };
    return;
  }
  frames.push(frame);
}

function addReleaseFile(files: ReleaseFile[], file: string, commit?: string): void {
  const known = files.find((f) => sameFile(f.file, file));
  if (!known) {
    files.push({ file, commits: commit ? [commit] : [] });
    return;
  }
  if (commit && !known.commits.includes(commit)) known.commits.push(commit);
}

/** What the outputs say about code; see the module comment. */
export function codeEvidence(outputs: readonly SpecialistOutput[]): CodeEvidence {
  const frames: FrameRef[] = [];
  const releaseFiles: ReleaseFile[] = [];
  for (const output of outputs) {
    for (const finding of output.findings) {
      // The event finding names the innermost in-app frame: the culprit's line.
      for (const m of finding.fact.matchAll(FRAME)) {
        const { fn, file, line } = m.groups!;
        if (!file || !looksLikeFile(file)) continue;
        addFrame(frames, {
          file,
          culprit: true,
          ...(line ? { line: Number(line) } : {}),
          ...(fn && fn !== "?" ? { function: fn } : {}),
        });
      }
      const commit = COMMIT_REF.exec(finding.sourceRef)?.groups?.sha;
      const byCommit = commit ? COMMIT_FILES.exec(finding.fact)?.groups?.files : undefined;
      if (commit && byCommit) {
        for (const m of byCommit.matchAll(CHANGED_FILE))
          addReleaseFile(releaseFiles, m.groups!.file!, commit);
        continue;
      }
      const byDeploy = DEPLOY_FILES.exec(finding.fact)?.groups?.files;
      if (byDeploy) {
        for (const file of byDeploy.split(", ")) {
          if (looksLikeFile(file)) addReleaseFile(releaseFiles, file);
        }
      }
    }
    for (const signal of output.signals) {
      if (signal.kind !== "new_exception") continue;
      const m = CULPRIT.exec(signal.culprit)?.groups;
      if (m?.file && looksLikeFile(m.file)) {
        addFrame(frames, { file: m.file, culprit: true, ...(m.fn ? { function: m.fn } : {}) });
      }
    }
  }
  // Culprit first, then in the order the evidence named them.
  frames.sort((a, b) => Number(b.culprit) - Number(a.culprit));
  return { frames, releaseFiles };
}

/**
 * Repository paths to try for a stack file, most likely first. A relative name is taken
 * as repository-relative; an absolute one or a URL (`/app/src/x.ts`, `app:///src/x.ts`)
 * carries a build or container prefix, so up to `max` shorter tails are tried too.
 */
export function pathCandidates(file: string, max = 3): string[] {
  const prefixed = /^([a-z]+:\/\/|\/)/i.test(file);
  const parts = file
    .replace(/^[a-z]+:\/\/\/?/i, "")
    .replace(/^\.?\/+/, "")
    .split("/")
    .filter(Boolean);
  if (!prefixed) return [parts.join("/")];
  const out: string[] = [];
  for (let drop = 0; drop < parts.length - 1 && out.length < max; drop += 1) {
    out.push(parts.slice(drop).join("/"));
  }
  return out.length > 0 ? out : [parts.join("/")];
}
