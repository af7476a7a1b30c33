import { appendFile, readFile } from "node:fs/promises";
import { AppError, ErrorCode } from "../domain/errors.ts";
import type { Outcome } from "../domain/phases.ts";

/**
 * Candidate learnings (DESIGN.md, "Memory"): a completed run writes what helped and what
 * was missing to `docs/learnings/inbox.md`, redacted, for humans to review. Promotion to
 * the wiki is a human decision, made in a pull request; prode never edits the wiki.
 * Append-only and idempotent per run: an entry starts with a marker naming its run, and a
 * run whose marker is already in the inbox is not appended again (a retried
 * WRITE_CANDIDATE_LEARNING phase must not duplicate its entry).
 */

/** The inbox's header: what the shipped file starts with, and what a missing inbox gets. */
export const INBOX_HEADER = `# Candidate learnings inbox

prode appends one entry here for every finished run (phase WRITE_CANDIDATE_LEARNING):
the ticket, the outcome, the classification, what helped, what was missing, and which wiki
pages steered routing. Entries are redacted before they are written, and CI runs
\`prode lint-redaction\` over this folder. Nothing in this file is read by prode.

An entry is a **candidate**, not a fact. Promotion to the PRODE Wiki is a human decision:

1. **Review.** The on-call engineer of the owning team reads new entries during the weekly
   incident review and checks each against its run's evidence bundle (\`prode status <run>\`).
2. **Promote.** In a pull request, turn what held up into wiki changes: a past conclusion
   (dated, with the ticket), a query recipe, a negative control, or a failure mode. The
   page's owning team reviews it and sets \`reviewed_at\`. A new page is also registered in
   \`wiki/index.md\`.
3. **Close.** In the same pull request, remove the entry (promoted or discarded); say in
   the description which, and why.

Never promote a conclusion the evidence bundle does not support, copied production rows,
customer identifiers, or anything that names a person. A promoted conclusion still comes
back to prode only as a hypothesis to re-test, never as an answer.

## Entries
`;

const RUN_ID = /^[A-Za-z0-9_.-]{1,100}$/;
const MARKER = /^<!-- prode-learning run=([A-Za-z0-9_.-]{1,100}) -->$/;

export interface CandidateLearning {
  runId: string;
  /** Linear key, e.g. ENG-4852. */
  ticket: string;
  outcome: Outcome;
  classification?: {
    class: string;
    confidence: number;
    severity?: string;
    rootCauseHypothesis: string;
  };
  /** Evidence, recipes or controls that settled the question. */
  whatHelped: readonly string[];
  /** Tools, evidence or wiki knowledge that was missing or wrong. */
  whatWasMissing: readonly string[];
  /** Wiki pages that steered routing (read or stale), for the reviewer. */
  wikiPages?: readonly string[];
  /** A suggested wiki change, in words; a human decides. */
  suggestion?: string;
  recordedAt: Date;
}

function markerFor(runId: string): string {
  if (!RUN_ID.test(runId)) {
    throw new AppError(ErrorCode.BadInput, `run id "${runId}" is not a plain run id`);
  }
  return `<!-- prode-learning run=${runId} -->`;
}

/**
 * One line of free text, safe inside a list item: newlines folded, and no HTML comment
 * opener, so no text can forge another run's marker.
 */
function inline(text: string): string {
  return text.replace(/\s+/g, " ").replaceAll("<!--", "&lt;!--").trim();
}

function bullets(items: readonly string[], none: string): string[] {
  const lines = items.map(inline).filter((s) => s !== "");
  return lines.length > 0 ? lines.map((s) => `- ${s}`) : [`- ${none}`];
}

/** The markdown of one inbox entry, marker first. Not redacted yet: the append does that. */
export function formatCandidateLearning(l: CandidateLearning): string {
  const c = l.classification;
  const classification = c
    ? `${inline(c.class)} at ${Math.round(c.confidence)}%${c.severity ? ` (${inline(c.severity)})` : ""}: ${inline(c.rootCauseHypothesis)}`
    : "none (the run stopped before classification)";
  const pages = l.wikiPages && l.wikiPages.length > 0 ? l.wikiPages.map(inline).join(", ") : "none";
  return [
    markerFor(l.runId),
    "",
    `### ${inline(l.ticket)}: ${l.outcome} (run ${l.runId})`,
    "",
    `- Recorded: ${l.recordedAt.toISOString()}`,
    `- Classification: ${classification}`,
    `- Wiki pages that steered routing: ${pages}`,
    "- Status: candidate, awaiting human review",
    "",
    "What helped:",
    "",
    ...bullets(l.whatHelped, "nothing recorded"),
    "",
    "What was missing:",
    "",
    ...bullets(l.whatWasMissing, "nothing recorded"),
    ...(l.suggestion ? ["", `Suggested wiki change: ${inline(l.suggestion)}`] : []),
    "",
  ].join("\n");
}

/** Serializes appends per file within this process (the run lease covers other workers). */
const queues = new Map<string, Promise<unknown>>();

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new AppError(ErrorCode.Internal, `cannot read the learning inbox ${path}`, {
      cause: error,
    });
  }
}

async function appendOnce(
  path: string,
  text: string,
  redact: (text: string) => string,
): Promise<{ appended: boolean; runId: string }> {
  const [first, ...rest] = text.split("\n");
  const runId = MARKER.exec(first ?? "")?.[1];
  if (runId === undefined) {
    throw new AppError(
      ErrorCode.BadInput,
      "a candidate learning starts with its run marker (use formatCandidateLearning)",
    );
  }
  const marker = markerFor(runId);
  const current = await readOrUndefined(path);
  if (current?.split("\n").some((line) => line.trim() === marker)) {
    return { appended: false, runId };
  }
  // The marker is added after redaction, so the redactor can neither alter nor remove it.
  const body = redact(rest.join("\n")).replaceAll("<!--", "&lt;!--");
  const entry = `${marker}\n${body.replace(/\n*$/, "\n")}`;
  const prefix =
    current === undefined ? `${INBOX_HEADER}\n` : current.endsWith("\n") ? "\n" : "\n\n";
  await appendFile(path, `${prefix}${entry}`, "utf8");
  return { appended: true, runId };
}

/**
 * Appends a formatted learning to the inbox after passing it through `redact` (the caller
 * supplies the redactor, e.g. `(t) => redactor.redact(t).text`). Returns `appended:
 * false` when the inbox already holds this run's entry. Creates the inbox with its header
 * when it does not exist.
 */
export function appendCandidateLearning(
  path: string,
  text: string,
  redact: (text: string) => string,
): Promise<{ appended: boolean; runId: string }> {
  const previous = queues.get(path) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => appendOnce(path, text, redact));
  queues.set(path, next);
  const forget = () => {
    if (queues.get(path) === next) queues.delete(path);
  };
  next.then(forget, forget);
  return next;
}
