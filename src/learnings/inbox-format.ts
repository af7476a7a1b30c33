import type { StoredLearning } from "./store.ts";

/**
 * The `docs/learnings/inbox.md` format (issue 15.4): a preamble ending in `## Entries`,
 * then one `###` section per candidate learning. Each entry carries its run id on a line
 * of its own, so exporting again into the same file adds only runs it does not hold.
 */
export const ENTRIES_HEADING = "## Entries";

const PREAMBLE = `# Candidate learnings inbox

Exported by \`prode learnings export\` from the candidate learnings prode stores in Postgres,
one per finished run, redacted. Each entry is a candidate, not a fact: review it against its
run's evidence bundle (\`prode bundle show <run>\`) and promote what holds up to the wiki
by pull request, as docs/learnings/inbox.md describes.

${ENTRIES_HEADING}
`;

const RUN_LINE = /^- run: `([^`]+)`$/gm;

/** The run ids of the entries a document already holds. */
export function exportedRunIds(document: string): Set<string> {
  return new Set([...document.matchAll(RUN_LINE)].map((m) => m[1]!));
}

/** Inline code that cannot be closed early by a backtick in the value. */
function code(text: string): string {
  return `\`${text.replaceAll("`", "'")}\``;
}

/** One line of prose: newlines in a stored value must not start a Markdown block. */
function line(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

function list(title: string, items: string[]): string[] {
  if (items.length === 0) return [`- ${title}: none recorded`];
  return [`- ${title}:`, ...items.map((i) => `  - ${line(i)}`)];
}

/** One entry of the inbox. */
export function renderLearningEntry(l: StoredLearning): string {
  const classification =
    l.class !== null
      ? `${l.class}, confidence ${l.confidence ?? "?"}%`
      : "none (the run stopped before CLASSIFY)";
  const lines = [
    `### ${line(l.ticket)}: ${l.outcome} (${l.createdAt.toISOString().slice(0, 10)})`,
    "",
    `- run: ${code(l.runId)}`,
    `- classification: ${classification}${l.decision ? `; gate: ${l.decision}` : ""}`,
    ...(l.reasons.length > 0 ? [`- reasons: ${l.reasons.map(line).join("; ")}`] : []),
    ...(l.prUrl ? [`- pull request: ${l.prUrl}`] : []),
    `- post-merge monitor: ${l.monitorVerdict ?? "no verdict"}`,
    ...list("what helped", l.helped),
    ...list("what was missing", l.gaps),
    `- wiki pages that routed: ${l.wikiPages.length > 0 ? l.wikiPages.map(code).join(", ") : "none"}`,
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * The inbox with `entries` added: to `existing` (the file as it is) when given, keeping
 * everything in it and skipping runs it already holds, else a new document. `clean` is
 * applied to each new entry (the export redacts again at egress).
 */
export function renderInbox(
  entries: readonly StoredLearning[],
  {
    existing,
    clean = (text) => text,
  }: { existing?: string; clean?: (text: string) => string } = {},
): { document: string; added: number } {
  let document = existing ?? PREAMBLE;
  if (!document.includes(ENTRIES_HEADING)) {
    document = `${document.trimEnd()}\n\n${ENTRIES_HEADING}\n`;
  }
  const present = exportedRunIds(document);
  const fresh = entries.filter((e) => !present.has(e.runId));
  if (fresh.length === 0) return { document, added: 0 };
  document = `${document.trimEnd()}\n\n${fresh.map((e) => clean(renderLearningEntry(e))).join("\n")}`;
  return { document, added: fresh.length };
}
