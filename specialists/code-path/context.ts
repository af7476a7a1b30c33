import { shortSha } from "../release/correlate.ts";
import type { EvidenceCollector, SourceRef } from "../shared/collector.ts";
import type { GitHubReader, RepoFileText } from "../tools.ts";
import type { FrameRef } from "./evidence.ts";

/** What one code-path run shares between its steps, and the shapes they pass on. */

/** Confidence points each kind of gap costs. */
export const GAP_IMPACT = {
  noReader: 20,
  missing: 5,
  unreadable: 5,
  line: 3,
  history: 3,
  capped: 2,
} as const;

/** One file to read: where the evidence points in it, and which release commits changed it. */
export interface Target {
  /** As the evidence spells it. */
  file: string;
  frames: FrameRef[];
  /** Full SHAs of release commits that changed it; undefined when the release did not. */
  releaseCommits?: string[];
}

export interface Read {
  target: Target;
  path: string;
  file: RepoFileText;
  lines: string[];
  source: SourceRef;
}

export interface Context {
  ev: EvidenceCollector;
  github: GitHubReader;
  getFile: NonNullable<GitHubReader["getFile"]>;
  baseSha: string;
  signal: AbortSignal;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `path:line@sha7`: how every finding cites a line. */
export const cite = (path: string, line: number, sha: string) => `${path}:${line}@${shortSha(sha)}`;
