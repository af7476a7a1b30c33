import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { KEEP_CASES, RECALL_CASES } from "./__corpus__/cases.ts";
import { createRng, FAKE } from "./__corpus__/fake-secrets.ts";
import { cleanLine, generateLogText, secretLine } from "./__corpus__/log-lines.ts";
import {
  createRedactor,
  defaultRedactor,
  REDACTION_CATEGORIES,
  redact,
  redactValue,
} from "./redact.ts";
import { touchesPlaceholder } from "./redaction-categories.ts";

const exhaustive = createRedactor({ exhaustive: true });
const PLACEHOLDER = /\[REDACTED:([a-z0-9_]+)\]/g;

describe("recall: each category is found, with its count", () => {
  it.each(RECALL_CASES)("$name", ({ text, expect: summary, secrets, keeps }) => {
    const out = redact(text);
    expect(out.summary).toEqual(summary);
    for (const secret of secrets) expect(out.text).not.toContain(secret);
    for (const kept of keeps ?? []) expect(out.text).toContain(kept);
    expect(redact(out.text)).toEqual({ text: out.text, summary: {} });
  });

  it("covers every built-in category except the failure marker", () => {
    const seen = new Set(RECALL_CASES.flatMap((c) => Object.keys(c.expect)));
    const expected = REDACTION_CATEGORIES.filter((c) => c !== "redactor_error");
    expect([...seen].sort()).toEqual([...expected].sort());
  });
});

describe("precision: what triage needs passes through unchanged", () => {
  it.each(KEEP_CASES)("$name", ({ text }) => {
    expect(redact(text)).toEqual({ text, summary: {} });
  });
});

describe("placeholders and categories", () => {
  it("name a listed, snake_case category that the summary counts", () => {
    expect(new Set(REDACTION_CATEGORIES).size).toBe(REDACTION_CATEGORIES.length);
    for (const category of REDACTION_CATEGORIES) expect(category).toMatch(/^[a-z][a-z0-9_]*$/);
    for (const { text } of RECALL_CASES) {
      const out = redact(text);
      const named = [...out.text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
      for (const category of named) expect(REDACTION_CATEGORIES).toContain(category);
      for (const category of named) expect(out.summary[category]).toBeGreaterThan(0);
      // Equal, except where a header value swallowed an inner finding (SigV4's key id).
      const total = Object.values(out.summary).reduce((a, b) => a + b, 0);
      expect(named.length).toBeGreaterThan(0);
      expect(named.length).toBeLessThanOrEqual(total);
    }
  });

  it("a placeholder written by hand is left alone and not counted", () => {
    const text = "token=[REDACTED:slack_token] Authorization: Bearer [REDACTED:jwt]";
    expect(redact(text)).toEqual({ text, summary: {} });
  });
});

describe("keyword prefilter", () => {
  it("gives exactly the result of running every rule over the whole text", () => {
    const texts = [
      ...RECALL_CASES.map((c) => c.text),
      ...KEEP_CASES.map((c) => c.text),
      generateLogText(200_000, 7, 0.2),
    ];
    for (const text of texts) expect(defaultRedactor.redact(text)).toEqual(exhaustive.redact(text));
  });

  it("matches keywords in any ASCII case and across many lines", () => {
    const rng = createRng(3);
    const token = FAKE.githubClassic(rng);
    const text = `${"clean line\n".repeat(500)}Authorization: BEARER ${token}\nPassword=${"hunter2x"}\n`;
    const out = redact(text);
    expect(out.summary).toEqual({ github_token: 1, password: 1 });
    expect(out.text.startsWith("clean line\n".repeat(500))).toBe(true);
  });

  it("falls back correctly when the text holds non-ASCII characters", () => {
    const email = FAKE.email(createRng(5));
    const text = `İstanbul ünïcödé ✓ 🚀 contact ${email} Ω`;
    const out = redact(text);
    expect(out.summary).toEqual({ email: 1 });
    expect(out.text).toBe("İstanbul ünïcödé ✓ 🚀 contact [REDACTED:email] Ω");
  });
});

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

describe("robustness", () => {
  it("withholds the whole text instead of throwing when the input misbehaves", () => {
    const hostile = {
      toString() {
        throw new Error("boom");
      },
    };
    expect(redact(hostile as unknown as string)).toEqual({
      text: "[REDACTED:redactor_error]",
      summary: { redactor_error: 1 },
    });
    expect(redact(undefined as unknown as string)).toEqual({ text: "", summary: {} });
  });

  it.each([
    ["a long local part with no domain", `${"a".repeat(200_000)}@`],
    ["digits and separators", "1 2-3.".repeat(60_000)],
    ["plus signs and digits", "+1 ".repeat(100_000)],
    ["repeated assignments", "password=".repeat(40_000)],
    ["an unterminated PEM block", `-----BEGIN PRIVATE KEY-----\n${"A".repeat(300_000)}`],
    ["JWT-like segments without the third part", "eyJhbGciOiJIUzI1NiJ9.".repeat(20_000)],
    ["uppercase letters and digits", "AB12CD34".repeat(50_000)],
    ["one enormous line of base64", "wJalrXUtnFEMIK7MDENGbPxRfiCY/aws+".repeat(30_000)],
  ])("stays linear on adversarial input: %s", (_name, text) => {
    const start = performance.now();
    redact(text);
    expect(performance.now() - start).toBeLessThan(3_000);
  });
});

describe("deployment extra patterns", () => {
  const redactor = createRedactor({
    extraPatterns: [
      { category: "customer_id", pattern: /\bcus_[A-Za-z0-9]{14}\b/ },
      { category: "kyc_ref", pattern: "KYC-\\d{8}" },
    ],
  });

  it("are found before the built-ins, counted under their own category", () => {
    const out = redactor.redact("refund cus_A1b2C3d4E5f6G7 (KYC-20241001) for jane@example.com");
    expect(out).toEqual({
      text: "refund [REDACTED:customer_id] ([REDACTED:kyc_ref]) for [REDACTED:email]",
      summary: { customer_id: 1, kyc_ref: 1, email: 1 },
    });
    expect(defaultRedactor.redact("cus_A1b2C3d4E5f6G7").summary).toEqual({});
  });

  it("never eat a placeholder, so a broad pattern stays idempotent", () => {
    const broad = createRedactor({ extraPatterns: [{ category: "code", pattern: /[A-Z]{4,}/ }] });
    const once = broad.redact("ref ABCDEF and token=hunter2abc");
    expect(once.text).toBe("ref [REDACTED:code] and token=[REDACTED:api_key]");
    expect(broad.redact(once.text)).toEqual({ text: once.text, summary: {} });
  });

  it("are refused with bad_input when the category or pattern is unusable", () => {
    const refuses = (category: string, pattern: RegExp | string) => {
      try {
        createRedactor({ extraPatterns: [{ category, pattern }] });
      } catch (error) {
        return error instanceof AppError && error.code === ErrorCode.BadInput;
      }
      return false;
    };
    expect(refuses("Customer ID", /cus_\w+/)).toBe(true);
    expect(refuses("customer_id", /x*/)).toBe(true);
    expect(refuses("customer_id", "(unclosed")).toBe(true);
    expect(refuses("customer_id", /cus_\w+/)).toBe(false);
  });

  it("can be passed to redact() directly; an invalid set withholds the text", () => {
    const extraPatterns = [{ category: "account_no", pattern: /ACC\d{6}/ }];
    expect(redact("acct ACC123456", { extraPatterns }).text).toBe("acct [REDACTED:account_no]");
    expect(
      redact("acct ACC123456", { extraPatterns: [{ category: "Bad", pattern: /x/ }] }),
    ).toEqual({ text: "[REDACTED:redactor_error]", summary: { redactor_error: 1 } });
  });
});

describe("redactValue", () => {
  it("redacts strings deep inside objects and arrays, keys included", () => {
    const email = FAKE.email(createRng(11));
    const input = {
      event: "signup",
      user: { contacts: [email, "n/a"], [email]: true },
      count: 3,
      at: new Date(0),
    };
    const { value, summary } = redactValue(input);
    expect(value).toEqual({
      event: "signup",
      user: { contacts: ["[REDACTED:email]", "n/a"], "[REDACTED:email]": true },
      count: 3,
      at: new Date(0),
    });
    expect(summary).toEqual({ email: 2 });
    expect(input.user.contacts[0]).toBe(email);
  });

  it("withholds values under sensitive field names whatever they look like", () => {
    const { value, summary } = redactValue({
      password: "hunter2",
      dbPassword: 1234,
      headers: {
        authorization: "Bearer opaque",
        "x-api-key": "abc",
        cookie: "a=b",
        "user-agent": "curl/8",
      },
      AWS_SECRET_ACCESS_KEY: "short",
      client_secret: "s",
      tokenCount: 12,
      max_tokens: 100,
      secretName: "prod/db",
      apiKey: null,
    });
    expect(value).toEqual({
      password: "[REDACTED:password]",
      dbPassword: "[REDACTED:password]",
      headers: {
        authorization: "Bearer [REDACTED:bearer_token]",
        "x-api-key": "[REDACTED:api_key]",
        cookie: "[REDACTED:cookie]",
        "user-agent": "curl/8",
      },
      AWS_SECRET_ACCESS_KEY: "[REDACTED:aws_secret_key]",
      client_secret: "[REDACTED:secret]",
      tokenCount: 12,
      max_tokens: 100,
      secretName: "prod/db",
      apiKey: null,
    });
    expect(summary).toEqual({
      password: 2,
      bearer_token: 1,
      api_key: 1,
      cookie: 1,
      aws_secret_key: 1,
      secret: 1,
    });
    expect(redactValue(value)).toEqual({ value, summary: {} });
  });

  it("handles cycles, depth, errors and toJSON without throwing", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    expect(redactValue(cyclic).value).toEqual({ name: "loop", self: "[Circular]" });

    let deep: unknown = "leaf";
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(JSON.stringify(redactValue(deep).value)).toContain("[Truncated]");

    const error = new Error(`lookup failed for ${"ops"}@example.com`);
    const out = redactValue({ err: error }).value as { err: Record<string, string> };
    expect(out.err.name).toBe("Error");
    expect(out.err.message).toBe("lookup failed for [REDACTED:email]");
    expect(out.err.stack).not.toContain("@example.com");

    class Masked {
      toJSON() {
        return "**********";
      }
    }
    expect(redactValue({ token: new Masked() }).value).toEqual({ token: "**********" });
  });
});

describe("findings (for the lint)", () => {
  it("locates each finding on its line, and lines after a PEM block stay true", () => {
    const rng = createRng(21);
    const text = [
      "# Runbook",
      `contact ${FAKE.email(rng)} or ${FAKE.phoneInternational(rng)}`,
      FAKE.pemPrivateKey(rng),
      "clean",
      `token=${FAKE.slackBotToken(rng)}`,
    ].join("\n");
    expect(defaultRedactor.findings(text)).toEqual([
      { category: "email", line: 2 },
      { category: "phone", line: 2 },
      { category: "private_key", line: 3 },
      { category: "slack_token", line: 14 },
    ]);
    expect(defaultRedactor.findings("nothing to see\nhere")).toEqual([]);
  });
});

describe("touchesPlaceholder", () => {
  const text = "ab [REDACTED:code] cd";
  it.each([
    [0, 2, false],
    [3, 4, true],
    [4, 12, true],
    [10, 20, true],
    [17, 18, true],
    [18, 21, false],
    [1, 3, false],
  ])("span [%i, %i) → %s", (start, end, touches) => {
    expect(touchesPlaceholder(text, start, end)).toBe(touches);
  });
});
