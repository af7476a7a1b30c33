/**
 * Escaping for the Markdown prode writes outside Slack (the run-owned Linear comment).
 * A ticket title, a finding or a reason is text, never markup: inserted raw, a title
 * like `![x](https://tracker.example/p.png)` put a remote image, and `[login](…)` a link,
 * into a comment signed by prode. Every string that did not come from prode's own code
 * goes through {@link escapeMarkdown} (inline) or {@link fencedCode} (blocks).
 *
 * Redact before escaping: escaping inserts characters into what the redactor matches.
 */

/** CommonMark's backslash-escapable punctuation that can start or end markup inline. */
const INLINE_MARKUP = /[\\`*_[\]!|~#()^$]/g;
/** Characters written as entities: `<` `>` can open HTML or an autolink, `&` an entity. */
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };
/** Line breaks of every kind (a string is inserted on one line). */
const LINE_BREAKS = /\r\n|[\r\n\u2028\u2029\u0085\v\f]/g;
/** Block markers that act at the start of a line: lists, headings, quotes, setext rules. */
const LEADING_BLOCK = /^(\s*)([-+=>]|\d{1,9}[.)])/;

/**
 * One line of untrusted text as literal Markdown text. Markup characters are
 * backslash-escaped, `& < >` become entities (so no HTML, autolink or entity, and no
 * copy of prode's HTML-comment marker), line breaks become spaces, a leading block
 * marker is escaped, and bare URLs and domains are broken (`https\://`, `evil\.com`) so
 * no renderer turns them into links.
 */
export function escapeMarkdown(text: string): string {
  const oneLine = text.replace(LINE_BREAKS, " ");
  const escaped = oneLine
    .replace(INLINE_MARKUP, (c) => `\\${c}`)
    .replace(/[&<>]/g, (c) => ENTITIES[c] ?? c)
    .replace(/:(?=\/\/)/g, "\\:")
    // A dot inside a word, as in a bare domain or address (`evil.com/login`, `10.0.0.1`).
    .replace(/(?<=\w)\.(?=[\p{L}\p{N}])/gu, "\\.")
    .replace(/@(?=[\w-]+\\?\.)/g, "\\@");
  return escaped.replace(LEADING_BLOCK, (_m, space: string, marker: string) =>
    /^\d/.test(marker)
      ? `${space}${marker.slice(0, -1)}\\${marker.slice(-1)}`
      : `${space}\\${marker}`,
  );
}

/**
 * A fenced code block around untrusted text: the fence is one backtick longer than the
 * longest backtick run inside, so nothing in the text can close it (CommonMark: a
 * closing fence is at least as long as the opening one).
 */
export function fencedCode(text: string, info = ""): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

/** An inline code span around untrusted text (a digest, an id), on one line. */
export function inlineCode(text: string): string {
  const oneLine = text.replace(LINE_BREAKS, " ");
  const longest = Math.max(0, ...[...oneLine.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  const pad = oneLine.startsWith("`") || oneLine.endsWith("`") ? " " : "";
  return `${ticks}${pad}${oneLine}${pad}${ticks}`;
}
