import { createHash } from "node:crypto";

/**
 * Object ids and change counts of the simulated GitHub's repositories: git's own SHAs
 * for blobs and trees, stable synthetic ones for the commits the world makes, and the
 * line counts compare and pull requests report.
 */

/** A stable 40-hex object id for synthetic objects (commits made by the world). */
export function objectSha(...parts: string[]): string {
  return createHash("sha1").update(parts.join("\0")).digest("hex");
}

/** Git's object id (`git hash-object`): blobs and trees get the SHA git would give them. */
export function gitObjectSha(type: "blob" | "tree", body: Buffer): string {
  return createHash("sha1")
    .update(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]))
    .digest("hex");
}

export function blobSha(content: string): string {
  return gitObjectSha("blob", Buffer.from(content, "utf8"));
}

/** Lines of a text, for change counts (a final newline does not make a line). */
function linesOf(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/**
 * Added and deleted lines between two texts, as a multiset difference of their lines:
 * moved lines count as unchanged, which is close enough for compare and pull stats.
 */
export function lineChanges(
  before: string,
  after: string,
): { additions: number; deletions: number } {
  const left = new Map<string, number>();
  for (const line of linesOf(before)) left.set(line, (left.get(line) ?? 0) + 1);
  let additions = 0;
  for (const line of linesOf(after)) {
    const n = left.get(line) ?? 0;
    if (n > 0) left.set(line, n - 1);
    else additions += 1;
  }
  let deletions = 0;
  for (const n of left.values()) deletions += n;
  return { additions, deletions };
}
