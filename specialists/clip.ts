/**
 * Cutting provider and ticket text for a finding. Specialists see provider text before
 * the redactor does (it runs when the output is stored and again at every egress), so a
 * cut must never leave the head of a token: `AKIAIOSFODNN7EXAMPLE` cut to `AKIAIOSFODNN…`
 * no longer has the shape the redactor knows, and twelve characters of a key went to
 * Slack, the stored output and the evidence bundle (probe issue F2). A cut that lands
 * inside a run of token characters drops the whole run; the redactor then sees either
 * the whole token or none of it. src/ uses it too (VERIFY's check output) where text is
 * cut before it is redacted; where a redactor is at hand, redact first, then cut.
 */

/** Characters a credential is made of: letters, digits and `_-+/=.~%`. */
function isTokenChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 95 || // _
    c === 45 || // -
    c === 43 || // +
    c === 47 || // /
    c === 61 || // =
    c === 46 || // .
    c === 126 || // ~
    c === 37 // %
  );
}

/**
 * `text` when it has at most `keep` characters; else its first `keep` characters at most,
 * followed by `mark`. The cut never splits a surrogate pair, and when it falls inside a
 * token (letters, digits, `_-+/=.~%` on both sides) it moves back to the token's start.
 */
export function clipText(text: string, keep: number, mark = "…"): string {
  if (text.length <= keep) return text;
  let cut = Math.max(0, keep);
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  if (cut > 0 && isTokenChar(text.charCodeAt(cut - 1)) && isTokenChar(text.charCodeAt(cut))) {
    while (cut > 0 && isTokenChar(text.charCodeAt(cut - 1))) cut--;
  }
  return `${text.slice(0, cut)}${mark}`;
}
