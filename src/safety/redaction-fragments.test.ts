/**
 * Secrets the rules could not see as they arrived (probe issue 19, F2 and F3): cut by a
 * truncation mark, split across two lines, URL-, base64- or hex-encoded, or in shapes the
 * rules did not know (Rails `secret_key_base`, Azure SAS `sig`, Discord webhooks,
 * passwords told in prose). Each case checks the finding, what stays readable, that a
 * second pass changes nothing and that the keyword prefilter agrees with running every
 * rule everywhere.
 */
import { describe, expect, it } from "vitest";
import { chars, createRng, FAKE } from "./__corpus__/fake-secrets.ts";
import { createRedactor, redact } from "./redact.ts";

const exhaustive = createRedactor({ exhaustive: true });
const rng = createRng(20261219);
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ghp = FAKE.githubClassic(rng).replace(/^gh./, "ghp");
const akia = `AKIA${chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`;
const awsSecret = FAKE.awsSecretKey(rng);
const password = `${chars(rng, ALNUM, 10)}7q`;
const b64 = (text: string) => Buffer.from(text).toString("base64");
const hex = (text: string) => Buffer.from(text).toString("hex");

/** Redacts `text`, checks idempotence and the prefilter, and returns the result. */
function redactChecked(text: string) {
  const out = redact(text);
  expect(exhaustive.redact(text)).toEqual(out);
  expect(redact(out.text)).toEqual({ text: out.text, summary: {} });
  return out;
}

/** No run of 8 characters of `secret` survives in `text`. */
function expectNoPieceOf(text: string, secret: string): void {
  for (let i = 0; i + 8 <= secret.length; i++) expect(text).not.toContain(secret.slice(i, i + 8));
}

describe("a token cut by a truncation mark is withheld (F2)", () => {
  it.each([
    [
      "an AWS key id cut by an ellipsis",
      `value=postgres://db/app ${akia.slice(0, 12)}…`,
      "aws_access_key_id",
    ],
    ["a GitHub token cut by three dots", `token ${ghp.slice(0, 24)}...`, "github_token"],
    [
      "a Slack token cut with prode's cutter mark",
      `${FAKE.slackBotToken(rng).slice(0, 20)}…[40 chars truncated]`,
      "slack_token",
    ],
    ["a Stripe key glued to a path", `key=x.${"sk_live_"}${chars(rng, ALNUM, 6)}…`, "stripe_key"],
    ["a GitLab token", `${"glpat-"}${chars(rng, ALNUM, 9)}…`, "api_key"],
  ])("%s", (_name, text, category) => {
    const out = redactChecked(text);
    expect(out.summary[category]).toBe(1);
    const piece = /(?:AKIA|ghp_|xoxb-|sk_live_|glpat-)[A-Za-z0-9_-]+/.exec(text)![0];
    expect(out.text).not.toContain(piece);
    expect(out.text).toMatch(/\]…|\]\.\.\./); // the mark stays
  });

  it("an assigned value cut by a mark is withheld; a short or worded example stays", () => {
    expect(redactChecked(`DB_PASSWORD=${password.slice(0, 9)}…`).summary).toEqual({ password: 1 });
    const text = "token: abc… api_key=your-api-key... password: ...";
    expect(redactChecked(text)).toEqual({ text, summary: {} });
  });

  it("keeps documented placeholders, bare prefixes and cut prose", () => {
    const text = "use ghp_xxxxxxxx… or AKIA… or sk_live_…; pip install sk-learn… dp.getWidth…";
    expect(redactChecked(text)).toEqual({ text, summary: {} });
  });
});

describe("a token split across two lines is withheld (F3)", () => {
  it("joins the head and the next line's run, and line numbers stay", () => {
    const text = `split key: ${ghp.slice(0, 22)}\n      ${ghp.slice(22)}\nnext line`;
    const out = redactChecked(text);
    expect(out.summary).toEqual({ github_token: 1 });
    expectNoPieceOf(out.text, ghp);
    expect(out.text.split("\n")).toHaveLength(3);
    expect(out.text).toContain("next line");
  });

  it("does not join a whole token with the word that opens the next line", () => {
    const out = redactChecked(`token ${ghp}\nERROR boot failed`);
    expect(out.text).toBe("token [REDACTED:github_token]\nERROR boot failed");
  });
});

describe("secrets inside encodings are withheld (F3)", () => {
  it("a base64 blob whose decoding assigns a secret goes whole", () => {
    const blob = b64(`aws_secret_access_key=${awsSecret}`);
    const out = redactChecked(`config_b64: ${blob}`);
    expect(out.text).toBe("config_b64: [REDACTED:aws_secret_key]");
    expect(out.summary).toEqual({ aws_secret_key: 1 });
  });

  it("a base64 or hex blob of a bare token goes whole", () => {
    expect(redactChecked(b64(ghp)).text).toBe("[REDACTED:github_token]");
    expect(redactChecked(hex(ghp)).text).toBe("[REDACTED:github_token]");
  });

  it("a URL-encoded query is decoded where it held a secret", () => {
    const text = `callback?password%3D${password}%26token%3D${ghp}`;
    const out = redactChecked(text);
    expect(out.text).toBe("callback?password=[REDACTED:password]&token=[REDACTED:github_token]");
    expectNoPieceOf(out.text, password);
  });

  it("leaves encoded text without a secret exactly as it was", () => {
    const png = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256));
    const text = [
      `<img src="data:image/png;base64,${png.toString("base64")}">`,
      `note: ${b64("The quick brown fox jumps over the lazy dog, twice over")}`,
      "commit 249e44cf83d0ce742707a40dbfffcbda89e05623",
      "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "request 123e4567-e89b-12d3-a456-426614174000 req_01JD9QB1E3G5J7L9N1Q3S5U7W9",
      "GET /search?q=hello%20world&lang=en%2Dus 200",
      "at ThisIsAVeryLongClassNameForTestingPurposes.run(Foo.java:12)",
    ].join("\n");
    expect(redactChecked(text)).toEqual({ text, summary: {} });
  });
});

describe("shapes the rules did not know (F3)", () => {
  const hex64 = chars(rng, "0123456789abcdef", 64);

  it("Rails secret_key_base, as an environment variable and in YAML", () => {
    const out = redactChecked(`SECRET_KEY_BASE=${hex64}\nsecret_key_base: ${hex64}`);
    expect(out.text).toBe("SECRET_KEY_BASE=[REDACTED:secret]\nsecret_key_base: [REDACTED:secret]");
  });

  it("an Azure SAS signature; the other parameters stay", () => {
    const sig = `${chars(rng, ALNUM, 43)}%3D`;
    const url = `https://acct.blob.core.windows.net/c/f?sv=2022-11-02&se=2026-12-31&sig=${sig}`;
    const out = redactChecked(url);
    expect(out.text).toBe(url.replace(sig, "[REDACTED:api_key]"));
    expect(redactChecked("sig=SIGTERM received").summary).toEqual({});
  });

  it("a Discord webhook's id and token", () => {
    const path = `${chars(rng, "0123456789", 18)}/${chars(rng, ALNUM, 68)}`;
    const out = redactChecked(`https://discord.com/api/webhooks/${path}`);
    expect(out.text).toBe("https://discord.com/api/webhooks/[REDACTED:slack_webhook]");
  });

  it("a password told in prose", () => {
    const out = redactChecked(`the password is ${password}. my pw: Tr0ub4dor&3x`);
    expect(out.text).toBe("the password is [REDACTED:password]. my pw: [REDACTED:password]");
  });

  it("prose about passwords stays", () => {
    const text =
      "Your password is required. The password was reset; password is incorrect. pwd: /home/me";
    expect(redactChecked(text)).toEqual({ text, summary: {} });
  });
});

describe("findings (for the lint)", () => {
  it("locates truncated and encoded secrets on their lines, once each", () => {
    const text = [
      "ok",
      `key ${akia.slice(0, 12)}…`,
      `blob ${b64(ghp)}`,
      `password=${password}`,
    ].join("\n");
    expect(createRedactor().findings(text)).toEqual([
      { category: "aws_access_key_id", line: 2 },
      { category: "github_token", line: 3 },
      { category: "password", line: 4 },
    ]);
  });
});
