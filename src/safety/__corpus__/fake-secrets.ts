/**
 * Fake credentials and personal data, full-form at run time, for the redactor's tests
 * and benchmark. Each is assembled from pieces (a prefix split in two, random bodies
 * from a seeded generator) so this repository never holds a verbatim real-looking token
 * that a secret scanner would flag, while the redactor still sees the real shapes.
 */

/** mulberry32: small, fast, seedable; the same seed gives the same corpus. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;

const DIGITS = "0123456789";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const HEX = "0123456789abcdef";
const ALNUM = UPPER + LOWER + DIGITS;
const BASE64 = `${ALNUM}+/`;

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

export function chars(rng: Rng, alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rng() * alphabet.length)];
  return out;
}

/** Random text over `alphabet` holding at least one upper, lower and digit. */
function mixed(rng: Rng, alphabet: string, length: number): string {
  for (;;) {
    const s = chars(rng, alphabet, length);
    if (/[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s)) return s;
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

function luhnCheckDigit(partial: string): string {
  let sum = 0;
  let double = true;
  for (let i = partial.length - 1; i >= 0; i--) {
    let d = Number(partial[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

function ibanCheckDigits(country: string, bban: string): string {
  const numeric = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let remainder = 0;
  for (const d of numeric) remainder = (remainder * 10 + Number(d)) % 97;
  return String(98 - remainder).padStart(2, "0");
}

/** Generators of one fake each; keys are the redaction category they must land in. */
export const FAKE = {
  slackBotToken: (r: Rng) =>
    `${"xo"}xb-${chars(r, DIGITS, 12)}-${chars(r, DIGITS, 13)}-${chars(r, ALNUM, 24)}`,
  slackUserToken: (r: Rng) =>
    `${"xo"}xp-${chars(r, DIGITS, 12)}-${chars(r, DIGITS, 12)}-${chars(r, DIGITS, 13)}-${chars(r, HEX, 32)}`,
  slackAppToken: (r: Rng) =>
    `${"xa"}pp-1-A${chars(r, UPPER + DIGITS, 10)}-${chars(r, DIGITS, 13)}-${chars(r, HEX, 64)}`,
  slackWebhookPath: (r: Rng) =>
    `T${chars(r, UPPER + DIGITS, 8)}/B${chars(r, UPPER + DIGITS, 10)}/${chars(r, ALNUM, 24)}`,
  githubClassic: (r: Rng) => `${"g"}h${pick(r, ["p", "o", "u", "s", "r"])}_${mixed(r, ALNUM, 36)}`,
  githubFineGrained: (r: Rng) => `${"git"}hub_pat_${mixed(r, ALNUM, 22)}_${mixed(r, ALNUM, 59)}`,
  awsAccessKeyId: (r: Rng) => `${pick(r, ["AK", "AS"])}IA${chars(r, `${UPPER}234567`, 16)}`,
  awsSecretKey: (r: Rng) => mixed(r, BASE64, 40).replace(/^\//, "A").replace(/\/$/, "z"),
  stripeKey: (r: Rng) =>
    `${pick(r, ["sk", "rk"])}_${pick(r, ["live", "test"])}_${mixed(r, ALNUM, 24)}`,
  linearApiKey: (r: Rng) => `${"lin"}_api_${mixed(r, ALNUM, 40)}`,
  sentryOrgToken: (r: Rng) =>
    `${"sntr"}ys_${base64url(JSON.stringify({ iat: 1, url: "https://sentry.io", region_url: "https://us.sentry.io", org: "acme" }))}_${mixed(r, ALNUM, 43)}`,
  sentryUserToken: (r: Rng) => `${"sntr"}yu_${chars(r, HEX, 64)}`,
  sentryHexToken: (r: Rng) => chars(r, HEX, 64),
  googleApiKey: (r: Rng) => `${"AI"}za${mixed(r, `${ALNUM}_-`, 35)}`,
  jwt: (r: Rng) =>
    `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify({ sub: chars(r, DIGITS, 8), iat: 1727784000 }))}.${chars(r, `${ALNUM}_-`, 43)}`,
  pemPrivateKey: (r: Rng) => {
    const body: string[] = [];
    for (let i = 0; i < 8; i++) body.push(chars(r, BASE64, 64));
    const kind = pick(r, ["RSA ", "EC ", "OPENSSH ", ""]);
    return `-----BEGIN ${kind}${"PRIVATE"} KEY-----\n${body.join("\n")}\n-----END ${kind}PRIVATE KEY-----`;
  },
  password: (r: Rng) => mixed(r, `${ALNUM}!_~`, 16),
  apiKey: (r: Rng) => mixed(r, ALNUM, 32),
  email: (r: Rng) =>
    `${pick(r, ["jane.doe", "j.smith+billing", "ops_team", "k.tanaka"])}${chars(r, DIGITS, 2)}@${pick(r, ["example.com", "mail.example.co.uk", "corp.example.org"])}`,
  phoneInternational: (r: Rng) =>
    pick(r, [
      `+44 20 7946 ${chars(r, DIGITS, 4)}`,
      `+1 415-555-${chars(r, DIGITS, 4)}`,
      `+49 30 ${chars(r, DIGITS, 8)}`,
      `+33 1 23 45 ${chars(r, DIGITS, 2)} ${chars(r, DIGITS, 2)}`,
      `+8190${chars(r, DIGITS, 8)}`,
    ]),
  phoneNational: (r: Rng) =>
    pick(r, [
      `(415) 555-${chars(r, DIGITS, 4)}`,
      `415-555-${chars(r, DIGITS, 4)}`,
      `415.555.${chars(r, DIGITS, 4)}`,
    ]),
  cardNumber: (r: Rng) => {
    const [prefix, length] = pick(r, [
      ["4", 16],
      ["51", 16],
      ["2221", 16],
      ["37", 15],
      ["6011", 16],
      ["4", 13],
    ] as const);
    const partial = prefix + chars(r, DIGITS, length - prefix.length - 1);
    return partial + luhnCheckDigit(partial);
  },
  iban: (r: Rng) => {
    const [country, bban] = pick(r, [
      ["DE", chars(r, DIGITS, 18)],
      ["GB", `${chars(r, UPPER, 4)}${chars(r, DIGITS, 14)}`],
      ["FR", chars(r, DIGITS, 23)],
      ["NL", `${chars(r, UPPER, 4)}${chars(r, DIGITS, 10)}`],
    ] as const);
    return `${country}${ibanCheckDigits(country, bban)}${bban}`;
  },
} satisfies Record<string, (r: Rng) => string>;

/** Formats a compact number in groups of four ("4111 1111 1111 1111"). */
export function groupsOfFour(compact: string, separator = " "): string {
  return compact.replace(/(.{4})(?=.)/g, `$1${separator}`);
}

/** A 16-digit number with a valid issuer prefix that fails Luhn (an order number). */
export function luhnFailingNumber(rng: Rng): string {
  const partial = `4${chars(rng, DIGITS, 14)}`;
  const good = Number(luhnCheckDigit(partial));
  return partial + String((good + 1 + Math.floor(rng() * 8)) % 10);
}
