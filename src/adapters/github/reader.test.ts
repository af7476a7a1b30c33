import { generateKeyPairSync } from "node:crypto";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../../sim/server.ts";
import { ErrorCode } from "../../domain/errors.ts";
import { withCallBudget } from "../../observability/call-budget.ts";
import { createRedactor, defaultRedactor } from "../../safety/redact.ts";
import { createInstallationOctokit, probeGitHub } from "./app.ts";
import { createGitHubReader, redactKeepingLines } from "./reader.ts";

/** The GitHub reader and App helpers against the simulated GitHub, with the real Octokit. */

const PREVIOUS = "12e6f5b1d3c2b884fad794eba9781bac5e547c0e";
const CURRENT = "249e44cf83d0ce742707a40dbfffcbda89e05623";
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

let world: World;
beforeAll(async () => {
  world = await startWorld({ scenario: "backend-500-pr" });
});
afterAll(async () => {
  await world.close();
});

const app = () => ({
  appId: 104211,
  privateKey,
  installationId: 51903177,
  baseUrl: world.urls.github,
});
const reader = (timeoutMs?: number) =>
  createGitHubReader({
    octokit: new Octokit({ baseUrl: world.urls.github, auth: "ghp_sim_reader" }),
    owner: "acme-sim",
    repo: "onboarding-api",
    ...(timeoutMs ? { timeoutMs } : {}),
  });

describe("createGitHubReader over the simulated GitHub", () => {
  it("compares two deployed SHAs: commits oldest first, changed files, no emails", async () => {
    const diff = await reader().compare(PREVIOUS, CURRENT);
    expect(diff.commits.map((c) => c.sha.slice(0, 7))).toEqual(["d8f0389", "136634c", "249e44c"]);
    expect(diff.commits[2]).toMatchObject({
      message: "refactor(onboarding): read plan limits from the account subscription",
      author: "lhoffmann-acme",
      date: "2026-11-20T11:41:09Z",
    });
    expect(diff.files.map((f) => f.filename)).toContain("src/onboarding/complete.ts");
    expect(JSON.stringify(diff)).not.toContain("@example.com");
  });

  it("lists deployments newest first with the state of their latest status and when they succeeded", async () => {
    const deployments = await reader().listDeployments({ environment: "production", limit: 5 });
    expect(deployments).toEqual([
      {
        id: 90017,
        sha: CURRENT,
        ref: "v2026.11.20-3",
        environment: "production",
        createdAt: "2026-11-20T13:58:40Z",
        state: "success",
        finishedAt: "2026-11-20T14:02:14Z",
      },
      {
        id: 90016,
        sha: PREVIOUS,
        ref: "v2026.11.20-2",
        environment: "production",
        createdAt: "2026-11-20T09:12:22Z",
        state: "success",
        finishedAt: "2026-11-20T09:15:36Z",
      },
    ]);
    await expect(reader().listDeployments({ environment: "staging", limit: 5 })).resolves.toEqual(
      [],
    );
  });

  it("works with the installation Octokit @octokit/app mints, and only reads", async () => {
    const octokit = await createInstallationOctokit(app());
    world.clearCalls();
    const github = createGitHubReader({ octokit, owner: "acme-sim", repo: "onboarding-api" });
    expect(Object.keys(github).sort()).toEqual([
      "compare",
      "getCommit",
      "getFile",
      "listDeployments",
    ]);
    await github.listDeployments({ limit: 1 });
    await github.compare(PREVIOUS, CURRENT);
    // @octokit/app mints the installation token on first use; everything else is a read.
    const methods = world.calls({ service: "github" }).map((c) => c.method);
    expect(methods).toContain("GET /repos/{owner}/{repo}/compare/{basehead}");
    expect(
      methods.filter((m) => m !== "POST /app/installations/{installation_id}/access_tokens"),
    ).toSatisfy((ms: string[]) => ms.every((m) => m.startsWith("GET ")));
  });

  it("converts an unknown SHA (GitHub's 404) to NotFound and a held request to a retryable Timeout", async () => {
    await expect(reader().compare(PREVIOUS, "f".repeat(40))).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      retryable: false,
    });
    world.injectFault({ service: "github", kind: "timeout", count: 1 });
    await expect(reader(150).listDeployments({ limit: 1 })).rejects.toMatchObject({
      code: ErrorCode.Timeout,
      retryable: true,
    });
    // One 503 is retried away; an outage that outlasts the retries stays retryable.
    world.injectFault({ service: "github", kind: "error", status: 503, count: 1 });
    await expect(reader().listDeployments({ limit: 1 })).resolves.toHaveLength(1);
    world.injectFault({ service: "github", kind: "error", status: 503 });
    await expect(reader().listDeployments({ limit: 1 })).rejects.toMatchObject({
      code: ErrorCode.UpstreamUnavailable,
      retryable: true,
    });
    world.clearFaults();
  });

  it("waits out a secondary rate limit's Retry-After within the deadline; gives up when it cannot fit", async () => {
    world.injectFault({ service: "github", kind: "rate_limit", retryAfterSec: 1, count: 1 });
    const started = Date.now();
    const deployments = await withCallBudget({ deadline: new Date(Date.now() + 10_000) }, () =>
      reader().listDeployments({ limit: 1 }),
    );
    expect(deployments).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    world.injectFault({ service: "github", kind: "rate_limit", retryAfterSec: 60, count: 1 });
    const again = Date.now();
    await expect(
      withCallBudget({ deadline: new Date(Date.now() + 5_000) }, () =>
        reader().listDeployments({ limit: 1 }),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.UpstreamRateLimited, retryAfterMs: 60_000 });
    expect(Date.now() - again).toBeLessThan(1_000);
  });
});

describe("getFile and getCommit over the simulated GitHub", () => {
  it("reads a file's text at a commit, line for line, with its blob SHA; a missing path is null", async () => {
    const file = await reader().getFile!("src/onboarding/complete.ts", CURRENT);
    expect(file).toMatchObject({
      path: "src/onboarding/complete.ts",
      sha: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(file!.size).toBe(Buffer.byteLength(file!.content));
    const lines = file!.content.split("\n");
    // The world's file matches the Sentry frame: line 42 is the unguarded read.
    expect(lines[41]).toContain("account.subscription.plan");
    await expect(reader().getFile!("src/nope.ts", CURRENT)).resolves.toBeNull();
  });

  it("refuses a directory and a file over the size cap as bad_input", async () => {
    await expect(reader().getFile!("src/onboarding", CURRENT)).rejects.toMatchObject({
      code: ErrorCode.BadInput,
      message: expect.stringContaining("is a directory"),
    });
    const small = createGitHubReader({
      octokit: new Octokit({ baseUrl: world.urls.github, auth: "ghp_sim_reader" }),
      owner: "acme-sim",
      repo: "onboarding-api",
      maxFileBytes: 100,
    });
    await expect(small.getFile!("src/onboarding/complete.ts", CURRENT)).rejects.toMatchObject({
      code: ErrorCode.BadInput,
      message: expect.stringContaining("over the 100-byte cap"),
    });
  });

  it("redacts a file's text before it leaves the adapter", async () => {
    const redacting = createGitHubReader({
      octokit: new Octokit({ baseUrl: world.urls.github, auth: "ghp_sim_reader" }),
      owner: "acme-sim",
      repo: "onboarding-api",
      redactor: createRedactor({
        extraPatterns: [{ category: "plan_read", pattern: "subscription\\.plan" }],
      }),
    });
    const file = await redacting.getFile!("src/onboarding/complete.ts", CURRENT);
    expect(file!.content).not.toContain("subscription.plan");
    expect(file!.content.split("\n")[41]).toContain("[REDACTED:plan_read]");
  });

  it("reads a commit's parents and message; an unknown SHA is null", async () => {
    const commit = await reader().getCommit!(CURRENT);
    expect(commit).toEqual({
      sha: CURRENT,
      parents: ["136634c2cb0b2fd6ba4ffaf72b2e2ab4dbd367a3"],
      message: "refactor(onboarding): read plan limits from the account subscription",
      date: "2026-11-20T11:41:09Z",
    });
    await expect(reader().getCommit!("f".repeat(40))).resolves.toBeNull();
  });
});

describe("redactKeepingLines", () => {
  it("keeps line n at line n when a secret block collapses, and redacts single-line secrets too", () => {
    const key = [
      "-----BEGIN RSA PRIVATE KEY-----",
      "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
      "-----END RSA PRIVATE KEY-----",
    ].join("\n");
    const secret = "aws_secret_access_key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'";
    const text = [
      secret,
      "const a = 1;",
      `const key = \`${key}\`;`,
      "const b = 2;",
      secret,
      "end",
    ].join("\n");
    const out = redactKeepingLines(text, defaultRedactor).split("\n");
    expect(out).toHaveLength(text.split("\n").length);
    expect(out[1]).toBe("const a = 1;");
    expect(out[2]).toBe("const key = `[REDACTED:private_key]`;");
    expect(out.slice(3, 5)).toEqual(["", ""]);
    expect(out[5]).toBe("const b = 2;");
    expect(out[6]).toContain("[REDACTED:aws_secret_key]");
    expect(out[7]).toBe("end");
    expect(out.join("\n")).not.toMatch(/MIIEowIBAAKCAQEA|wJalrXUtnFEMI/);
  });

  it("withholds the whole file rather than misalign it, and aligns a text that collapsed whole", () => {
    const collapsing = {
      ...defaultRedactor,
      // A redactor that adds a line: nothing to align it to.
      redact: (t: string) => ({ text: t.includes("\n") ? `${t}\nextra` : t, summary: {} }),
    };
    expect(redactKeepingLines("a\nb\nc", collapsing)).toBe(
      Array(3).fill("[REDACTED:withheld_file]").join("\n"),
    );
    const whole = {
      ...defaultRedactor,
      redact: (t: string) => ({ text: t.includes("\n") ? "x" : t, summary: {} }),
    };
    expect(redactKeepingLines("a\nb\nc", whole)).toBe("x\n\n");
  });
});

describe("probeGitHub", () => {
  it("confirms the installation and read access to the repository", async () => {
    await expect(
      probeGitHub({ ...app(), owner: "acme-sim", repo: "onboarding-api" }),
    ).resolves.toEqual({
      ok: true,
      installationId: 51903177,
      account: "acme-sim",
      repository: "acme-sim/onboarding-api",
    });
  });

  it("reports an unknown installation or repository as a reason, never throwing", async () => {
    const wrongInstallation = await probeGitHub({
      ...app(),
      installationId: 1,
      owner: "acme-sim",
      repo: "onboarding-api",
    });
    expect(wrongInstallation).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not_found:/),
    });
    const wrongRepo = await probeGitHub({ ...app(), owner: "acme-sim", repo: "nope" });
    expect(wrongRepo).toMatchObject({ ok: false, reason: expect.stringMatching(/^not_found:/) });
    expect(JSON.stringify(wrongRepo)).not.toContain("PRIVATE KEY");
  });
});
