/**
 * Contact and payment data: emails, IBANs, card numbers, phone numbers. Logs are full of
 * digits, so every numeric rule pairs a tight shape with a check (Luhn and issuer prefix
 * for cards, mod 97 and country length for IBANs, E.164 digit counts for phones) and the
 * digits that fail it — order numbers, epochs, durations — pass through.
 */
import {
  countDigits,
  ibanCountriesByLength,
  isPaymentCardNumber,
  isValidIban,
  scanNumericLines,
  scanSsnLines,
} from "./redaction-checks.ts";
import type { RedactionRule } from "./redaction-rule-kit.ts";

/**
 * Local part, `@`, dotted domain with an alphabetic TLD. Runs only on lines with an `@`;
 * the lookbehind starts a local part only at a word start (or after `.`/`+`, so an
 * address glued to the previous one, "ops@example.com+oncall@…", is still found) and
 * the local part is bounded (64, RFC 5321), so the scan stays linear.
 * Not an email: URL userinfo such as a Sentry DSN's public key (`https://key@o1.ingest…`,
 * public by design) and git's SSH user (`git@github.com:org/repo`).
 */
const email: RedactionRule = {
  category: "email",
  keywords: ["@"],
  pattern:
    /(?<![A-Za-z0-9_%-])([A-Za-z0-9_%+-][A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
  replace: (m, hit) => {
    if (m.input.slice(Math.max(0, m.offset - 3), m.offset) === "://") return undefined;
    if (m.groups[0] === "git") return undefined;
    return hit("email");
  },
};

/**
 * One alternative per IBAN length, listing the countries of that length, so a candidate
 * is exactly as long as its country's IBAN and can't run on into the next one.
 */
const IBAN_SHAPE = new RegExp(
  String.raw`\b(?:${[...ibanCountriesByLength()]
    .map(
      ([length, countries]) =>
        String.raw`(?:${countries.join("|")})\d{2}(?: ?[A-Z0-9]){${length - 4}}`,
    )
    .join("|")})\b`,
  "gi",
);

/** IBANs in either case, compact or in groups of four; the check digits must verify. */
const iban: RedactionRule = {
  category: "iban",
  scanLines: scanNumericLines,
  pattern: IBAN_SHAPE,
  replace: (m, hit) =>
    isValidIban(m.text.replace(/ /g, "").toUpperCase()) ? hit("iban") : undefined,
};

/**
 * US Social Security numbers, `AAA-GG-SSSS`, minus the ranges never issued (area 000,
 * 666 and 900–999, group 00, serial 0000); or nine digits after an SSN label.
 */
const ssn: RedactionRule = {
  category: "ssn",
  scanLines: scanSsnLines,
  pattern: /(?<![\w.+\-/])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w.-]|\/\d)/g,
};

const labelledSsn: RedactionRule = {
  category: "ssn",
  keywords: ["ssn", "social security"],
  pattern:
    /((?:ssn|social[ _-]?security(?:[ _-]?(?:number|no))?)\\?["']?[ \t]*(?:=>|[:=#])?[ \t]*\\?["']?)((?!000|666|9\d\d)\d{3}[ -]?(?!00)\d{2}[ -]?(?!0000)\d{4})(?!\d)/gi,
  replace: (m, hit) => `${m.groups[0]}${hit("ssn")}`,
};

/** 13–19 digits, contiguous or grouped 4-4-4-4(-3) / 4-6-5 with one separator kind. */
const paymentCard: RedactionRule = {
  category: "payment_card",
  scanLines: scanNumericLines,
  pattern:
    /(?<![\w.+-])(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ -]?)\d{6}\2\d{4,5})(?!\w|[.-]\d)/g,
  replace: (m, hit) =>
    isPaymentCardNumber(m.text.replace(/[ -]/g, "")) ? hit("payment_card") : undefined,
};

/** A number named as a phone, whatever its format (`"phone": "4155552671"`). */
const labelledPhone: RedactionRule = {
  category: "phone",
  keywords: ["phone", "mobile", "tel", "cell", "msisdn", "fax"],
  pattern:
    /((?:telephone|phone|mobile|tel|cell|msisdn|fax)(?:[_ -]?(?:number|num|no))?\\?["']?[ \t]*(?:=>|[:=])[ \t]*\\?["']?)(\+?[\d(][\d ().-]{5,22}\d)/gi,
  replace: (m, hit) => {
    const [label, candidate] = m.groups;
    if (candidate === undefined || countDigits(candidate) < 7) return undefined;
    return `${label}${hit("phone")}`;
  },
};

/**
 * International numbers: `+`, country code, then digits in groups; 8 digits at least
 * (E.164 allows up to 15, and a longer run is redacted whole rather than cut, since it
 * is more likely two numbers than a number and a suffix). A `+` glued to a word, `/` or
 * `=` is base64 or a URL, and `+05:30` is a time zone (too few digits); the exception is
 * a `+` right after the previous number this pass redacted ("…2671+44 20…").
 */
const internationalPhone: RedactionRule = {
  category: "phone",
  keywords: ["+"],
  pattern: /\+[1-9](?:\d|[ .-](?=[\d(])|\((?=\d)|\)(?=[ .-]?\d)){6,24}(?!\w)/g,
  replace: (m, hit) => {
    const before = m.input[m.offset - 1];
    const glued = before !== undefined && /[\w+/=]/.test(before);
    if (glued && m.offset !== m.previousEnd) return undefined;
    return countDigits(m.text) >= 8 ? hit("phone") : undefined;
  },
};

/**
 * North American formats: (415) 555-2671, 415-555-2671, 415.555.2671, 1-800-555-0199.
 * Space-separated triples are not matched: access logs print "200 512 1234".
 */
const nationalPhone: RedactionRule = {
  category: "phone",
  scanLines: scanNumericLines,
  pattern:
    /(?<![\w.+\-/])(?:1[ .-]?)?(?:\(\d{3}\)[ ]?\d{3}[ .-]|\d{3}([.-])\d{3}\1)\d{4}(?!\w|[.-]\d)/g,
  replace: (m, hit) => (countDigits(m.text) >= 10 ? hit("phone") : undefined),
};

export const PII_RULES: readonly RedactionRule[] = [
  email,
  iban,
  paymentCard,
  labelledSsn,
  ssn,
  labelledPhone,
  // Before the international rule, so "415.555.0100+49 30 1234567" needs one pass.
  nationalPhone,
  internationalPhone,
];
