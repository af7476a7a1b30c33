import { describeError, type EvidenceCollector, settle } from "../shared/collector.ts";
import type { GitHubReader } from "../tools.ts";
import { type DeployView, filesInStack, firstLine, sameFile, shortSha } from "./correlate.ts";

/**
 * What a correlated deploy shipped: the commits and files between the previous deploy
 * and it, and — when the diff touches a file of the exception's stack — which commit did.
 * Only SHAs, first lines of messages and file names are recorded (no authors' emails, no
 * patches).
 */

/** Commits listed as findings; a deploy of more is summarised. */
export const MAX_COMMITS_LISTED = 20;
/** Per-commit diffs are read only for ranges this small (one compare per commit). */
export const MAX_COMMITS_ATTRIBUTED = 10;

export const COMPARE_GAP_IMPACT = { noBase: 5, compare: 10, attribution: 3 } as const;

export interface CompareOutcome {
  /** Commits that changed a file of the stack, with the files they changed. */
  culpritCommits: { sha: string; files: string[] }[];
  filesInStack: string[];
}

interface Context {
  github: GitHubReader;
  ev: EvidenceCollector;
  signal: AbortSignal;
}

const validTime = (value: string) => !Number.isNaN(Date.parse(value));

export async function compareDeploy(
  ctx: Context,
  base: DeployView | undefined,
  head: DeployView,
  stack: string[],
): Promise<CompareOutcome | undefined> {
  const { ev } = ctx;
  if (!base) {
    ev.gap({
      what: `no earlier deploy to ${head.environment} to diff deploy ${head.id} (${shortSha(head.sha)}) against`,
      confidenceImpact: COMPARE_GAP_IMPACT.noBase,
    });
    return undefined;
  }
  const range = `${shortSha(base.sha)}...${shortSha(head.sha)}`;
  const read = await settle(() => ctx.github.compare(base.sha, head.sha), ctx.signal);
  if (!read.ok) {
    ev.gap({
      what: `GitHub compare ${range} unavailable (${describeError(read.error)}): what deploy ${head.id} shipped is unknown`,
      confidenceImpact: COMPARE_GAP_IMPACT.compare,
    });
    return undefined;
  }
  const { commits, files } = read.value;
  const rangeRef = ev.source({
    kind: "github_commit",
    ref: `github_commit:${base.sha}...${head.sha}`,
  });
  ev.finding({
    fact: `deploy ${head.id} (${head.ref}) shipped ${commits.length} commit${commits.length === 1 ? "" : "s"} since deploy ${base.id} (${base.ref}), ${range}, changing ${files.length} file${files.length === 1 ? "" : "s"}: ${files
      .slice(0, 10)
      .map((f) => f.filename)
      .join(", ")}${files.length > 10 ? ", …" : ""}`,
    source: rangeRef,
  });
  for (const commit of commits.slice(0, MAX_COMMITS_LISTED)) {
    const ref = ev.source({ kind: "github_commit", ref: `github_commit:${commit.sha}` });
    ev.finding({
      fact: `commit ${shortSha(commit.sha)}: ${firstLine(commit.message)}`,
      source: ref,
      observedAt: validTime(commit.date) ? new Date(commit.date).toISOString() : undefined,
    });
  }

  const hits = filesInStack(
    files.map((f) => f.filename),
    stack,
  );
  if (stack.length > 0 && hits.length === 0) {
    ev.finding({
      fact: `none of the files deploy ${head.id} changed is in the exception's stack (${stack.join(", ")})`,
      source: rangeRef,
    });
    return { culpritCommits: [], filesInStack: [] };
  }
  if (hits.length === 0) return { culpritCommits: [], filesInStack: [] };
  ev.finding({
    fact: `deploy ${head.id} changed ${hits.join(", ")}, in the exception's stack${hits[0] === stack[0] ? ` (the culprit frame's file ${stack[0]})` : ""}`,
    source: rangeRef,
  });
  const culpritCommits = await attribute(ctx, base.sha, commits, hits);
  return { culpritCommits, filesInStack: hits };
}

/**
 * Which commits of the range touched the stack's files: the compare of a range lists
 * files for the whole range, so each commit is diffed against its predecessor.
 */
async function attribute(
  ctx: Context,
  baseSha: string,
  commits: { sha: string; message: string }[],
  hits: string[],
): Promise<{ sha: string; files: string[] }[]> {
  if (commits.length > MAX_COMMITS_ATTRIBUTED) {
    ctx.ev.gap({
      what: `${commits.length} commits in the deploy: not diffed one by one to find the one that changed ${hits.join(", ")}`,
      confidenceImpact: COMPARE_GAP_IMPACT.attribution,
    });
    return [];
  }
  const reads = await Promise.all(
    commits.map((commit, i) =>
      settle(
        () => ctx.github.compare(i === 0 ? baseSha : commits[i - 1]!.sha, commit.sha),
        ctx.signal,
      ),
    ),
  );
  const found: { sha: string; files: string[] }[] = [];
  let failed = 0;
  reads.forEach((read, i) => {
    const commit = commits[i]!;
    if (!read.ok) {
      failed += 1;
      return;
    }
    const touched = read.value.files.filter((f) => hits.some((h) => sameFile(f.filename, h)));
    if (touched.length === 0) return;
    found.push({ sha: commit.sha, files: touched.map((f) => f.filename) });
    ctx.ev.finding({
      fact: `commit ${shortSha(commit.sha)} "${firstLine(commit.message)}" changed ${touched
        .map((f) => `${f.filename} (+${f.additions}/−${f.deletions})`)
        .join(", ")}, in the exception's stack`,
      source: ctx.ev.source({ kind: "github_commit", ref: `github_commit:${commit.sha}` }),
    });
  });
  if (failed > 0) {
    ctx.ev.gap({
      what: `${failed} of ${commits.length} per-commit diffs unavailable: the commit that changed ${hits.join(", ")} may be missed`,
      confidenceImpact: COMPARE_GAP_IMPACT.attribution,
    });
  }
  return found;
}
