/**
 * Escaping for Slack text. Slack parses `&`, `<` and `>` in mrkdwn (and in a message's
 * top-level `text`) as control characters: `<!channel>`, `<@U123>`, `<#C123>` and
 * `<http://x|label>` are all written with them. Every string that came from outside prode
 * (ticket titles, findings, SQL, names) goes through {@link escapeMrkdwn} or one of the
 * helpers below; the only `<…>` tokens in prode's output are the ones built here
 * ({@link link}) and in time.ts (`<!date^…>`).
 * https://docs.slack.dev/messaging/formatting-message-text#escaping
 */

/** Longest URL made clickable; Slack's own cap on a button URL is 3,000. */
const MAX_LINK_URL = 1_000;

/** Escapes the three characters Slack decodes, and only those (Slack decodes no others). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Text for `plain_text` objects (headers, button labels). Slack shows plain_text
 * literally, so entities would appear as `&lt;`; instead the angle brackets become
 * look-alike quotation marks so no client or downstream copy can ever read a token there.
 */
export function plainText(text: string): string {
  return text.replace(/</g, "‹").replace(/>/g, "›");
}

/**
 * An inline code span (`x`) around untrusted text. A backtick inside would close the
 * span early and let the rest be parsed as mrkdwn, so it becomes a modifier grave (ˋ).
 */
export function inlineCode(text: string): string {
  const inner = escapeMrkdwn(text.replace(/`/g, "ˋ").replace(/\n/g, " "));
  return `\`${inner.length > 0 ? inner : " "}\``;
}

/**
 * A fenced code block around untrusted text (SQL, commands). Only a run of three
 * backticks can close a fence, so runs are broken with a zero-width space; single and
 * double backticks (MySQL identifiers) stay as they are.
 */
export function codeBlock(text: string): string {
  return `\`\`\`${codeBlockBody(text)}\`\`\``;
}

/** The escaped body of {@link codeBlock}, for callers that truncate before fencing. */
export function codeBlockBody(text: string): string {
  const broken = text.replace(/``+/g, (run) => run.split("").join("\u200b"));
  const escaped = escapeMrkdwn(broken);
  return escaped.length > 0 ? escaped : " ";
}

/**
 * Returns the URL in the form Slack's link syntax accepts, or undefined when it is not
 * an absolute http(s) URL. `|` would end the URL part of `<url|label>` and whitespace
 * breaks the link, so both are percent-encoded; `&` is written as `&amp;` as Slack asks.
 */
export function safeUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return undefined;
  if (parsed.username !== "" || parsed.password !== "") return undefined;
  let href = parsed.href
    .replace(/\|/g, "%7C")
    .replace(/\s/g, (c) => encodeURIComponent(c))
    .replace(/</g, "%3C")
    .replace(/>/g, "%3E");
  href = escapeMrkdwn(href);
  // A link eats the section's 3,000-char budget; a URL this long is not a link to click.
  return href.length > MAX_LINK_URL ? undefined : href;
}

/**
 * A mrkdwn link that prode itself builds: `<url|label>` when the URL is http(s), else the
 * escaped label alone (a `javascript:` or malformed URL from upstream data never becomes
 * clickable). The label is escaped, so it cannot carry a token of its own.
 */
export function link(url: string | undefined, label: string): string {
  const href = safeUrl(url);
  // Inside a link label a newline ends the token early in some clients.
  const text = escapeMrkdwn(label.replace(/[\r\n]+/g, " ").trim() || "link");
  return href === undefined ? text : `<${href}|${text}>`;
}

/** Collapses whitespace runs and newlines so a one-line field stays on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
