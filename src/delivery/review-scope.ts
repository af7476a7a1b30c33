/**
 * REVIEW's scope rule (issue 14 §6): the files a change may touch without a note are the
 * files of the code path the evidence names and their tests.
 */
import { normalizeRepoPath } from "../policy/glob.ts";

/** Which changed paths the evidence's code path covers. */
export interface ScopeSet {
  covers(path: string): boolean;
}

/** Directory names under which a file is a test of the path it mirrors. */
const TEST_DIRS = new Set(["test", "tests", "__tests__", "spec", "specs"]);
/** `.test` / `.spec` / `_test` / `_spec` before the extension, or `test_` before the name. */
const TEST_MARKER = /(?:[._](?:test|spec))$|^test_/;

/** The name without its extension and without a test marker, and whether it had one. */
function stemOf(basename: string): { stem: string; marked: boolean } {
  const dot = basename.lastIndexOf(".");
  const bare = dot > 0 ? basename.slice(0, dot) : basename;
  const marked = TEST_MARKER.test(bare);
  return { stem: bare.replace(TEST_MARKER, ""), marked };
}

/**
 * The scope: the code-path files and their tests. A test of `src/a/b.ts` has the stem
 * `b` with a test marker (`b.test.ts`, `b.spec.ts`, `b_test.go`, `test_b.py`) or sits in
 * a test directory, and its directory, test directories removed, is the source's
 * directory or a tail of it (`src/a/__tests__/b.ts`, `test/a/b.test.ts`).
 */
export function scopeSet(scopeFiles: readonly string[]): ScopeSet {
  const exact = new Set<string>();
  const byStem = new Map<string, string[][]>();
  for (const raw of scopeFiles) {
    const path = normalizeRepoPath(raw);
    if (path === null) continue;
    exact.add(path);
    const parts = path.split("/");
    const { stem } = stemOf(parts.pop() ?? "");
    const dirs = byStem.get(stem) ?? [];
    dirs.push(parts);
    byStem.set(stem, dirs);
  }
  return {
    covers(path) {
      if (exact.has(path)) return true;
      const parts = path.split("/");
      const { stem, marked } = stemOf(parts.pop() ?? "");
      const inTestDir = parts.some((p) => TEST_DIRS.has(p));
      if (!marked && !inTestDir) return false;
      const dir = parts.filter((p) => !TEST_DIRS.has(p));
      return (byStem.get(stem) ?? []).some((sourceDir) => isTail(dir, sourceDir));
    },
  };
}

/** Whether `tail` is the end of `whole` (`[a]` of `[src, a]`; `[]` of anything). */
function isTail(tail: readonly string[], whole: readonly string[]): boolean {
  if (tail.length > whole.length) return false;
  const offset = whole.length - tail.length;
  return tail.every((segment, i) => whole[offset + i] === segment);
}
