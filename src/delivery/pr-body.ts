/**
 * The draft pull request OPEN_PR opens (issue 14 §7): its title, labels and a body that
 * says what the evidence shows, the fix, the checks run, REVIEW's findings, the residual
 * risk and the provenance. Pure: data in, GitHub-flavoured Markdown out.
 *
 * Every string that did not come from prode's own code is redacted, then cut to its
 * budget, then escaped (src/domain/markdown.ts), in that order: escaping inserts
 * characters into what the redactor matches, and a cut before redaction could split a
 * secret so that no rule sees it. The body stays under GitHub's 65,536-character limit:
 * lists shrink (with a count of what was left out) until it fits.
 */
import type { EvidenceBundle } from "../domain/evidence-bundle.ts";
import { escapeMarkdown, inlineCode } from "../domain/markdown.ts";
import type { EvidenceSource } from "../domain/specialist-output.ts";
import { defaultRedactor } from "../safety/redact.ts";
import type { CheckResult, ReviewFinding, WorktreeDiff } from "./types.ts";

/** GitHub refuses a pull-request body longer than this (characters). */
export const GITHUB_BODY_LIMIT = 65_536;
/** What the body aims for: a margin under the limit for the footer and for multi-unit characters. */
const BODY_BUDGET = 60_000;
/** GitHub's title limit is 256; a title this long is already unreadable in a list. */
const TITLE_MAX = 120;

export type PrRisk = "low" | "medium" | "high";

export interface PrBodyInput {
  runId: string;
  bundle: EvidenceBundle;
  /** sha256 of the stored (redacted) bundle. */
  bundleDigest: string;
  policyHash: string;
  baseSha: string;
  headSha: string;
  diff: WorktreeDiff;
  checks: readonly CheckResult[];
  review: readonly ReviewFinding[];
  /** The coding-agent command as configured (redacted here) and its reported version. */
  agent: { command: string; version?: string };
  /** Risks the caller knows of beyond those the bundle and the review imply. */
  residualRisk?: readonly string[];
  /** A link to a source (the adapter knows the provider's URLs); none by default. */
  sourceLink?: (source: EvidenceSource) => string | undefined;
  /** The redactor; the default redactor when absent. */
  redact?: (text: string) => string;
}

/** The labels of a prode pull request (issue 14 §7). */
export function prLabels({
  classification,
  risk,
}: {
  classification: string;
  risk: PrRisk;
}): string[] {
  return ["agent-generated", `class:${labelPart(classification)}`, `risk:${labelPart(risk)}`];
}

/** `<ticket>: <root-cause hypothesis>`, on one line, redacted and cut. */
export function prTitle(input: Pick<PrBodyInput, "bundle" | "redact">): string {
  const clean = cleaner(input.redact);
  const { linear, classification } = input.bundle;
  const what = classification?.rootCauseHypothesis ?? linear.title;
  return cut(oneLine(clean(`${linear.ticketKey}: ${what}`)), TITLE_MAX);
}

/** Caps of the lists and of each outside string; halved until the body fits. */
interface Caps {
  findings: number;
  files: number;
  checks: number;
  review: number;
  risks: number;
  chars: number;
}
const START_CAPS: Caps = {
  findings: 10,
  files: 100,
  checks: 50,
  review: 50,
  risks: 20,
  chars: 1_000,
};

/** The pull request's body, under {@link GITHUB_BODY_LIMIT}. */
export function renderPrBody(raw: PrBodyInput): string {
  // Each outside string is redacted once, however many times the body is re-rendered.
  const clean = cleaner(raw.redact);
  const memo = new Map<string, string>();
  const redact = (text: string) => {
    let out = memo.get(text);
    if (out === undefined) {
      out = clean(text);
      memo.set(text, out);
    }
    return out;
  };
  const input = { ...raw, redact };
  let caps = START_CAPS;
  let body = renderWith(input, caps);
  while (body.length > BODY_BUDGET && caps.chars > 40) {
    caps = {
      findings: Math.max(1, caps.findings >> 1),
      files: Math.max(1, caps.files >> 1),
      checks: Math.max(1, caps.checks >> 1),
      review: Math.max(1, caps.review >> 1),
      risks: Math.max(1, caps.risks >> 1),
      chars: caps.chars >> 1,
    };
    body = renderWith(input, caps);
  }
  // Unreachable with the caps above unless a caller passes thousands of fields; kept so
  // GitHub never refuses the body.
  return body.length > BODY_BUDGET
    ? `${body.slice(0, body.lastIndexOf("\n", BODY_BUDGET))}\n\n_… body cut at GitHub's limit._`
    : body;
}

function renderWith(input: PrBodyInput, caps: Caps): string {
  const clean = cleaner(input.redact);
  /** Outside text as literal, one-line Markdown: redacted, cut, escaped, unlinked. */
  const md = (text: string) => noMentions(escapeMarkdown(cut(clean(text), caps.chars)));
  /** Outside text as a code span (paths, commands, ids). */
  const code = (text: string) => inlineCode(cut(clean(text), caps.chars));
  return [
    evidenceSection(input, caps, md, code),
    fixSection(input.diff, caps, code),
    checksSection(input.checks, caps, code),
    reviewSection(input.review, caps, md, code),
    riskSection(input, caps, md),
    provenanceSection(input, code),
    "_Draft opened by prode. prode never merges: a human owns review and merge._",
  ].join("\n\n");
}

type Md = (text: string) => string;

function evidenceSection(input: PrBodyInput, caps: Caps, md: Md, code: Md): string {
  const { linear, classification: c } = input.bundle;
  const url = markdownUrl(linear.url, cleaner(input.redact));
  const ticket = url ? `[${md(linear.ticketKey)}](${url})` : md(linear.ticketKey);
  const lines = [
    `- Ticket: ${ticket} — ${md(linear.title)}`,
    c
      ? `- Classification: **${md(c.class)}**, ${md(c.severity)}, confidence **${c.confidence}%**`
      : "- Classification: none recorded",
    `- Root-cause hypothesis: ${c ? md(c.rootCauseHypothesis) : "none recorded"}`,
  ];
  const findings = topFindings(input).map(({ fact, source }) => {
    const href = source && markdownUrl(input.sourceLink?.(source), cleaner(input.redact));
    const where = source
      ? href
        ? `[${md(source.kind)}: ${md(source.ref)}](${href})`
        : `${md(source.kind)} ${code(source.ref)}`
      : "source not listed";
    return `${md(fact)} — ${where}`;
  });
  return [
    "## What the evidence shows",
    lines.join("\n"),
    "Top findings:",
    cappedList(findings, caps.findings, "no findings recorded"),
  ].join("\n\n");
}

/**
 * The leading hypothesis's evidence first (what the decision rests on), then the other
 * findings of returned specialists; each with the source it cites.
 */
function topFindings(input: PrBodyInput): { fact: string; source?: EvidenceSource }[] {
  const sources = new Map<string, EvidenceSource>();
  for (const s of input.bundle.specialists) {
    for (const source of s.sources) sources.set(`${s.specialistId}\u0000${source.ref}`, source);
  }
  const sourceOf = (specialistId: string, ref: string) =>
    sources.get(`${specialistId}\u0000${ref}`);
  const cited = (input.bundle.classification?.hypotheses[0]?.evidenceFor ?? []).map((e) => ({
    fact: e.summary,
    source: sourceOf(e.specialistId, e.sourceRef),
  }));
  const rest = input.bundle.specialists
    .filter((s) => s.status === "returned")
    .flatMap((s) =>
      s.findings.map((f) => ({ fact: f.fact, source: sourceOf(s.specialistId, f.sourceRef) })),
    );
  return [...cited, ...rest];
}

function fixSection(diff: WorktreeDiff, caps: Caps, code: Md): string {
  const files = diff.files.map(
    (f) => `${code(f.path)} (${f.status}, +${f.additions} −${f.deletions})`,
  );
  const adds = diff.files.reduce((s, f) => s + f.additions, 0);
  const dels = diff.files.reduce((s, f) => s + f.deletions, 0);
  return [
    "## The fix",
    `${diff.files.length} ${diff.files.length === 1 ? "file" : "files"} changed, +${adds} −${dels}:`,
    cappedList(files, caps.files, "no file changed"),
  ].join("\n\n");
}

function checksSection(checks: readonly CheckResult[], caps: Caps, code: Md): string {
  const lines = checks.map((c) => {
    const outcome = c.passed
      ? "passed"
      : c.timedOut
        ? "failed (timed out)"
        : `failed (${c.signal ? `signal ${c.signal}` : `exit ${c.exitCode ?? "?"}`})`;
    return `${c.passed ? "✅" : "❌"} ${code(c.name)}: ${code(c.command)} — ${outcome} in ${seconds(c.durationMs)}`;
  });
  return [
    "## Checks run",
    cappedList(lines, caps.checks, "no checks are configured for this service"),
  ].join("\n\n");
}

function reviewSection(review: readonly ReviewFinding[], caps: Caps, md: Md, code: Md): string {
  const order = { blocking: 0, approval: 1, note: 2 } as const;
  const lines = [...review]
    .sort((a, b) => order[a.severity] - order[b.severity])
    .map(
      (f) =>
        `**${f.severity}** ${md(f.rule)}: ${md(f.message)}${f.path === undefined ? "" : ` (${code(f.path)})`}`,
    );
  return ["## Review findings", cappedList(lines, caps.review, "none")].join("\n\n");
}

function riskSection(input: PrBodyInput, caps: Caps, md: Md): string {
  const { classification: c, impact, verification } = input.bundle;
  const risks = [
    ...(c && c.confidence < 100
      ? [`The hypothesis holds with ${c.confidence}% confidence, not certainty.`]
      : []),
    ...(c?.gaps ?? []).map((g) => `Evidence gap: ${md(g.what)}${g.blocking ? " (blocking)" : ""}`),
    ...(c?.conflicts.length ? [`${c.conflicts.length} conflicting signals were weighed.`] : []),
    `If the fix is wrong: ${md(impact.blastRadius)}`,
    ...verification
      .filter((v) => v.status === "pending")
      .map((v) => `To verify after merge: ${md(v.check)} — ${md(v.how)}`),
    ...(c?.remedy.dataCorrection
      ? ["Existing data still needs a correction: a human-approved action, not part of this PR."]
      : []),
    ...(input.residualRisk ?? []).map(md),
  ];
  return ["## Residual risk", cappedList(risks, caps.risks, "none identified")].join("\n\n");
}

function provenanceSection(input: PrBodyInput, code: Md): string {
  return [
    "## Provenance",
    [
      `- Run: ${code(input.runId)}`,
      `- Base: ${code(input.baseSha)} · head: ${code(input.headSha)}`,
      `- Evidence bundle: sha256 ${code(input.bundleDigest)}`,
      `- Policy: sha256 ${code(input.policyHash)}`,
      `- Agent: ${code(input.agent.command)}, version ${input.agent.version === undefined ? "not reported" : code(input.agent.version)}`,
    ].join("\n"),
  ].join("\n\n");
}

/** A Markdown list of at most `cap` items, then a count of the rest; `- empty` when none. */
export function cappedList(items: readonly string[], cap: number, empty: string): string {
  if (items.length === 0) return `- ${empty}`;
  const shown = items.slice(0, cap).map((i) => `- ${i}`);
  const rest = items.length - shown.length;
  return [...shown, ...(rest > 0 ? [`- … and ${rest} more`] : [])].join("\n");
}

function cleaner(redact?: (text: string) => string): (text: string) => string {
  return redact ?? ((text) => defaultRedactor.redact(text).text);
}

/** At most `max` characters, with an ellipsis when cut; never half a surrogate pair. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = text.slice(0, Math.max(0, max - 1)).replace(/[\uD800-\uDBFF]$/, "");
  return `${head}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/**
 * GitHub acts on `@name` (a notification), `#12` and `owner/repo#12` (a cross-reference,
 * and after "fixes" an issue closed on merge) in a body; `api@1.2` is no mention. A zero-width space after the sign keeps the text
 * readable and inert.
 */
function noMentions(text: string): string {
  return text.replace(/(?<!\w\\?)@(?=[\w-])/g, "@\u200b").replace(/#(?=\d)/g, "#\u200b");
}

/**
 * A URL for a Markdown link, or undefined: http(s) only, no credentials, unchanged by the
 * redactor (a URL carrying a token is not linked), parentheses and spaces encoded so the
 * link cannot end early.
 */
function markdownUrl(url: string | undefined, clean: (text: string) => string) {
  if (url === undefined || url.length > 2_000 || clean(url) !== url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  if (parsed.username !== "" || parsed.password !== "") return undefined;
  return parsed.href.replace(/[()<>\s"'`]/g, (c) => (c === "'" ? "%27" : encodeURIComponent(c)));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** GitHub label names: up to 50 characters; keep them to a plain alphabet. */
function labelPart(text: string): string {
  return text.replace(/[^a-z0-9_.-]/gi, "_").slice(0, 40);
}
