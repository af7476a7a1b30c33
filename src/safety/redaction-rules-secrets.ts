/**
 * Credentials: vendor tokens with a recognisable prefix first, then secrets recognised by
 * their context (a header name, an assignment, a URL's userinfo). Shapes follow
 * secretlint's recommended preset and gitleaks' default rules; see redaction-rules.ts.
 *
 * Every pattern is linear: bounded repetitions, no nested unbounded quantifiers, and
 * (except the PEM block) nothing that crosses a line break, so a hostile or huge input
 * cannot make the redactor backtrack for seconds.
 */
import { scanNumericLines } from "./redaction-checks.ts";
import {
  entropy,
  type Hit,
  isNotASecret,
  isPlaceholderSecret,
  type RedactionRule,
  type RuleMatch,
  replaceGroup,
  unlessPlaceholder,
  unquote,
} from "./redaction-rule-kit.ts";

/**
 * Assignment operators across config and code: `=`, `:`, `=>`, Go and Makefile `:=`,
 * `::=`, `:::=`, `?=`, PHP `.=`, `+=`, `??=`, `||=`. Never a comparison (`==`, `=>` aside).
 */
const OPERATOR = String.raw`(?:=>|:{1,3}=|\?\?=|\|\|=|[?.+]=|[:=])(?![=>])`;

/**
 * A declared type between a name and `=` before a quoted literal: `var token string = "…"`,
 * `token: String = "…"`. (Unquoted, `Cookie: session=…` is a header, not a type.)
 */
const TYPE = String.raw`(?:[ \t]*:?[ \t]+[A-Za-z_][\w.]{0,40}(?=[ \t]*=[ \t]*["'\x60]))?`;

/**
 * The glue between a name and its value: `"key": `, `key=`, `\"key\":\"`, `key => `,
 * `key := `, `var key string = `, or a call's comma between quoted name and value
 * (`setProperty("KEY", "…")`).
 */
const ASSIGN = String.raw`(?:\\?["']?${TYPE}[ \t]*${OPERATOR}|\\?["'][ \t]*,(?=[ \t]*\\?["']))[ \t]*`;
const ASSIGN_QUOTED = String.raw`${ASSIGN}\\?["']?`;

/**
 * A value after ASSIGN: escaped-quoted, double-quoted, single-quoted, a quote left open
 * (a truncated line), a `${VAR}` or `{{ template }}` reference (kept), or bare.
 */
const VALUE = String.raw`(\\"(?:[^"\\\r\n]|\\[^"\r\n]){0,4096}\\"|"[^"\r\n]{0,4096}"|'[^'\r\n]{0,4096}'|\x60[^\x60\r\n]{0,4096}\x60|["'][^"'\r\n]{1,4096}|\$\{[^}\r\n]{1,256}\}|\{\{[^}\r\n]{1,256}\}\}|[^\s"'\\&,;<>(){}\[\]]{1,4096})`;

/**
 * PEM private keys, armour included. The second branch catches a key whose END line
 * was cut off (a truncated log line) by consuming the base64 body that follows.
 */
const privateKey: RedactionRule = {
  category: "private_key",
  keywords: ["private key"],
  multiline: true,
  pattern:
    /-----BEGIN[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{0,16384}?-----END[A-Z0-9 ]{0,30}PRIVATE KEY(?: BLOCK)?-----|(?:[A-Za-z0-9+/=\s:,-]|\\[nr]){0,16384})/g,
  // Armour around a few words (`anything`, nothing at all) is an example, not a key.
  replace: (m, hit) => {
    const body = m.text.replace(/-----(?:BEGIN|END)[^-]{0,60}-----/g, "");
    return (body.match(/[A-Za-z0-9+/]/g)?.length ?? 0) >= 32 ? hit("private_key") : undefined;
  },
};

/** Header and payload are base64url JSON, so both start with `ey` (`{"` or `{ "`). */
const jwt: RedactionRule = {
  category: "jwt",
  keywords: ["eyj", "eya"],
  pattern: /\bey[JA][A-Za-z0-9_-]{9,4096}\.ey[A-Za-z0-9_-]{10,8192}\.[A-Za-z0-9_-]{0,4096}/g,
  replace: unlessPlaceholder("jwt"),
};

/** The path is the secret; keeping the host says which integration leaked. */
const slackWebhook: RedactionRule = {
  category: "slack_webhook",
  keywords: ["hooks.slack.com"],
  pattern: /(\bhooks\.slack\.com\/(?:services|workflows|triggers)\/)([A-Za-z0-9_/-]{8,512})/g,
  replace: (m, hit) => replaceGroup(m, 1, "slack_webhook", hit),
};

/** Bot, user, app-level, refresh (xoxe) and config tokens. */
const slackToken: RedactionRule = {
  category: "slack_token",
  keywords: ["xox", "xapp-"],
  pattern:
    /\b(?:xox[abposre](?:\.xox[abposre])?|xapp)-[A-Za-z0-9]{1,300}(?:-[A-Za-z0-9]{1,300}){1,8}/g,
  // Real tokens carry numeric team/user ids: `xoxb-12345-abcd` and `xoxb-my-bot-token` are
  // examples, and `xoxo-indieweb-1.jpg` a file name.
  replace: (m, hit) =>
    m.text.length >= 24 && /[0-9]{4}/.test(m.text) && !isPlaceholderSecret(m.text)
      ? hit("slack_token")
      : undefined,
};

const githubToken: RedactionRule = {
  category: "github_token",
  keywords: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
  // Classic tokens are 36 characters after the prefix; 30 already leaves no doubt, and
  // catches one that lost its last characters to a cut without a mark.
  pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,251}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])/g,
  replace: unlessPlaceholder("github_token"),
};

/** Secret and restricted keys and webhook signing secrets; `pk_` keys are public. */
const stripeKey: RedactionRule = {
  category: "stripe_key",
  keywords: ["sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"],
  pattern: /\b(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,247}|whsec_[A-Za-z0-9+/=]{24,128})\b/g,
  replace: unlessPlaceholder("stripe_key"),
};

const linearApiKey: RedactionRule = {
  category: "linear_api_key",
  keywords: ["lin_api_", "lin_oauth_"],
  pattern: /\blin_(?:api|oauth)_[A-Za-z0-9]{32,128}\b/g,
  replace: unlessPlaceholder("linear_api_key"),
};

/** Org (sntrys_, base64 with `_` separators) and user (sntryu_) auth tokens. */
const sentryPrefixedToken: RedactionRule = {
  category: "sentry_token",
  keywords: ["sntrys_", "sntryu_"],
  pattern: /\bsntry[su]_[A-Za-z0-9_+/=]{32,512}/g,
  replace: unlessPlaceholder("sentry_token"),
};

/** Older Sentry auth tokens are 64 hex characters, recognisable only by what precedes them. */
const sentryHexToken: RedactionRule = {
  category: "sentry_token",
  keywords: ["bearer", "token"],
  pattern:
    /(bearer[ \t]+|token\\?["']?[ \t]*(?:=>|[:=])?[ \t]*\\?["']?)([a-f0-9]{64})(?![a-z0-9])/gi,
  replace: (m, hit) => replaceGroup(m, 1, "sentry_token", hit),
};

const googleApiKey: RedactionRule = {
  category: "google_api_key",
  keywords: ["aiza"],
  pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
  replace: unlessPlaceholder("google_api_key"),
};

/** Long-term (AKIA), STS temporary (ASIA) and legacy key ids. */
const awsAccessKeyId: RedactionRule = {
  category: "aws_access_key_id",
  keywords: ["a3t", "akia", "asia", "abia", "acca"],
  pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g,
  replace: unlessPlaceholder("aws_access_key_id"),
};

const awsSecretKeyAssigned: RedactionRule = {
  category: "aws_secret_key",
  keywords: ["secret"],
  pattern: new RegExp(
    `((?:aws_?secret_?(?:access_?)?key|secret_?access_?key)${ASSIGN_QUOTED})([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
    "gi",
  ),
  replace: (m, hit) => replaceGroup(m, 1, "aws_secret_key", hit),
};

/**
 * A bare 40-character base64 string on a line that mentions AWS or carries an access
 * key id. Commit SHAs are lower-case hex and log group names are paths, so the
 * candidate must mix cases and digits, not start a path, and look random.
 */
const awsSecretKeyInContext: RedactionRule = {
  category: "aws_secret_key",
  keywords: ["aws", "akia", "asia"],
  pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
  replace: (m, hit) =>
    looksLikeAwsSecret(m.text) && lineMentionsAws(m.input, m.offset)
      ? hit("aws_secret_key")
      : undefined,
};

/**
 * A bare 40-character key with no keyword near it. The line scan picks runs of exactly
 * 40 base64 characters mixing upper case, lower case and digits, so hex SHAs (one case)
 * never reach the regex; the candidate must then look random and not be a path.
 */
const awsSecretKeyBare: RedactionRule = {
  category: "aws_secret_key",
  scanLines: scanNumericLines,
  pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
  replace: (m, hit) =>
    looksLikeAwsSecret(m.text) && (m.text.match(/\//g)?.length ?? 0) <= 3
      ? hit("aws_secret_key")
      : undefined,
};

/** The keywords above gate lines for speed; this makes the same test part of the rule. */
function lineMentionsAws(input: string, offset: number): boolean {
  const start = input.lastIndexOf("\n", offset) + 1;
  const end = input.indexOf("\n", offset);
  return /aws|akia|asia/i.test(input.slice(start, end === -1 ? undefined : end));
}

function looksLikeAwsSecret(candidate: string): boolean {
  if (candidate.startsWith("/") || candidate.endsWith("/") || candidate.includes("//")) {
    return false;
  }
  if (!/[A-Z]/.test(candidate) || !/[a-z]/.test(candidate) || !/[0-9]/.test(candidate)) {
    return false;
  }
  return entropy(candidate) >= 4.2;
}

/** `scheme://user:password@host` — keep scheme, user and host; the password goes. */
const urlPassword: RedactionRule = {
  category: "password",
  keywords: ["://"],
  pattern: /(:\/\/[^\s:/@"'<>]{0,256}:)([^\s@/"'<>]{1,256})(@)/g,
  replace: (m, hit) => replaceGroup(m, 1, "password", hit),
};

/** Schemes whose credential is one token; anything else is redacted to the line end. */
const AUTH_SCHEMES = "bearer|basic|token|apikey|api-key|sso-key|key";

const authorizationHeader: RedactionRule = {
  category: "authorization",
  keywords: ["authorization"],
  pattern: new RegExp(
    String.raw`\b((?:proxy-)?authorization${ASSIGN_QUOTED})(?:(${AUTH_SCHEMES})([ \t]+)([^\s"'\\,;)}\]]{1,4096})|([^\r\n"'\\]{1,4096}))`,
    "gi",
  ),
  replace: (m, hit) => {
    const [prefix, scheme, space, credential, other] = m.groups;
    if (credential !== undefined) {
      if (isNotASecret(credential)) return undefined;
      const category = scheme?.toLowerCase() === "bearer" ? "bearer_token" : "authorization";
      return `${prefix}${scheme}${space}${hit(category)}`;
    }
    if (other === undefined || isNotASecret(other)) return undefined;
    return `${prefix}${hit("authorization")}`;
  },
};

/** `Bearer <token>` outside a header; prose ("bearer token expired") has no digits. */
const bearerToken: RedactionRule = {
  category: "bearer_token",
  keywords: ["bearer"],
  pattern: /\b(bearer[ \t]+)([A-Za-z0-9._~+/-]{8,4096}=*)/gi,
  replace: (m, hit) =>
    /[0-9]/.test(m.groups[1] ?? "") ? replaceGroup(m, 1, "bearer_token", hit) : undefined,
};

/** Set-Cookie attributes are not secrets and say how the cookie was scoped. */
const COOKIE_ATTRIBUTES = new Set([
  "path",
  "domain",
  "expires",
  "max-age",
  "samesite",
  "secure",
  "httponly",
  "partitioned",
  "priority",
]);

/** Cookie and Set-Cookie values: each cookie's value goes, names and attributes stay. */
const cookieHeader: RedactionRule = {
  category: "cookie",
  keywords: ["cookie"],
  pattern: new RegExp(String.raw`\b((?:set-)?cookie${ASSIGN_QUOTED})([^\r\n"'\\]{1,8192})`, "gi"),
  replace: (m, hit) => {
    const [prefix, value] = m.groups;
    if (value === undefined || isNotASecret(value)) return undefined;
    const parts = value.split(";").map((part) => redactCookiePart(part, hit));
    return `${prefix}${parts.join(";")}`;
  },
};

function redactCookiePart(part: string, hit: Hit): string {
  const eq = part.indexOf("=");
  const name = (eq === -1 ? part : part.slice(0, eq)).trim();
  if (COOKIE_ATTRIBUTES.has(name.toLowerCase())) return part;
  if (eq === -1) {
    if (isNotASecret(name)) return part;
    const lead = part.slice(0, part.length - part.trimStart().length);
    return `${lead}${hit("cookie")}`;
  }
  const value = part.slice(eq + 1);
  if (isNotASecret(value)) return part;
  return `${part.slice(0, eq + 1)}${hit("cookie")}`;
}

/**
 * `password=…`, `"apiKey": "…"`, `x-api-key: …`, `client_secret=…`, `?token=…`. The name
 * may carry any prefix (`DB_PASSWORD`, `PGPASSWORD`, `csrf_token`) but must be followed by
 * an assignment, so `tokens: 512` and `password reset` are left alone.
 */
const assignedSecret: RedactionRule = {
  category: "api_key",
  keywords: ["key", "token", "secret", "pass", "signature"],
  pattern: new RegExp(
    `((?:api[_-]?key|apikey|access[_-]?key|secret[_-]?key(?:[_-]?base)?|private[_-]?key|signature|token|secret|password|passwd|passphrase)\\d{0,3}${ASSIGN})${VALUE}`,
    "gi",
  ),
  replace: (m, hit) => {
    const [prefix, value] = m.groups;
    if (prefix === undefined || value === undefined) return undefined;
    const [open, inner, close] = unquote(value);
    if (isNotASecret(inner) || isTypeAnnotation(m, prefix, open)) return undefined;
    // Too short to be a credential (`Password=0`, `secretKey: foo`), or a shell command
    // substitution (`` `vault read …` ``).
    if (inner.length < 4 || (open === "`" && /\s/.test(inner))) return undefined;
    // Code, not a credential: the quoted text is itself an assignment (`"token = "`).
    if (/\s=(?:\s|$)/.test(inner) || namesAPublicValue(m) || looksLikeAName(prefix, inner)) {
      return undefined;
    }
    // After a comma (`setProperty("API_TOKEN", "…")`) only a random-looking value counts:
    // `["password", "email"]` is a list of field names, `getenv("TOKEN", "none")` a default.
    if (
      /,[ \t]*$/.test(prefix) &&
      !(inner.length >= 8 && /[0-9]/.test(inner) && /[A-Za-z]/.test(inner))
    ) {
      return undefined;
    }
    return `${prefix}${open}${hit(assignedCategory(prefix))}${close}`;
  },
};

/** `publicKey`, `public_token`, `publishableKey`: published by design. */
function namesAPublicValue(m: RuleMatch): boolean {
  return /(?:public|publishable)[_-]?$/i.test(m.input.slice(Math.max(0, m.offset - 12), m.offset));
}

/**
 * A value that names something rather than being a credential: a package coordinate
 * with a version (`jjwt-jackson-0.11.2`), or, outside password fields, a kebab-case name
 * (`secretKey: api-key` in a Kubernetes ExternalSecret).
 */
function looksLikeAName(prefix: string, value: string): boolean {
  if (/^[A-Za-z][\w.-]*[-:@]v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?$/.test(value)) return true;
  return !/pass/i.test(prefix) && /^[a-z]+(?:-[a-z]+)+$/.test(value);
}

/**
 * `const apiKey: ApiKey = …` or `token: string;` in code quoted into a PR body or a
 * diff artifact: a type, not a value. YAML's `token: abc123` has no initializer after it.
 */
function isTypeAnnotation(m: RuleMatch, prefix: string, quote: string): boolean {
  if (quote !== "" || !/:[ \t]*$/.test(prefix)) return false;
  const value = m.groups[1] ?? "";
  if (/^(?:string|number|boolean|bigint|unknown|any|object|never|void)$/.test(value)) {
    return /^[ \t]*(?:[;,)=|]|$)/.test(m.input.slice(m.offset + m.text.length));
  }
  const after = m.input.slice(m.offset + m.text.length, m.offset + m.text.length + 4);
  return /^[A-Z][\w$.]*$/.test(value) && /^[ \t]*=(?![=>])/.test(after);
}

function assignedCategory(name: string): string {
  const lower = name.toLowerCase();
  if (lower.includes("pass")) return "password";
  if (lower.includes("secret") || lower.includes("private")) return "secret";
  return "api_key";
}

/**
 * The rules whose keywords are the literal start of the token they match: a truncated or
 * line-split token is recognised by the same prefixes (redaction-rules-fragments.ts).
 */
export const PREFIXED_SECRET_RULES: readonly RedactionRule[] = [
  slackToken,
  githubToken,
  stripeKey,
  linearApiKey,
  sentryPrefixedToken,
  googleApiKey,
  awsAccessKeyId,
];

export const SECRET_RULES: readonly RedactionRule[] = [
  privateKey,
  jwt,
  slackWebhook,
  slackToken,
  githubToken,
  stripeKey,
  linearApiKey,
  sentryPrefixedToken,
  sentryHexToken,
  googleApiKey,
  awsAccessKeyId,
  awsSecretKeyAssigned,
  awsSecretKeyInContext,
  urlPassword,
  authorizationHeader,
  bearerToken,
  cookieHeader,
  assignedSecret,
  // Last: a value under a name is categorised by the name first.
  awsSecretKeyBare,
];
