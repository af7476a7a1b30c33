/**
 * Field names whose values are secret whatever they look like. Structured payloads
 * (headers objects, SDK configs, audit events) carry `{ password: "hunter2" }`, where the
 * value alone has nothing a text rule could recognise; the name is the evidence.
 */
import { isInertValue } from "./redaction-rule-kit.ts";

/** Normalised name suffix → category. Longer suffixes first. */
const SENSITIVE_SUFFIXES: readonly (readonly [suffix: string, category: string])[] = [
  ["secretaccesskey", "aws_secret_key"],
  ["authorization", "authorization"],
  ["passphrase", "password"],
  ["privatekey", "private_key"],
  ["credentials", "secret"],
  ["credential", "secret"],
  ["password", "password"],
  ["setcookie", "cookie"],
  ["sessionid", "cookie"],
  ["accesskey", "api_key"],
  ["secretkey", "secret"],
  ["passwd", "password"],
  ["cookie", "cookie"],
  ["secret", "secret"],
  ["apikey", "api_key"],
  ["token", "api_key"],
];

/**
 * The category of a field whose value must be withheld, or `undefined`. Matches on the
 * end of the normalised name, so `dbPassword`, `x-api-key`, `client_secret` and
 * `AWS_SECRET_ACCESS_KEY` match while `tokenCount`, `secretName` and `max_tokens` don't.
 */
export function sensitiveKeyCategory(key: string): string | undefined {
  const normalised = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  for (const [suffix, category] of SENSITIVE_SUFFIXES) {
    if (normalised.endsWith(suffix)) return category;
  }
  return undefined;
}

const AUTH_SCHEME = /^(bearer|basic|token|digest|apikey)([ \t]+)(.*)$/is;

/**
 * The withheld form of a scalar under a sensitive field: its placeholder, keeping an
 * Authorization scheme (`Bearer [REDACTED:bearer_token]`). Inert values stay.
 */
export function redactSensitiveScalar(
  value: string,
  category: string,
  hit: (category: string) => string,
): string {
  if (isInertValue(value)) return value;
  if (category === "authorization") {
    const scheme = AUTH_SCHEME.exec(value);
    if (scheme) {
      const [, name = "", space = "", credential = ""] = scheme;
      if (isInertValue(credential)) return value;
      const kind = name.toLowerCase() === "bearer" ? "bearer_token" : "authorization";
      return `${name}${space}${hit(kind)}`;
    }
  }
  return hit(category);
}
