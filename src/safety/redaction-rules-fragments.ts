/**
 * Pieces of tokens: a vendor token cut by a truncation mark (`AKIAZ7QS…`, `ghp_cyPd1y...`)
 * or split across two lines by wrapping. Neither matches its vendor rule any more (the
 * length is wrong), yet the piece is still part of a credential, and text is cut or
 * wrapped by many hands before it reaches prode (Sentry, log stores, ticket editors).
 *
 * The prefixes are not a second list: they are the keywords of the rules whose keywords
 * are the literal start of their token (PREFIXED_SECRET_RULES, PREFIXED_VENDOR_RULES),
 * and a piece is reported under that rule's category.
 */
import { isPlaceholder, placeholder, touchesPlaceholder } from "./redaction-categories.ts";
import type { Hit } from "./redaction-rule-kit.ts";
import { isPlaceholderSecret } from "./redaction-rule-kit.ts";
import { PREFIXED_SECRET_RULES } from "./redaction-rules-secrets.ts";
import { PREFIXED_VENDOR_RULES } from "./redaction-rules-vendors.ts";

/**
 * Keywords that are not the start of a token (`q~` sits inside an Azure secret), or that
 * are common identifiers in code (`sg.`, `dp.`: a cut `dp.getWidth…` is not a token).
 */
const NOT_A_PREFIX = new Set(["q~", "sg.", "dp."]);

/** [lower-case prefix, category], longest prefix first so `github_pat_` beats `gh`. */
const PREFIXES: readonly (readonly [prefix: string, category: string])[] = [
  ...PREFIXED_SECRET_RULES,
  ...PREFIXED_VENDOR_RULES,
]
  .flatMap((rule) => (rule.keywords ?? []).map((k) => [k, rule.category] as const))
  .filter(([k]) => !NOT_A_PREFIX.has(k))
  .sort((a, b) => b[0].length - a[0].length);

const PREFIX_SOURCE = PREFIXES.map(([k]) => k.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")).join("|");

const STARTS_WITH_PREFIX = new RegExp(`^(?:${PREFIX_SOURCE})`, "i");

const isTokenChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;

/** Lower-case prefix keywords, for the prefilter of rules that start with one. */
export const TOKEN_PREFIXES: readonly string[] = PREFIXES.map(([k]) => k);

/** A piece shorter than this (prefix included) says nothing a reader could use. */
const MIN_PIECE = 8;

/** The category of the rule whose prefix starts `token` (any case). */
function categoryOf(token: string): string {
  const lower = token.toLowerCase();
  return PREFIXES.find(([k]) => lower.startsWith(k))?.[1] ?? "api_key";
}

/**
 * True when `head` (prefix and what follows it) is worth withholding: at least
 * {@link MIN_PIECE} characters with something after the prefix, and that something is
 * not a mask (`ghp_xxxx…`). After a prefix of three characters or fewer, a lower-case
 * word is prose or code cut by a renderer (`sk-learn…`, `xoxo-party…`), not a token;
 * after a longer one (`ghp_`, `AKIA`, `sk_live_`) any piece counts.
 */
function isTokenPiece(head: string): boolean {
  const prefix = PREFIXES.find(([k]) => head.toLowerCase().startsWith(k))?.[0] ?? "";
  const body = head.slice(prefix.length);
  if (head.length < MIN_PIECE || body.length === 0) return false;
  if (isPlaceholderSecret(head) || /^[xX*0.]{3,}$/.test(body)) return false;
  return !(prefix.length <= 3 && /^[a-z]+(?:[-_.][a-z]+)*$/.test(body));
}

/** A dot-free run with a prefix, or the part after a run's last dot (`x.ghp_…`). */
function pieceIn(run: string): string | undefined {
  if (STARTS_WITH_PREFIX.test(run)) return run;
  const afterDot = run.slice(run.lastIndexOf(".") + 1);
  return afterDot !== run && STARTS_WITH_PREFIX.test(afterDot) ? afterDot : undefined;
}

const isPieceChar = (c: number) => isTokenChar(c) || c === 46;

/**
 * A prefix and the start of its token, then a truncation mark: `…`, `...`, or the marks
 * prode's own cutters write (`…[120 chars truncated]`). The piece goes, the mark stays,
 * so a reader still sees that the text was cut. A pass of its own rather than a rule:
 * the mark is found with `indexOf` (the keyword automaton sees ASCII only), and the
 * prefix is tested on the few characters before it.
 */
export function redactTruncatedTokens(text: string, hit: Hit): string {
  const chunks: string[] = [];
  let copied = 0;
  let ellipsis = text.indexOf("…");
  let dots = text.indexOf("...");
  while (ellipsis !== -1 || dots !== -1) {
    const useEllipsis = dots === -1 || (ellipsis !== -1 && ellipsis < dots);
    const at = useEllipsis ? ellipsis : dots;
    if (useEllipsis) ellipsis = text.indexOf("…", at + 1);
    else dots = text.indexOf("...", at + 3);
    let start = at;
    while (start > copied && at - start < 4096 && isPieceChar(text.charCodeAt(start - 1))) start--;
    const run = text.slice(start, at).replace(/\.+$/, "");
    const piece = run.length >= MIN_PIECE ? pieceIn(run) : undefined;
    if (piece === undefined || !isTokenPiece(piece)) continue;
    const pieceStart = start + run.length - piece.length;
    if (touchesPlaceholder(text, pieceStart, pieceStart + piece.length)) continue;
    chunks.push(text.slice(copied, pieceStart), hit(categoryOf(piece)));
    copied = pieceStart + piece.length;
  }
  if (chunks.length === 0) return text;
  chunks.push(text.slice(copied));
  return chunks.join("");
}

/**
 * A prefixed token whose line ends inside it, and the token characters that open the
 * next line (after indentation): `ghp_SpLiT01\n      23456789abc`.
 */
const SPLIT_TOKEN = new RegExp(
  String.raw`(?<![A-Za-z0-9_])((?:${PREFIX_SOURCE})[A-Za-z0-9_-]{0,4096})(\r?\n[ \t]{0,64})([A-Za-z0-9_-]{4,4096})(?![A-Za-z0-9_])`,
  "gi",
);

/**
 * Rejoins a prefixed token split by a line break and redacts it when the joined token
 * is a credential. Runs after the rules, so a token that was whole on its line is a
 * placeholder already and never swallows the start of the next line. The joined
 * result takes the first line's place; the line break and indentation stay, so line
 * numbers do not move.
 */
export function redactSplitTokens(
  text: string,
  rescan: (text: string, hit: Hit) => string,
  hit: Hit,
): string {
  // Only a line whose last run of token characters starts with a prefix can end inside
  // a split token: walk back over that run at each line end and test it, which costs a
  // few characters per line instead of a regex over the text.
  const chunks: string[] = [];
  let copied = 0;
  for (let end = text.indexOf("\n"); end !== -1; end = text.indexOf("\n", end + 1)) {
    const stop = end > 0 && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    let start = stop;
    while (start > copied && isTokenChar(text.charCodeAt(start - 1))) start--;
    if (stop - start < MIN_PIECE / 2 || !STARTS_WITH_PREFIX.test(text.slice(start, stop))) continue;
    let next = text.indexOf("\n", end + 1);
    if (next === -1) next = text.length;
    const original = text.slice(start, next);
    const joined = joinSplitTokens(original, rescan, hit);
    if (joined !== original) {
      chunks.push(text.slice(copied, start), joined);
      copied = next;
      if (next === text.length) break;
      end = next - 1;
    }
  }
  if (copied === 0) return text;
  chunks.push(text.slice(copied));
  return chunks.join("");
}

function joinSplitTokens(
  text: string,
  rescan: (text: string, hit: Hit) => string,
  hit: Hit,
): string {
  return text.replace(SPLIT_TOKEN, (match: string, head: string, gap: string, tail: string) => {
    if (head.length < MIN_PIECE / 2) return match;
    const joined = head + tail;
    const found: string[] = [];
    const rescanned = rescan(joined, (category) => {
      found.push(category);
      return placeholder(category);
    });
    if (rescanned === joined || isPlaceholder(joined)) return match;
    // Count the findings in the caller's summary, rebuilding the same placeholders.
    for (const category of found) hit(category);
    return `${rescanned}${gap}`;
  });
}
