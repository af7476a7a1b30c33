/**
 * Checksums and shape checks that turn a regex candidate into a finding. Numbers are
 * everywhere in logs (order ids, epochs, durations); these checks are what let them
 * through while cards and IBANs are caught.
 */

/** Luhn (mod 10) over a string of digits. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * Issuer prefixes of the card networks (ISO/IEC 7812 IINs): 2221–2720 and 51–55
 * Mastercard, 3x Amex/Diners/JCB, 4 Visa, 5x/6x Maestro, Discover, UnionPay. Nothing
 * issues cards starting with 0, 1, 7, 8 or 9, and current epoch seconds, milliseconds,
 * microseconds and nanoseconds all start with 1, so they never look like a card.
 */
function hasCardIssuerPrefix(digits: string): boolean {
  const first = digits.charCodeAt(0) - 48;
  if (first >= 3 && first <= 6) return true;
  if (first !== 2) return false;
  const four = Number(digits.slice(0, 4));
  return four >= 2221 && four <= 2720;
}

export function isPaymentCardNumber(digits: string): boolean {
  return (
    digits.length >= 13 && digits.length <= 19 && hasCardIssuerPrefix(digits) && passesLuhn(digits)
  );
}

/** IBAN length per country (ISO 13616 registry, SWIFT release 2024). */
// biome-ignore format: a table reads better packed than one entry per line
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29,
  BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29,
  ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20,
  LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19,
  MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29,
  PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24,
  SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
  YE: 30,
};

/** IBAN length → the countries whose IBANs have it. */
export function ibanCountriesByLength(): Map<number, string[]> {
  const byLength = new Map<number, string[]>();
  for (const [country, length] of Object.entries(IBAN_LENGTHS)) {
    byLength.set(length, [...(byLength.get(length) ?? []), country]);
  }
  return byLength;
}

/** ISO 7064 mod 97-10 over a compact (no spaces) upper-case IBAN of the right length. */
export function isValidIban(compact: string): boolean {
  const expected = IBAN_LENGTHS[compact.slice(0, 2)];
  if (expected === undefined || compact.length !== expected) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      remainder = (remainder * 10 + (c - 48)) % 97;
    } else if (c >= 65 && c <= 90) {
      remainder = (remainder * 100 + (c - 55)) % 97;
    } else {
      return false;
    }
  }
  return remainder === 1;
}

export function countDigits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** Character classes for the numeric scan, as bits (ASCII only; anything else is 0). */
const DIGIT = 1;
const CAPITAL = 2;
/** Space, `(`, `)`, `-`, `.`: what separates the groups of a card or phone number. */
const SEPARATOR = 4;
const LOWER = 8;
/** `+` and `/`: base64 symbols; for cards, phones and IBANs like any other character. */
const B64_SYMBOL = 16;
const BASE64 = DIGIT | CAPITAL | LOWER | B64_SYMBOL;
const ALPHANUMERIC = DIGIT | CAPITAL | LOWER;
const CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
for (let c = 65; c <= 90; c++) CLASS[c] = CAPITAL;
for (let c = 97; c <= 122; c++) CLASS[c] = LOWER;
for (const c of " ()-.") CLASS[c.charCodeAt(0)] = SEPARATOR;
for (const c of "+/") CLASS[c.charCodeAt(0)] = B64_SYMBOL;
/** Length of an AWS secret access key. */
const AWS_SECRET_LENGTH = 40;

/** Letters and digits from `from` on, up to `limit`. */
function alphanumericRun(text: string, from: number, limit: number): number {
  let n = 0;
  while (n < limit && from + n < text.length) {
    const c = text.charCodeAt(from + n);
    if (c >= 128 || (CLASS[c]! & ALPHANUMERIC) === 0) break;
    n++;
  }
  return n;
}

/**
 * Start offsets of the lines that could hold a card number, a North American phone
 * number, an IBAN or a bare AWS secret key. A "cluster" is digits in groups split by
 * one or two of ` ().-`, every group but the last 3+ digits long (a leading country
 * code "1" aside); it qualifies with 13+ digits either grouped or starting with an issuer
 * digit 2–6 (a card; epochs are one contiguous run starting with 1), or 10+ digits split
 * by punctuation (a phone; access logs' "200 5123 234" use spaces). Two capitals followed
 * by two digits may start an IBAN, and so may two lower-case letters at a word start
 * followed by two digits and 11+ letters or digits (a compact lower-case IBAN). A run of
 * 40 or more base64 characters mixing upper case, lower case and digits may hold an AWS
 * secret key (hex SHAs are one case; longer runs count because an earlier rule can cut
 * one down to 40, as in a phone number glued to a key). Timestamps, IPs and versions
 * break into short groups. A qualifying line skips straight to the next. One pass of
 * plain character tests: several times faster than a regex that must try a match at
 * every digit, and most log lines don't qualify.
 */
export function scanNumericLines(text: string): number[] {
  const starts: number[] = [];
  let lineStart = 0;
  let cluster = 0;
  let firstDigit = 0;
  let group = 0;
  let groups = 0;
  let separators = 0;
  let punctuated = false;
  let capitals = 0;
  let ibanDigits = 0;
  let lowers = 0;
  let lowerIban = 0;
  let b64 = 0;
  let b64Kinds = 0;
  let previous = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const kind = c < 128 ? CLASS[c]! : 0;
    let qualifies = false;
    if ((kind & BASE64) !== 0) {
      b64++;
      b64Kinds |= kind;
    } else if (b64 !== 0) {
      qualifies = b64 >= AWS_SECRET_LENGTH && (b64Kinds & ALPHANUMERIC) === ALPHANUMERIC;
      b64 = b64Kinds = 0;
    }
    if (kind === DIGIT) {
      if (cluster === 0) firstDigit = c - 48;
      cluster++;
      group++;
      separators = 0;
      ibanDigits = capitals >= 2 || ibanDigits > 0 ? ibanDigits + 1 : 0;
      capitals = 0;
      // lowerIban: 1 after two lower-case letters at a word start, then counts digits.
      lowerIban = lowers === 2 && lowerIban === 1 ? 2 : lowerIban >= 2 ? lowerIban + 1 : 0;
      lowers = 0;
      qualifies ||=
        (cluster >= 13 && (groups > 0 || (firstDigit >= 2 && firstDigit <= 6))) ||
        (cluster >= 10 && punctuated) ||
        ibanDigits === 2 ||
        (lowerIban === 3 && alphanumericRun(text, i + 1, 11) === 11);
    } else if (kind === CAPITAL) {
      capitals++;
      ibanDigits = cluster = group = groups = separators = lowers = lowerIban = 0;
      punctuated = false;
    } else if (kind === SEPARATOR) {
      ibanDigits = capitals = lowers = lowerIban = 0;
      if (separators < 2 && (cluster > 0 || c === 40)) {
        const groupEnds = separators === 0 && cluster > 0;
        if (groupEnds && !(group >= 3 || (groups === 0 && group === 1))) {
          cluster = groups = 0;
          punctuated = false;
        } else if (groupEnds) {
          groups++;
        }
        if (c !== 32) punctuated = true;
        group = 0;
        separators++;
      } else {
        cluster = group = groups = separators = 0;
        punctuated = false;
      }
    } else {
      if (kind === LOWER) {
        if (lowers === 0) lowerIban = (previous & ALPHANUMERIC) === 0 ? 1 : 0;
        lowers++;
      } else {
        lowers = lowerIban = 0;
        if (c === 10) {
          if (qualifies) starts.push(lineStart);
          lineStart = i + 1;
          qualifies = false;
        }
      }
      cluster = group = groups = separators = capitals = ibanDigits = 0;
      punctuated = false;
    }
    previous = kind;
    if (qualifies) {
      starts.push(lineStart);
      const next = text.indexOf("\n", i);
      if (next === -1) return starts;
      i = next;
      lineStart = next + 1;
      cluster = group = groups = separators = capitals = ibanDigits = 0;
      lowers = lowerIban = b64 = b64Kinds = previous = 0;
      punctuated = false;
    }
  }
  if (b64 >= AWS_SECRET_LENGTH && (b64Kinds & ALPHANUMERIC) === ALPHANUMERIC) {
    starts.push(lineStart);
  }
  return starts;
}

const SSN_SHAPE = /\d{3}-\d{2}-\d{4}/g;

/** Start offsets of the lines holding a `ddd-dd-dddd` run (an SSN's shape). */
export function scanSsnLines(text: string): number[] {
  const starts: number[] = [];
  SSN_SHAPE.lastIndex = 0;
  for (let m = SSN_SHAPE.exec(text); m !== null; m = SSN_SHAPE.exec(text)) {
    const start = text.lastIndexOf("\n", m.index) + 1;
    starts.push(start);
    const next = text.indexOf("\n", m.index);
    if (next === -1) break;
    SSN_SHAPE.lastIndex = next + 1;
  }
  return starts;
}
