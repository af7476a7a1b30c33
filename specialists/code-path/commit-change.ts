import { firstLine, shortSha } from "../release/correlate.ts";
import { describeError, settle } from "../shared/collector.ts";
import { type Context, cite, GAP_IMPACT, plural, type Read } from "./context.ts";
import { changedLines, describeRuns, quoteLine, splitLines } from "./lines.ts";

/**
 * What a release commit did to a file the evidence points at: the lines it added or
 * changed against its parent's version, quoted and cited at the commit, and whether the
 * culprit's line is among them. Numbers carry over to the base only when the file is the
 * same blob there.
 */

/** Changed lines quoted per commit and file; the rest are given as line numbers. */
export const MAX_QUOTED_CHANGES = 3;

/** What one release commit changed in the file: its lines against its parent's version. */
export async function recordCommitChange(
  ctx: Context,
  read: Read,
  commitSha: string,
): Promise<void> {
  const { ev, github } = ctx;
  const commitRef = ev.source({ kind: "github_commit", ref: `github_commit:${commitSha}` });
  const short = shortSha(commitSha);
  const history = (why: string) =>
    ev.gap({
      what: `what commit ${short} changed in ${read.path} is unknown (${why})`,
      confidenceImpact: GAP_IMPACT.history,
    });
  if (!github.getCommit) {
    ev.finding({ fact: `commit ${short} of the release changed ${read.path}`, source: commitRef });
    history("the GitHub reader cannot read commits");
    return;
  }
  const commit = await settle(() => github.getCommit!(commitSha), ctx.signal);
  if (!commit.ok || commit.value === null) {
    ev.finding({ fact: `commit ${short} of the release changed ${read.path}`, source: commitRef });
    history(commit.ok ? "GitHub does not know the commit" : describeError(commit.error));
    return;
  }
  const parent = commit.value.parents[0];
  const [after, before] = await Promise.all([
    settle(() => ctx.getFile(read.path, commitSha), ctx.signal),
    parent ? settle(() => ctx.getFile(read.path, parent), ctx.signal) : undefined,
  ]);
  const subject = `commit ${short} "${firstLine(commit.value.message)}"`;
  if (!after.ok || after.value === null || (before && !before.ok)) {
    ev.finding({ fact: `${subject} changed ${read.path}`, source: commitRef });
    const failed = !after.ok ? after.error : before && !before.ok ? before.error : undefined;
    history(failed ? describeError(failed) : `${read.path} is absent at ${short}`);
    return;
  }
  if (before?.ok && before.value === null) {
    // Added by the commit, or a history the host does not hold: either way, no lines to
    // tell apart, and "every line changed" would overstate it.
    ev.finding({ fact: `${subject} changed ${read.path}`, source: commitRef });
    history(`${read.path} is absent at its parent ${shortSha(parent!)}`);
    return;
  }
  const beforeText = before?.ok && before.value ? before.value.content : "";
  const afterLines = splitLines(after.value.content);
  const changed = changedLines(beforeText, after.value.content);
  if (changed === undefined) {
    ev.finding({ fact: `${subject} changed ${read.path}`, source: commitRef });
    history("the change is too large to diff line by line");
    return;
  }
  // Line numbers at the commit hold at the base only when the file is the same blob there.
  const sameAtBase = after.value.sha === read.file.sha;
  const where = sameAtBase
    ? `; the file is unchanged since, so the numbers hold at ${shortSha(ctx.baseSha)}`
    : `; the file changed again by ${shortSha(ctx.baseSha)}, so the numbers are ${short}'s`;
  const frameLines = sameAtBase
    ? read.target.frames.flatMap((f) =>
        f.line !== undefined && changed.includes(f.line) ? [f] : [],
      )
    : [];
  const quoted = [...frameLines.map((f) => f.line!), ...changed]
    .filter((line, i, all) => all.indexOf(line) === i)
    .slice(0, MAX_QUOTED_CHANGES)
    .map((line) => `${cite(read.path, line, commitSha)} ${quoteLine(afterLines[line - 1] ?? "")}`);
  const hit = frameLines.map(
    (f) =>
      `; it changed line ${f.line}, ${f.culprit ? "the culprit frame's" : "an in-app frame's"}`,
  );
  ev.finding({
    fact:
      `${subject} ${parent ? "" : "(a root commit) "}changed ${read.path} at ${changed.length === 0 ? "no line (removals only)" : `${plural(changed.length, "line")} (${describeRuns(changed)})`}${where}${hit.join("")}` +
      (quoted.length > 0 ? `: ${quoted.join("; ")}` : ""),
    source: commitRef,
  });
}
