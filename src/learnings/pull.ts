import { createHash } from "node:crypto";
import type { GitHubReader } from "../../specialists/tools.ts";
import type { DeliveryGitHub, PullRef } from "../delivery/types.ts";
import { renderInbox } from "./inbox-format.ts";
import type { StoredLearning } from "./store.ts";

/**
 * `prode learnings export --pr` (issue 15.4): the candidate learnings as a draft pull
 * request against the repository that holds the learnings inbox, through the GitHub App —
 * never a worker appending to a local file. The inbox is read at the default branch's
 * head, the entries it lacks are added, and the result is one commit on a branch named by
 * its content: running it again with nothing new opens nothing, and with the same new
 * entries finds the same branch and pull request instead of a second one. Humans review
 * and merge, as with every prode PR.
 */

export interface LearningsPullInput {
  entries: readonly StoredLearning[];
  /** The inbox's path in the repository, e.g. docs/learnings/inbox.md. */
  path: string;
  clean: (text: string) => string;
}

export type LearningsPullResult =
  | { kind: "nothing_new"; present: number }
  | { kind: "opened"; pull: PullRef; added: number; branch: string };

export async function openLearningsPull(
  github: { reader: Required<Pick<GitHubReader, "getFile">>; writer: DeliveryGitHub },
  input: LearningsPullInput,
): Promise<LearningsPullResult> {
  const base = await github.writer.defaultBranch();
  const current = await github.reader.getFile(input.path, base.sha);
  const { document, added } = renderInbox(input.entries, {
    ...(current ? { existing: current.content } : {}),
    clean: input.clean,
  });
  if (added === 0) return { kind: "nothing_new", present: input.entries.length };
  const digest = createHash("sha256").update(document).digest("hex").slice(0, 12);
  const branch = `prode/learnings-${digest}`;
  const existing = await github.writer.findPullByHead(branch);
  if (existing && existing.state === "open") {
    return { kind: "opened", pull: existing, added, branch };
  }
  await github.writer.pushCommit({
    branch,
    baseSha: base.sha,
    message: `learnings: ${added} candidate entr${added === 1 ? "y" : "ies"} from prode runs`,
    changes: [{ path: input.path, content: document }],
  });
  const pull = await github.writer.createDraftPull({
    branch,
    base: base.name,
    title: `Candidate learnings: ${added} run${added === 1 ? "" : "s"}`,
    body: [
      `${added} candidate learning${added === 1 ? "" : "s"} from finished prode runs, appended to \`${input.path}\`.`,
      "",
      "Each entry says what helped, what was missing, which wiki pages routed the run and the post-merge verdict where there was one. They are candidates: keep what generalises (move it into a wiki page), delete the rest. Every entry was redacted on the way out.",
    ].join("\n"),
  });
  return { kind: "opened", pull, added, branch };
}
