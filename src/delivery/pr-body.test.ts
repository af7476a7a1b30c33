import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backend500, input, SCENARIO_NOW } from "../../test/setup/classifier-fixtures.ts";
import { classify } from "../domain/classifier.ts";
import { EVIDENCE_BUNDLE_SCHEMA_VERSION, type EvidenceBundle } from "../domain/evidence-bundle.ts";
import { createRng, FAKE } from "../safety/__corpus__/fake-secrets.ts";
import { GITHUB_BODY_LIMIT, type PrBodyInput, prLabels, prTitle, renderPrBody } from "./pr-body.ts";

const TOKEN = FAKE.githubClassic(createRng(7));

function bundle(): EvidenceBundle {
  const s = backend500();
  return {
    schemaVersion: EVIDENCE_BUNDLE_SCHEMA_VERSION,
    runId: "run-101-1",
    createdAt: "2025-03-04T10:30:00Z",
    ...s,
    linear: { ...s.linear, url: "https://linear.example/acme/issue/ENG-101" },
    memory: { pages: [], recipesUsed: [], negativeControlsUsed: [], hypothesesToRetest: [] },
    classification: classify(input(s), { now: SCENARIO_NOW }),
    impact: {
      summary: "onboarding requests fail with 500",
      scope: "partial",
      services: ["onboarding-api"],
      affectedUsers: 37,
      customerVisible: true,
      blastRadius: "new sign-ups without a region keep failing",
    },
    mitigations: [],
    verification: [
      {
        check: "5xx rate back to baseline",
        how: "CloudWatch onboarding 5xx over 1 h",
        status: "pending",
      },
    ],
    approvals: { pending: [], decided: [] },
  };
}

function prInput(over: Partial<PrBodyInput> = {}): PrBodyInput {
  return {
    runId: "run-101-1",
    bundle: bundle(),
    bundleDigest: "b".repeat(64),
    policyHash: "c".repeat(64),
    baseSha: "1".repeat(40),
    headSha: "2".repeat(40),
    diff: {
      files: [
        {
          path: "src/onboarding/profile.ts",
          status: "modified",
          additions: 4,
          deletions: 1,
          content: "",
        },
        {
          path: "src/onboarding/profile.test.ts",
          status: "modified",
          additions: 12,
          deletions: 0,
          content: "",
        },
      ],
      patch: "",
      lines: 17,
    },
    checks: [
      {
        name: "unit",
        command: "npm test -- onboarding",
        passed: true,
        exitCode: 0,
        signal: null,
        timedOut: false,
        stdout: "",
        stderr: "",
        truncated: false,
        durationMs: 4_210,
      },
      {
        name: "lint",
        command: "npm run lint",
        passed: false,
        exitCode: 1,
        signal: null,
        timedOut: false,
        stdout: "",
        stderr: "",
        truncated: false,
        durationMs: 900,
      },
    ],
    review: [
      {
        rule: "scope",
        severity: "note",
        message: "outside the code path the evidence names",
        path: "src/x.ts",
      },
    ],
    agent: { command: "reference-agent --brief {brief}", version: "1.0.0" },
    sourceLink: (s) =>
      s.kind === "sentry_issue"
        ? `https://sentry.example/issues/${s.ref.split(":")[1]}/`
        : undefined,
    ...over,
  };
}

describe("renderPrBody", () => {
  it("renders evidence, fix, checks, review, residual risk and provenance", () => {
    const body = renderPrBody(prInput());
    expect(body).toMatchSnapshot();
    for (const heading of [
      "## What the evidence shows",
      "## The fix",
      "## Checks run",
      "## Review findings",
      "## Residual risk",
      "## Provenance",
    ]) {
      expect(body).toContain(heading);
    }
    expect(body).toContain("[ENG-101](https://linear.example/acme/issue/ENG-101)");
    expect(body).toContain("(https://sentry.example/issues/ONB-4821/)");
    expect(body).toContain("`src/onboarding/profile.ts` (modified, +4 −1)");
    expect(body).toContain("❌ `lint`: `npm run lint` — failed (exit 1) in 0.9 s");
    expect(body).toContain(`sha256 \`${"b".repeat(64)}\``);
  });

  it("keeps hostile ticket text literal: no link, image, HTML, mention, heading or issue reference", () => {
    const b = bundle();
    b.linear.title =
      "![x](https://evil.example/p.png) [login](https://evil.example/) <img src=x onerror=alert(1)> @acme/oncall fixes #12\n# Heading\n<!-- hide -->";
    b.linear.url = "javascript:alert(1)";
    const body = renderPrBody(prInput({ bundle: b }));
    expect(body).not.toMatch(/\]\(https:\/\/evil/);
    expect(body).not.toContain("<img");
    expect(body).not.toContain("<!--");
    expect(body).not.toContain("javascript:");
    expect(body).not.toMatch(/@acme/);
    expect(body).not.toMatch(/#12/);
    expect(body).not.toMatch(/^# Heading/m);
  });

  it("redacts a secret in a finding, the ticket URL and the agent command", () => {
    const b = bundle();
    const first = b.specialists[0];
    if (first === undefined) throw new Error("fixture has specialists");
    first.findings = [{ ...first.findings[0]!, fact: `token ${TOKEN} leaked in the log` }];
    b.linear.url = `https://linear.example/acme/issue/ENG-101?token=${TOKEN}`;
    const body = renderPrBody(
      prInput({ bundle: b, agent: { command: `agent --key ${TOKEN}`, version: "1" } }),
    );
    expect(body).not.toContain(TOKEN);
    expect(body).not.toContain(TOKEN.slice(4, 20));
    expect(body).toContain("REDACTED:github");
    expect(body).not.toMatch(/\]\(https:\/\/linear\.example/);
  });

  it("stays under GitHub's limit with a 200 KB finding and thousands of files, counting what it left out", () => {
    const b = bundle();
    const first = b.specialists[0]!;
    first.findings = Array.from({ length: 5 }, (_, i) => ({
      ...first.findings[0]!,
      fact: `${i} ${"x ".repeat(100_000)}`,
    }));
    const files = Array.from({ length: 5_000 }, (_, i) => ({
      path: `src/generated/${"deep/".repeat(40)}file-${i}.ts`,
      status: "added" as const,
      additions: 1,
      deletions: 0,
      content: "",
    }));
    const body = renderPrBody(prInput({ bundle: b, diff: { files, patch: "", lines: 5_000 } }));
    expect(body.length).toBeLessThan(GITHUB_BODY_LIMIT);
    expect(body).toMatch(/- … and \d+ more/);
    expect(body).toContain("## Provenance");
    expect(body).toContain("5000 files changed");
  });
});

describe("renderPrBody property", () => {
  const markup = fc.constantFrom(
    "[",
    "]",
    "(",
    ")",
    "!",
    "<",
    ">",
    "#",
    "@",
    "`",
    "\n",
    "*",
    "|",
    "-",
    "1.",
  );
  const hostile = fc
    .array(fc.oneof(fc.string({ unit: "binary", maxLength: 8 }), markup), { maxLength: 40 })
    .map((parts) => parts.join(""));

  it("outside text never opens HTML, a link, a heading or a list item of its own", () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (title, fact, message) => {
        const b = bundle();
        b.linear.title = title;
        b.linear.url = undefined;
        const first = b.specialists[0]!;
        first.findings = [{ ...first.findings[0]!, fact: fact || "x" }];
        const body = renderPrBody(
          prInput({
            bundle: b,
            sourceLink: () => undefined,
            review: [{ rule: "reviewer", severity: "note", message }],
          }),
        );
        expect(body).not.toContain("<");
        expect(body).not.toMatch(/(?<!\\)\]\(/);
        const headings = body.split("\n").filter((l) => /^\s{0,3}#/.test(l));
        expect(headings).toEqual([
          "## What the evidence shows",
          "## The fix",
          "## Checks run",
          "## Review findings",
          "## Residual risk",
          "## Provenance",
        ]);
        expect(body.length).toBeLessThan(GITHUB_BODY_LIMIT);
      }),
      { numRuns: 150 },
    );
  });
});

describe("prTitle and prLabels", () => {
  it("the title is the ticket and the hypothesis on one line, redacted and cut", () => {
    const b = bundle();
    expect(prTitle({ bundle: b })).toMatch(/^ENG-101: /);
    b.classification!.rootCauseHypothesis = `null region\nfrom ${TOKEN} ${"y".repeat(300)}`;
    const title = prTitle({ bundle: b });
    expect(title).not.toContain(TOKEN);
    expect(title).not.toContain("\n");
    expect(title.length).toBeLessThanOrEqual(120);
  });

  it("labels the PR as agent-generated with its class and risk", () => {
    expect(prLabels({ classification: "code_regression", risk: "medium" })).toEqual([
      "agent-generated",
      "class:code_regression",
      "risk:medium",
    ]);
  });
});
