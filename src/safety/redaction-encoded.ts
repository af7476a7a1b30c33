/**
 * Secrets inside an encoding: a URL-encoded query (`password%3D…%26token%3Dghp_…`), a
 * base64 blob of a config line (`YXdzX3NlY3JldF9hY2Nlc3Nfa2V5PX…`), its hex twin. The
 * rules see only the encoded characters, so these passes decode candidate spans and run
 * the rules again on the decoding (`rescan`); a span whose decoding holds a finding is
 * rewritten, any other is left exactly as it was.
 *
 * - URL-encoded spans are replaced by their redacted decoding, which stays readable
 *   (`callback?password=[REDACTED:password]&token=[REDACTED:github_token]`).
 * - A base64 or hex blob is withheld whole under the category of its first finding:
 *   re-encoding a redacted decoding would only produce a blob nobody can read.
 *
 * Both scans are plain character loops (one pass, no regex over the whole text), and a
 * span is decoded only when it can hide something: a `%XX` escape; a base64 run of 24+
 * characters mixing upper and lower case (hex SHAs, UUIDs and words in one case never
 * qualify); a hex run of 32+ characters. Decodings that are not mostly printable text
 * (images, hashes, random keys) are never rescanned.
 */
import { placeholder } from "./redaction-categories.ts";
import type { Hit } from "./redaction-rule-kit.ts";

type Rescan = (text: string, hit: Hit) => string;

/** Shortest base64 blob worth decoding: 18 bytes, room for `password=` and a value. */
const MIN_BASE64 = 24;
/** Shortest hex blob worth decoding (16 bytes). */
const MIN_HEX = 32;
/** Longest blob decoded; the head of a longer one is decoded (a secret near its start). */
const MAX_DECODED_CHARS = 16_384;
/** Share of printable bytes a decoding needs to be treated as text. */
const PRINTABLE_SHARE = 0.9;

/** Redacts inside URL-encoded spans, then inside base64 and hex blobs. */
export function redactEncoded(text: string, rescan: Rescan, hit: Hit): string {
  let out = text.includes("%") ? redactUrlEncoded(text, rescan, hit) : text;
  out = redactBlobs(out, rescan, hit);
  return out;
}

/** Characters that end a URL-encoded span: whitespace, quotes, angle brackets. */
function endsSpan(c: number): boolean {
  return c <= 32 || c === 34 || c === 39 || c === 60 || c === 62 || c === 96 || c === 127;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function redactUrlEncoded(text: string, rescan: Rescan, hit: Hit): string {
  const chunks: string[] = [];
  let copied = 0;
  let from = 0;
  for (let at = text.indexOf("%", from); at !== -1; at = text.indexOf("%", from)) {
    if (!(isHex(text.charCodeAt(at + 1)) && isHex(text.charCodeAt(at + 2)))) {
      from = at + 1;
      continue;
    }
    let start = at;
    while (start > copied && !endsSpan(text.charCodeAt(start - 1))) start--;
    let end = at + 3;
    while (end < text.length && !endsSpan(text.charCodeAt(end))) end++;
    from = end;
    const span = text.slice(start, end);
    const decoded = decodePercent(span);
    if (decoded === span) continue;
    const rescanned = rescanCounted(decoded, rescan, hit);
    if (rescanned === undefined) continue;
    chunks.push(text.slice(copied, start), rescanned.replace(/[\r\n]+/g, " "));
    copied = end;
  }
  if (copied === 0) return text;
  chunks.push(text.slice(copied));
  return chunks.join("");
}

/** `%XX` escapes decoded as UTF-8 when they form valid UTF-8, else byte by byte. */
function decodePercent(span: string): string {
  try {
    return decodeURIComponent(span);
  } catch {
    return span.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
  }
}

/**
 * The rescanned text when it found something (its findings counted through `hit`), or
 * undefined when the decoding holds nothing (and nothing is counted).
 */
function rescanCounted(decoded: string, rescan: Rescan, hit: Hit): string | undefined {
  const found: string[] = [];
  const rescanned = rescan(decoded, (category) => {
    found.push(category);
    return placeholder(category);
  });
  if (found.length === 0) return undefined;
  for (const category of found) hit(category);
  return rescanned;
}

const B64_UPPER = 1;
const B64_LOWER = 2;
const B64_OTHER = 4;
const NOT_HEX = 8;
/** Per ASCII code: 0 outside the base64 alphabets (standard and URL-safe). */
const B64 = new Uint8Array(128);
for (let c = 65; c <= 90; c++) B64[c] = B64_UPPER | (c > 70 ? NOT_HEX : 0);
for (let c = 97; c <= 122; c++) B64[c] = B64_LOWER | (c > 102 ? NOT_HEX : 0);
for (let c = 48; c <= 57; c++) B64[c] = B64_OTHER;
for (const c of "+/-_") B64[c.charCodeAt(0)] = B64_OTHER | NOT_HEX;

function redactBlobs(text: string, rescan: Rescan, hit: Hit): string {
  const chunks: string[] = [];
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c >= 128 || B64[c] === 0) {
      i++;
      continue;
    }
    const start = i;
    let kinds = 0;
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d >= 128 || B64[d] === 0) break;
      kinds |= B64[d]!;
      i++;
    }
    const runEnd = i;
    while (i < text.length && text.charCodeAt(i) === 61 && i - runEnd < 2) i++; // `=` padding
    const length = runEnd - start;
    const isBase64 = length >= MIN_BASE64 && (kinds & (B64_UPPER | B64_LOWER)) === 3;
    const isHexRun = length >= MIN_HEX && (kinds & NOT_HEX) === 0 && length % 2 === 0;
    if (!isBase64 && !isHexRun) continue;
    const hex = isHexRun && !isBase64;
    if (!(hex ? mayHexEncodeText(text, start, runEnd) : mayBase64EncodeText(text, start, runEnd))) {
      continue;
    }
    const blob = text.slice(start, i);
    const decoded = decodeBlob(blob, hex);
    if (decoded === undefined) continue;
    const found: string[] = [];
    rescan(decoded, (category) => {
      found.push(category);
      return placeholder(category);
    });
    if (found.length === 0) continue;
    chunks.push(text.slice(copied, start), hit(found[0]!));
    copied = i;
  }
  if (copied === 0) return text;
  chunks.push(text.slice(copied));
  return chunks.join("");
}

/**
 * Printable ASCII (0x20–0x7E) has a top sextet of 8–31, so the first character of every
 * base64 quad of text is one of `I`–`Z`, `a`–`f`. Checking that on the quads (allowing
 * the share of non-text bytes a decoding may have) rejects identifiers, request ids and
 * paths without decoding anything: most runs fail on their first quad.
 */
function mayBase64EncodeText(text: string, start: number, end: number): boolean {
  const quads = Math.floor((Math.min(end, start + MAX_DECODED_CHARS) - start) / 4);
  let misses = 0;
  const allowed = Math.floor(quads * 3 * (1 - PRINTABLE_SHARE));
  for (let q = 0; q < quads; q++) {
    const c = text.charCodeAt(start + q * 4);
    if (!((c >= 73 && c <= 90) || (c >= 97 && c <= 102)) && ++misses > allowed) return false;
  }
  return true;
}

/** Printable ASCII bytes have a high nibble of 2–7: the same test for hex pairs. */
function mayHexEncodeText(text: string, start: number, end: number): boolean {
  const pairs = Math.floor((Math.min(end, start + MAX_DECODED_CHARS) - start) / 2);
  let misses = 0;
  const allowed = Math.floor(pairs * (1 - PRINTABLE_SHARE));
  for (let p = 0; p < pairs; p++) {
    const c = text.charCodeAt(start + p * 2);
    if (!(c >= 50 && c <= 55) && ++misses > allowed) return false;
  }
  return true;
}

/** The decoding of a blob when it is mostly printable text, else undefined. */
function decodeBlob(blob: string, hex: boolean): string | undefined {
  // Node decodes unpadded base64; only a head cut from a longer blob is trimmed to
  // whole quads, so its last bytes are not garbage.
  let head = blob.slice(0, MAX_DECODED_CHARS);
  if (!hex && head.length < blob.length) head = head.slice(0, head.length - (head.length % 4));
  const bytes = Buffer.from(head, hex ? "hex" : "base64");
  if (bytes.length < 16) return undefined;
  let printable = 0;
  for (const b of bytes) {
    if ((b >= 32 && b < 127) || b === 9 || b === 10 || b === 13) printable++;
  }
  if (printable < bytes.length * PRINTABLE_SHARE) return undefined;
  return bytes.toString("latin1");
}
