import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { repositoryPorts } from "../../compose/github-repository.ts";
import { openCurrentDb } from "../../compose/open-db.ts";
import { loadConfig } from "../../config/index.ts";
import { renderInbox } from "../../learnings/inbox-format.ts";
import { openLearningsPull } from "../../learnings/pull.ts";
import { listCandidateLearnings } from "../../learnings/store.ts";
import { learningsOfUnwrittenRuns } from "../../learnings/unwritten.ts";
import { defaultRedactor } from "../../safety/redact.ts";
import { type Command, UsageError } from "../command.ts";
import { parseSince } from "./report-options.ts";

const USAGE = `Usage: prode learnings export [--since ISO] [--out FILE | --pr [--repo OWNER/NAME] [--path FILE]]

Writes the candidate learnings stored in Postgres (one per finished run, redacted) in the
docs/learnings/inbox.md format; a run that stopped without writing one (FAILED,
SUPERSEDED) gets an entry built from the run as stored. Each entry is redacted again on the way out, so
'prode lint-redaction' passes on the result.

  --since ISO   only learnings created at or after this time (e.g. 2026-12-01)
  --out FILE    add the entries to FILE (created when absent), skipping runs it already
                holds; without it the whole document goes to stdout
  --pr          open a draft pull request instead, through the GitHub App, adding the
                entries the repository's inbox lacks (nothing new: no PR; the same
                entries again: the same PR)
  --repo R      the repository of the inbox (default: GITHUB_REPOSITORY)
  --path FILE   the inbox in that repository (default: docs/learnings/inbox.md)
`;

const DEFAULT_INBOX = "docs/learnings/inbox.md";

const learningsExport: Command = {
  usage: USAGE,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        since: { type: "string" },
        out: { type: "string" },
        pr: { type: "boolean", default: false },
        repo: { type: "string" },
        path: { type: "string" },
      },
    });
    const since = parseSince(values.since);
    if (values.out === "") throw new UsageError("--out takes a file name");
    if (values.pr && values.out !== undefined)
      throw new UsageError("--out and --pr exclude each other");
    if (!values.pr && (values.repo !== undefined || values.path !== undefined))
      throw new UsageError("--repo and --path go with --pr");
    const existing =
      values.out && existsSync(values.out) ? await readFile(values.out, "utf8") : undefined;
    const config = loadConfig();
    const handle = await openCurrentDb(config);
    try {
      const stored = await listCandidateLearnings(handle.db, since ? { since } : {});
      const unwritten = await learningsOfUnwrittenRuns(handle.db, {
        ...(since ? { since } : {}),
        redactor: defaultRedactor,
      });
      const entries = [...stored, ...unwritten].sort(
        (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
      );
      if (values.pr) {
        const repository = values.repo ?? config.github?.GITHUB_REPOSITORY;
        if (!repository) throw new UsageError("--pr needs --repo OWNER/NAME or GITHUB_REPOSITORY");
        const result = await openLearningsPull(await repositoryPorts(config, repository), {
          entries,
          path: values.path ?? DEFAULT_INBOX,
          clean: (text) => defaultRedactor.redact(text).text,
        });
        io.stdout.write(
          result.kind === "nothing_new"
            ? `prode learnings export: nothing new for ${repository} (its inbox holds every run); no pull request\n`
            : `prode learnings export: ${result.added} new entr${result.added === 1 ? "y" : "ies"} in draft pull request ${result.pull.url} (branch ${result.branch})\n`,
        );
        return 0;
      }
      const { document, added } = renderInbox(entries, {
        ...(existing !== undefined ? { existing } : {}),
        clean: (text) => defaultRedactor.redact(text).text,
      });
      if (!values.out) {
        io.stdout.write(document);
        return 0;
      }
      // Written beside the target and renamed, so a reader never sees half a file.
      const tmp = `${values.out}.${process.pid}.tmp`;
      await writeFile(tmp, document);
      await rename(tmp, values.out);
      io.stdout.write(
        `prode learnings export: ${added} new entr${added === 1 ? "y" : "ies"} written to ${values.out} (${entries.length - added} already there)\n`,
      );
      return 0;
    } finally {
      await handle.close();
    }
  },
};
export default learningsExport;
