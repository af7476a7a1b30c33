/**
 * Line arithmetic over file texts: which lines of a new version a commit added or
 * changed (a longest-common-subsequence diff against its parent's version), and a line's
 * text fit for a finding. Pure.
 */
import { clipText } from "../clip.ts";

/** Cells of the LCS table beyond which a diff is not computed (time and memory bound). */
export const MAX_DIFF_CELLS = 4_000_000;
/** A quoted source line is cut here: a finding cites a line, it does not copy a file. */
export const MAX_LINE_CHARS = 200;

export const splitLines = (text: string): string[] => text.replace(/\r\n/g, "\n").split("\n");

/**
 * 1-based numbers of the lines of `after` that are not in `before` (added or changed),
 * or undefined when the changed middle is too large to diff within {@link MAX_DIFF_CELLS}.
 */
export function changedLines(before: string, after: string): number[] | undefined {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const n = endA - start;
  const m = endB - start;
  if (m === 0) return [];
  if (n === 0) return range(start + 1, endB);
  if ((n + 1) * (m + 1) > MAX_DIFF_CELLS) return undefined;
  // lcs[i][j]: LCS length of a[start+i..endA) and b[start+j..endB), row-major.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      lcs[i * width + j] =
        a[start + i] === b[start + j]
          ? lcs[(i + 1) * width + j + 1]! + 1
          : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const changed: number[] = [];
  let i = 0;
  let j = 0;
  while (j < m) {
    if (i < n && a[start + i] === b[start + j]) {
      i += 1;
      j += 1;
    } else if (i < n && lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) {
      i += 1;
    } else {
      changed.push(start + j + 1);
      j += 1;
    }
  }
  return changed;
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, k) => from + k);

/** `3, 7–9, 12`: line numbers as runs. */
export function describeRuns(lines: readonly number[]): string {
  const runs: string[] = [];
  for (let k = 0; k < lines.length; ) {
    let end = k;
    while (end + 1 < lines.length && lines[end + 1] === lines[end]! + 1) end += 1;
    runs.push(end === k ? `${lines[k]}` : `${lines[k]}–${lines[end]}`);
    k = end + 1;
  }
  return runs.join(", ");
}

/** A source line for a finding: trimmed, cut at {@link MAX_LINE_CHARS}, quoted. */
export function quoteLine(text: string): string {
  const line = text.trim();
  return JSON.stringify(clipText(line, MAX_LINE_CHARS));
}

/** A function's definition line in a file: `function f(`, `f = (`, `f(…) {`, `def f(`. */
export function definitionLine(lines: readonly string[], fn: string): number | undefined {
  const name = fn
    .replace(/\s*\[.*\]$/, "")
    .split(/[.:#\s]/)
    .pop();
  if (!name || !/^[A-Za-z_$][\w$]*$/.test(name)) return undefined;
  const patterns = [
    new RegExp(`\\bfunction\\*?\\s+${name.replace(/\$/g, "\\$")}\\s*[<(]`),
    new RegExp(`\\b(?:const|let|var)\\s+${name.replace(/\$/g, "\\$")}\\s*[=:]`),
    new RegExp(`\\bdef\\s+${name.replace(/\$/g, "\\$")}\\s*\\(`),
    new RegExp(
      `^\\s*(?:(?:public|private|protected|static|async|override)\\s+)*${name.replace(/\$/g, "\\$")}\\s*\\([^)]*\\)?\\s*(?::[^={]*)?\\{?\\s*$`,
    ),
  ];
  for (const pattern of patterns) {
    const index = lines.findIndex((line) => pattern.test(line));
    if (index >= 0) return index + 1;
  }
  return undefined;
}
