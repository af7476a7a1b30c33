import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../domain/errors.ts";
import { KEEP_CASES, RECALL_CASES } from "./__corpus__/cases.ts";
import { generateConfigText } from "./__corpus__/config-lines.ts";
import { createRng, FAKE } from "./__corpus__/fake-secrets.ts";
import { generateLogText } from "./__corpus__/log-lines.ts";
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
      generateConfigText(200_000, 7, 0.2),
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
  it("withholds any value under a secret's name, even one a text rule would read as an example", () => {
    const { value, summary } = redactValue({
      password: "DB_PASSWORD_1",
      apiKey: "abcdefgh12",
      clientSecret: "{rotated}",
    });
    expect(value).toEqual({
      password: "[REDACTED:password]",
      apiKey: "[REDACTED:api_key]",
      clientSecret: "[REDACTED:secret]",
    });
    expect(summary).toEqual({ password: 1, api_key: 1, secret: 1 });
  });

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

  it("agrees with redact on multi-line examples a rule's check keeps", () => {
    const example = "-----BEGIN PRIVATE KEY-----\nanything\n-----END PRIVATE KEY-----";
    expect(redact(example).text).toBe(example);
    expect(defaultRedactor.findings(example)).toEqual([]);
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
