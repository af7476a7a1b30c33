import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng, FAKE } from "./__corpus__/fake-secrets.ts";
import { cleanLine, secretLine } from "./__corpus__/log-lines.ts";
import { createRedactor, defaultRedactor, redact, redactValue } from "./redact.ts";

const exhaustive = createRedactor({ exhaustive: true });

/** Secrets a property can plant, each in the minimal context that makes it a secret. */
const PLANTABLE: Record<string, (seed: number) => { secret: string; text: string }> = {
  ...Object.fromEntries(
    (
      [
        "slackBotToken",
        "slackUserToken",
        "slackAppToken",
        "githubClassic",
        "githubFineGrained",
        "awsAccessKeyId",
        "stripeKey",
        "linearApiKey",
        "sentryOrgToken",
        "sentryUserToken",
        "googleApiKey",
        "jwt",
        "pemPrivateKey",
        "email",
        "phoneInternational",
        "phoneNational",
        "cardNumber",
        "iban",
      ] as const
    ).map((kind) => [
      kind,
      (seed: number) => {
        const secret = FAKE[kind](createRng(seed));
        return { secret, text: secret };
      },
    ]),
  ),
  awsSecretKey: (seed) => {
    const secret = FAKE.awsSecretKey(createRng(seed));
    return { secret, text: `aws_secret_access_key=${secret}` };
  },
  sentryHexToken: (seed) => {
    const secret = FAKE.sentryHexToken(createRng(seed));
    return { secret, text: `Bearer ${secret}` };
  },
  password: (seed) => {
    const secret = FAKE.password(createRng(seed));
    return { secret, text: `postgres://app:${secret}@db:5432/app` };
  },
  apiKey: (seed) => {
    const secret = FAKE.apiKey(createRng(seed));
    return { secret, text: `"apiKey": "${secret}"` };
  },
  slackWebhook: (seed) => {
    const secret = FAKE.slackWebhookPath(createRng(seed));
    return { secret, text: `https://hooks.slack.com/services/${secret}` };
  },
};

const logWord = fc.oneof(
  fc.constantFrom(
    "INFO",
    "ERROR",
    "req_id=req_01HF3Z8K",
    "GET",
    "/api/v1/users",
    "200",
    "2024-10-01T12:00:00.000Z",
    "at",
    "aws",
    "token",
    "user",
    "id=42",
    "trace=550e8400-e29b-41d4-a716-446655440000",
    "v1.2.3",
    "sha=3f2a9c1",
    "{",
    "}",
    '"',
    "\n",
  ),
  fc.stringMatching(/^[a-z0-9_.:/-]{1,12}$/),
);
const surrounding = fc.array(logWord, { maxLength: 12 }).map((words) => words.join(" "));

describe("properties", () => {
  it("a planted secret never survives, whatever log text surrounds it", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(PLANTABLE)),
        fc.integer(),
        surrounding,
        surrounding,
        (kind, seed, before, after) => {
          const { secret, text } = PLANTABLE[kind]!(seed);
          const out = redact(`${before} ${text} ${after}`);
          expect(out.text).not.toContain(secret);
          expect(Object.keys(out.summary).length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("redaction is idempotent on arbitrary and log-like text", () => {
    const logText = fc.tuple(fc.integer(), fc.integer({ min: 1, max: 30 })).map(([seed, lines]) => {
      const rng = createRng(seed);
      return Array.from({ length: lines }, () =>
        rng() < 0.5 ? secretLine(rng) : cleanLine(rng),
      ).join("\n");
    });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), logText), (text) => {
        const once = redact(text);
        expect(redact(once.text)).toEqual({ text: once.text, summary: {} });
      }),
      { numRuns: 400 },
    );
  });

  it("the prefilter never changes a result on random log text", () => {
    fc.assert(
      fc.property(fc.integer(), surrounding, (seed, noise) => {
        const rng = createRng(seed);
        const text = [secretLine(rng), noise, cleanLine(rng), secretLine(rng)].join("\n");
        expect(defaultRedactor.redact(text)).toEqual(exhaustive.redact(text));
      }),
      { numRuns: 200 },
    );
  });

  it("the numeric line scan never hides a card, phone or IBAN the rules would find", () => {
    const piece = fc.oneof(
      fc.constantFrom(..."0123456789 -.()ADEGBx=\n".split("")),
      fc.integer().map((seed) => FAKE.cardNumber(createRng(seed))),
      fc.integer().map((seed) => FAKE.phoneNational(createRng(seed))),
      fc.integer().map((seed) => FAKE.iban(createRng(seed))),
      fc.constantFrom("1 ", "+1 ", "2024-10-01 ", "1727784000123", "4111 1111 1111 1111"),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join("");
        expect(defaultRedactor.redact(text)).toEqual(exhaustive.redact(text));
      }),
      { numRuns: 1000 },
    );
  });

  it("never throws, on any value", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const out = redactValue(value);
        expect(typeof out.summary).toBe("object");
        expect(typeof redact(value as string).text).toBe("string");
      }),
      { numRuns: 300 },
    );
  });
});

/** Fragments that, glued together without separators, make findings touch and overlap. */
const fragment = fc.oneof(
  fc.constantFrom(..."0123456789 -.()ADEGBxZ=+@:/_\n\t\"'".split("")),
  fc.integer().map((seed) => FAKE.cardNumber(createRng(seed))),
  fc.integer().map((seed) => FAKE.phoneNational(createRng(seed))),
  fc.integer().map((seed) => FAKE.phoneInternational(createRng(seed))),
  fc.integer().map((seed) => FAKE.iban(createRng(seed))),
  fc.integer().map((seed) => FAKE.email(createRng(seed))),
  fc.integer().map((seed) => FAKE.slackBotToken(createRng(seed))),
  fc.integer().map((seed) => FAKE.jwt(createRng(seed))),
  fc.integer().map((seed) => FAKE.awsSecretKey(createRng(seed))),
  fc.constantFrom(
    "Cookie: ",
    "; ",
    "Authorization: ",
    "Bearer ",
    "password",
    "apiKey",
    "=",
    ": ",
    "aws ",
    "tel:",
    "://u:p@h",
    "-----BEGIN PRIVATE KEY-----",
    "[REDACTED:email]",
    "1 ",
    "+1 ",
    "2024-10-01 ",
    "1727784000123",
  ),
);

describe("properties of glued fragments", () => {
  it("one pass reaches a fixed point, and the prefilter changes nothing", () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 50 }), (fragments) => {
        const text = fragments.join("");
        const once = defaultRedactor.redact(text);
        expect(once).toEqual(exhaustive.redact(text));
        expect(defaultRedactor.redact(once.text)).toEqual({ text: once.text, summary: {} });
      }),
      { numRuns: 1500 },
    );
  });
});
