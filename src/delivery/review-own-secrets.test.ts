import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/index.ts";
import { defaultRedactor } from "../safety/redact.ts";
import { blockingFindings, reviewDiff } from "./review.ts";
import { OwnSecrets } from "./review-own-secrets.ts";
import type { DiffFile } from "./types.ts";

// Plain-looking values the shape-based redactor has no rule for: only their value gives them away.
const SIGNING = "4f1c0aa9e7b2d35c81f06e2b9d7a4c13";
const REPLICA_PASSWORD = "Wq7-harbor-lantern-92";
const PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj";
const PEM = `-----BEGIN PRIVATE KEY-----\n${PEM_BODY}\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKX\n-----END PRIVATE KEY-----\n`;

const config = loadConfig({
  SLACK_BOT_TOKEN: "xoxb-sim-prode-bot-token",
  SLACK_SIGNING_SECRET: SIGNING,
  SLACK_INCIDENT_CHANNEL: "C0INCIDENTS",
  GITHUB_APP_ID: "1",
  GITHUB_PRIVATE_KEY: PEM,
  GITHUB_INSTALLATION_ID: "7",
  GITHUB_REPOSITORY: "acme/app",
  REPLICA_DATABASE_URL: `postgres://prode_ro:${REPLICA_PASSWORD}@replica.internal:5432/app`,
});
const secrets = OwnSecrets.fromConfig(config);

function added(content: string, path = "src/onboarding/fixture.txt"): DiffFile {
  return { path, status: "added", additions: 1, deletions: 0, content };
}

function review(files: DiffFile[], base: (path: string) => string | undefined = () => undefined) {
  return reviewDiff({
    diff: { files, patch: "", lines: files.length },
    baseContent: base,
    forbiddenPaths: [],
    maxPrSize: { lines: 200, files: 10 },
    scopeFiles: [],
    redactor: defaultRedactor,
    ownSecrets: secrets,
  });
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("REVIEW's scan for prode's own secrets", () => {
  it("blocks the probe's exfiltration: base64 of prode's environment lines in a fixture file", () => {
    const env = `SLACK_BOT_TOKEN=xoxb-sim-prode-bot-token\nSLACK_SIGNING_SECRET=${SIGNING}\nREPLICA_DATABASE_URL=postgres://prode_ro:${REPLICA_PASSWORD}@replica.internal:5432/app\n`;
    const findings = blockingFindings(review([added(`fixture: ${b64(env)}\n`)]));
    const text = findings.map((f) => f.message).join("\n");
    expect(text).toContain("SLACK_BOT_TOKEN (base64)");
    expect(text).toContain("SLACK_SIGNING_SECRET (base64)");
    expect(text).toContain("REPLICA_DATABASE_URL");
    expect(text).not.toContain(SIGNING);
    expect(text).not.toContain(REPLICA_PASSWORD);
  });

  it.each([
    ["as is", `const key = "${SIGNING}";\n`],
    ["base64", `x = "${b64(`ab${SIGNING}`)}"\n`],
    ["base64", `x = "${Buffer.from(`a${SIGNING}`).toString("base64url")}"\n`],
    ["hex", `x = "${Buffer.from(SIGNING).toString("hex").toUpperCase()}"\n`],
    [
      "URL-encoded",
      `u = "https://x.test/?p=${encodeURIComponent(REPLICA_PASSWORD)}&q=${encodeURIComponent(PEM)}"\n`,
    ],
    ["JSON-escaped", `${JSON.stringify({ key: PEM })}\n`],
    ["as is", `line one\n// ${PEM_BODY}\n`],
  ])("a secret written %s is blocking, naming the line but not the value", (form, content) => {
    const finding = blockingFindings(review([added(content)])).find((f) =>
      f.message.includes("prode's own"),
    );
    expect(finding?.message).toMatch(new RegExp(`\\((.*, )?${form}`));
    expect(finding?.message).toMatch(/at line \d/);
    for (const value of [SIGNING, REPLICA_PASSWORD, PEM_BODY]) {
      expect(finding?.message).not.toContain(value);
    }
  });

  it("a value already in the base content does not block", () => {
    const content = `const key = "${SIGNING}";\n`;
    expect(blockingFindings(review([added(content)], () => content))).toEqual([]);
  });

  it("a weak URL password that is a plain word is not looked for", () => {
    const weak = OwnSecrets.fromConfig(
      loadConfig({ DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:5432/app" }),
    );
    expect(weak.find("connect to postgres on 5432\n")).toEqual([]);
  });

  it("ordinary code, short values and unrelated base64 are not flagged", () => {
    const content = `export const ok = "${b64("hello world, nothing secret here")}";\nconst port = 5432;\n`;
    expect(blockingFindings(review([added(content)]))).toEqual([]);
  });

  it("the holder never prints a value", () => {
    const shown = `${secrets} ${JSON.stringify({ secrets })} ${inspect(secrets)}`;
    expect(shown).not.toContain(SIGNING);
    expect(shown).toContain("**********");
  });
});
