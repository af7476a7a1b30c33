/**
 * Credentials recognisable by their own shape, whatever surrounds them: vendor tokens with
 * a registered prefix (shapes from gitleaks' default rules, cmd/generate/config/rules),
 * base64-wrapped JWTs, webhook URLs whose path is the secret, `curl -u user:password`,
 * and secrets held in XML elements and `key=… value=…` attribute pairs.
 *
 * Every pattern is linear: one literal prefix, then bounded character classes.
 */

import { sensitiveKeyCategory } from "./redaction-keys.ts";
import {
  type Hit,
  isNotASecret,
  isPlaceholderSecret,
  type RedactionRule,
  type RuleMatch,
  replaceGroup,
} from "./redaction-rule-kit.ts";

/**
 * Vendor token shapes: `[keywords, shape]`. The keywords (space-separated, lower-case,
 * for the prefilter) are the literal starts the shape can have; the shape is the whole
 * token, prefix included.
 */
const PREFIXED_SHAPES: readonly (readonly [keyword: string, shape: string])[] = [
  // OpenAI project, service-account and admin keys, and the older `sk-…T3BlbkFJ…`.
  ["sk-", "sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,300}"],
  ["sk-", "sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"],
  ["sk-", String.raw`sk-(?:ant-(?:api|admin|sid)\d{2}-)?[A-Za-z0-9_-]{40,300}`],
  ["npm_", "npm_[A-Za-z0-9]{36}"],
  // GitLab: personal, OAuth, deploy, runner, CI job, trigger, feed, mail, agent, SCIM,
  // feature-flag tokens, and runner registration tokens.
  [
    "glpat- gloas- gldt- glrt- glcbt- glptt- glft- glimt- glagent- glsoat- glffct-",
    String.raw`gl(?:pat|oas|dt|rt|cbt|ptt|ft|imt|agent|soat|ffct)-[A-Za-z0-9_-]{20,300}(?:\.[0-9a-z]{9})?`,
  ],
  ["gr1348941", String.raw`GR1348941[\w-]{20}`],
  ["hf_", "hf_[A-Za-z]{34}"],
  ["api_org_", "api_org_[A-Za-z]{34}"],
  ["p8e-", "p8e-[A-Za-z0-9]{32}"],
  ["ltai", "LTAI[A-Za-z0-9]{20}"],
  ["akcp", "AKCp[A-Za-z0-9]{69}"],
  ["cmvmd", "cmVmd[A-Za-z0-9]{59}"],
  ["eaam eaac", "EAA[MC][A-Za-z0-9]{100,1024}"],
  ["ntn_", "ntn_[0-9]{11}[A-Za-z0-9]{35}"],
  ["sgp_", "sgp_(?:(?:[a-fA-F0-9]{16}|local)_)?[a-fA-F0-9]{40}"],
  ["s-s4t2", "s-s4t2(?:ud|af)-[a-fA-F0-9]{64}"],
  ["pypi-", String.raw`pypi-AgEIcHlwaS5vcmc[\w-]{50,1000}`],
  ["dop_v1_ doo_v1_ dor_v1_", "do[opr]_v1_[a-f0-9]{64}"],
  ["shpat_ shpca_ shppa_ shpss_", "shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"],
  ["xai-", "xai-[A-Za-z0-9]{80}"],
  ["age-secret-key-1", "AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"],
  ["pscale_", String.raw`pscale_(?:tkn|pw|oauth)_[\w=.-]{32,64}`],
  ["sg.", String.raw`SG\.[\w-]{22}\.[\w-]{43}`],
  ["dp.", String.raw`dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}`],
  ["hvs. hvb.", String.raw`hv[sb]\.[\w-]{90,300}`],
  ["fo1_", String.raw`fo1_[\w-]{43}`],
  ["glc_ glsa_", "gl(?:c|sa)_[A-Za-z0-9+/_=-]{32,400}"],
  ["ezak eztk", "EZ[AT]K[A-Za-z0-9]{54}"],
  ["shippo_", "shippo_(?:live|test)_[a-fA-F0-9]{40}"],
  ["rdme_", "rdme_[a-z0-9]{70}"],
  ["pplx-", "pplx-[A-Za-z0-9]{48}"],
  ["pnu_", "pnu_[A-Za-z0-9]{36}"],
  ["dapi", String.raw`dapi[a-f0-9]{32}(?:-\d)?`],
  ["ops_eyj", "ops_eyJ[A-Za-z0-9+/=]{250,4096}"],
  [
    "a3-",
    "A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
  ],
  ["atatt3", "ATATT3[A-Za-z0-9_=-]{150,300}"],
  // Azure AD client secrets: three characters, a digit, `Q~`, then 31–34 more.
  ["q~", String.raw`[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}`],
  ["rubygems_", "rubygems_[a-f0-9]{48}"],
];

/** A random token mixes letters with digits or both cases; `sk-my-own-words-here` does not. */
function looksRandom(token: string): boolean {
  const mixed = /[0-9]/.test(token)
    ? /[A-Za-z]/.test(token)
    : /[a-z]/.test(token) && /[A-Z]/.test(token);
  return mixed && !isPlaceholderSecret(token);
}

const vendorToken: RedactionRule = {
  category: "api_key",
  keywords: [...new Set(PREFIXED_SHAPES.flatMap(([k]) => k.split(" ")))],
  pattern: new RegExp(
    `(?<![A-Za-z0-9_-])(?:${PREFIXED_SHAPES.map(([, s]) => s).join("|")})(?![A-Za-z0-9_-])`,
    "g",
  ),
  replace: (m, hit) => (looksRandom(m.text) ? hit("api_key") : undefined),
};

/** A JWT wrapped in base64 (`ZXlK` is base64 for `eyJ`), as Kubernetes and CI configs hold them. */
const base64Jwt: RedactionRule = {
  category: "jwt",
  keywords: ["zxlk"],
  pattern: /(?<![A-Za-z0-9+/_-])ZXlK[A-Za-z0-9+/_-]{40,8192}={0,2}/g,
  replace: (m, hit) => {
    const decoded = Buffer.from(m.text.slice(0, 400), "base64").toString("latin1");
    return /^eyJ[A-Za-z0-9_-]{8,}\.eyJ/.test(decoded) ? hit("jwt") : undefined;
  },
};

/**
 * URLs whose path or one parameter is the credential. Teams / Office 365 incoming
 * webhooks and Discord webhooks (`discord.com/api/webhooks/<id>/<token>`): whoever holds
 * the path can post, so it goes like a Slack webhook's. A shared access signature's `sig`
 * parameter (Azure SAS URLs, percent-encoded base64): the other parameters (`sv`, `se`,
 * `sp`) stay. One rule, so the keyword pass keeps room for every rule (see
 * redaction-rules.ts).
 */
const urlCredential: RedactionRule = {
  category: "slack_webhook",
  keywords: ["webhook.office.com", "discord", "sig="],
  pattern:
    /(\b[a-z0-9-]{1,64}\.webhook\.office\.com\/|\bdiscord(?:app)?\.com\/api(?:\/v\d{1,2})?\/webhooks\/|(?:^|[?&;\s])sig=)(webhookb2\/[A-Za-z0-9@/_-]{32,512}|[0-9]{17,20}\/[A-Za-z0-9_-]{60,68}(?![A-Za-z0-9_-])|[A-Za-z0-9%+/_=-]{16,512})/g,
  replace: (m, hit) => {
    const value = m.groups[1]!;
    if (!m.groups[0]!.endsWith("sig=")) {
      return /^(?:webhookb2\/|[0-9]{17})/.test(value)
        ? replaceGroup(m, 1, "slack_webhook", hit)
        : undefined;
    }
    // A signature is random: digits or escapes, or both cases (`sig=SIGTERM` is not one).
    return /[0-9%]/.test(value) || /[a-z][A-Z]|[A-Z][a-z]/.test(value)
      ? replaceGroup(m, 1, "api_key", hit)
      : undefined;
  },
};

/** `curl -u user:password` / `--user user:password`: the password goes, the user stays. */
const curlUser: RedactionRule = {
  category: "password",
  keywords: [" -u", "--user"],
  pattern: /((?:^|\s)(?:-u|--user)[ \t=]+["']?[^\s:"']{0,128}:)([^\s"']{1,256})/g,
  replace: (m, hit) => {
    if (m.text.includes("[REDACTED:")) return undefined;
    const line = commandBefore(m.input, m.offset);
    // `docker run -u 1000:1000` and `sort -u` are not credentials: only curl's `-u` is.
    const user = m.groups[0]!.replace(/^\s*(?:-u|--user)[ \t=]+["']?/, "");
    if (!/\bcurl\b/i.test(line) || /^\d+$/.test(m.groups[1] ?? "") || user.startsWith("<")) {
      return undefined;
    }
    return replaceGroup(m, 1, "password", hit);
  },
};

/** The shell command up to `offset`, following `\` line continuations back. */
function commandBefore(input: string, offset: number): string {
  let start = input.lastIndexOf("\n", offset - 1);
  for (let lines = 0; start > 0 && input[start - 1] === "\\" && lines < 20; lines++) {
    start = input.lastIndexOf("\n", start - 1);
  }
  return input.slice(start + 1, offset);
}

const SECRET_NAME = String.raw`[\w.:-]{0,60}(?:token|secret|password|passwd|api[_-]?key|apikey|access[_-]?key|private[_-]?key)[\w.:-]{0,60}`;

/**
 * `<apiToken>…</apiToken>`, the value on the same line or the next one (the element name
 * says what it holds; the tags stay).
 */
const xmlElementSecret: RedactionRule = {
  category: "secret",
  keywords: ["</"],
  multiline: true,
  pattern: new RegExp(
    String.raw`(<(${SECRET_NAME})>[ \t]*(?:\r?\n[ \t]*)?)([^<>\s]{4,4096})([ \t]*(?:\r?\n[ \t]*)?<\/\2>)`,
    "gi",
  ),
  replace: (m, hit) => replaceValue(m, m.groups[1]!, 2, hit, m.groups[0]!, m.groups[3]!),
};

/** `<add key="ClearTextPassword" value="…"/>`, `<entry name="apiToken" value="…">`. */
const keyValueAttribute: RedactionRule = {
  category: "secret",
  keywords: ["value="],
  pattern: new RegExp(
    String.raw`((?:key|name)\s*=\s*["']${SECRET_NAME}["']\s+value\s*=\s*["'])([^"'\r\n]{1,4096})(["'])`,
    "gi",
  ),
  replace: (m, hit) =>
    replaceValue(
      m,
      /["']([^"']*)["']/.exec(m.groups[0]!)?.[1] ?? "",
      1,
      hit,
      m.groups[0]!,
      m.groups[2]!,
    ),
};

/**
 * The match with its value group replaced, when `name` is a secret's name by its ending
 * (`apiToken`, `ClearTextPassword`; not `UserSecretsId`) and the value is not inert.
 */
function replaceValue(
  m: RuleMatch,
  name: string,
  index: number,
  hit: Hit,
  before: string,
  after: string,
): string | undefined {
  const value = m.groups[index];
  const category = sensitiveKeyCategory(name);
  if (category === undefined || value === undefined) return undefined;
  if (isNotASecret(value) || value.length < 4) return undefined;
  return `${before}${hit(category)}${after}`;
}

/** Vendor tokens by literal prefix, for the fragment rules (redaction-rules-fragments.ts). */
export const PREFIXED_VENDOR_RULES: readonly RedactionRule[] = [vendorToken];

export const VENDOR_RULES: readonly RedactionRule[] = [
  vendorToken,
  base64Jwt,
  urlCredential,
  curlUser,
  keyValueAttribute,
];

export const VENDOR_MULTILINE_RULES: readonly RedactionRule[] = [xmlElementSecret];
