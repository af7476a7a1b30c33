import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng, FAKE } from "../safety/__corpus__/fake-secrets.ts";
import { defaultRedactor } from "../safety/redact.ts";
import {
  approvalFindings,
  blockingFindings,
  needsApproval,
  type ReviewInput,
  reviewDiff,
} from "./review.ts";
import type { DiffFile, WorktreeDiff } from "./types.ts";

const rng = createRng(14);
const TOKEN = FAKE.githubClassic(rng);
const KEY_ID = FAKE.awsAccessKeyId(rng);

function file(path: string, content: string | null = "x\n", extra: Partial<DiffFile> = {}) {
  return {
    path,
    status: content === null ? "removed" : "modified",
    additions: 1,
    deletions: 0,
    content,
    ...extra,
  } satisfies DiffFile;
}

function diffOf(files: DiffFile[]): WorktreeDiff {
  return { files, patch: "", lines: files.reduce((s, f) => s + f.additions + f.deletions, 0) };
}

function review(files: DiffFile[], over: Partial<ReviewInput> = {}) {
  return reviewDiff({
    diff: diffOf(files),
    baseContent: () => undefined,
    forbiddenPaths: ["migrations/**", "*.pem", "/infra/"],
    maxPrSize: { lines: 200, files: 10 },
    scopeFiles: ["src/onboarding/handler.ts"],
    redactor: defaultRedactor,
    ...over,
  });
}

describe("reviewDiff", () => {
  it("a change on the code path and its test yields no finding", () => {
    expect(
      review([
        file("src/onboarding/handler.ts"),
        file("src/onboarding/handler.test.ts"),
        file("src/onboarding/__tests__/handler.ts"),
        file("test/onboarding/handler.spec.ts"),
      ]),
    ).toEqual([]);
  });

  it("a diff over the line or file budget is blocking", () => {
    const big = review([file("src/onboarding/handler.ts", "x", { additions: 150, deletions: 60 })]);
    expect(blockingFindings(big)).toEqual([
      expect.objectContaining({ rule: "diff_size", message: expect.stringContaining("210 lines") }),
    ]);
    const many = review(
      Array.from({ length: 3 }, (_, i) => file(`src/onboarding/handler${i}.ts`)),
      { maxPrSize: { lines: 200, files: 2 } },
    );
    expect(blockingFindings(many).map((f) => f.message)).toEqual([
      "the diff changes 3 files; the policy allows 2",
    ]);
  });

  it("does not trust a reported line count smaller than the files' own", () => {
    const files = [file("src/onboarding/handler.ts", "x", { additions: 500 })];
    const out = reviewDiff({
      diff: { files, patch: "", lines: 1 },
      baseContent: () => undefined,
      forbiddenPaths: [],
      maxPrSize: { lines: 200, files: 10 },
      scopeFiles: ["src/onboarding/handler.ts"],
      redactor: defaultRedactor,
    });
    expect(blockingFindings(out)).toHaveLength(1);
  });

  it("a forbidden path is blocking and names the glob, also when deleted or disguised", () => {
    const out = review([
      file("migrations/0002.sql"),
      file("certs/prod.pem", null),
      file("src/../infra/main.tf"),
      file("../outside.ts"),
    ]);
    const forbidden = out.filter((f) => f.rule === "forbidden_path");
    expect(forbidden.map((f) => [f.path, f.message])).toEqual([
      ["migrations/0002.sql", "the path matches the forbidden glob migrations/**"],
      ["certs/prod.pem", "the path matches the forbidden glob *.pem"],
      ["infra/main.tf", "the path matches the forbidden glob /infra/"],
      ["../outside.ts", "the path leaves the repository"],
    ]);
    expect(forbidden.every((f) => f.severity === "blocking")).toBe(true);
  });

  it("a secret the diff adds is blocking; the message names the category, never the value", () => {
    const out = review([
      file("src/onboarding/handler.ts", `const a = 1;\nconst t = "${TOKEN}";\n`),
    ]);
    expect(out).toEqual([
      {
        rule: "secret",
        severity: "blocking",
        message: "the diff adds a secret (github_token) at line 2",
        path: "src/onboarding/handler.ts",
      },
    ]);
    expect(JSON.stringify(out)).not.toContain(TOKEN);
  });

  it("a secret already in the base content (a fixture) does not block; a second copy does", () => {
    const fixture = `key_id: ${KEY_ID}\n`;
    const base = (path: string) =>
      path === "src/onboarding/handler.test.ts" ? fixture : undefined;
    const kept = review(
      [file("src/onboarding/handler.test.ts", `// a new test\n${fixture}more: 1\n`)],
      { baseContent: base },
    );
    expect(kept).toEqual([]);
    const copied = review([file("src/onboarding/handler.test.ts", `${fixture}${fixture}`)], {
      baseContent: base,
    });
    expect(blockingFindings(copied).map((f) => f.rule)).toEqual(["secret"]);
    const moved = review([file("src/onboarding/handler.ts", fixture)], { baseContent: base });
    expect(blockingFindings(moved).map((f) => f.rule)).toEqual(["secret"]);
  });

  it("a multi-line secret whose body the diff changes is added, though its first line is not", () => {
    const keyRng = createRng(5);
    const before = FAKE.pemPrivateKey(keyRng);
    const header = before.split("\n")[0] ?? "";
    const after = `${header}\n${FAKE.pemPrivateKey(keyRng).split("\n").slice(1).join("\n")}`;
    const base = () => `// fixture\n${before}\n`;
    const swapped = review([file("src/onboarding/handler.test.ts", `// fixture\n${after}\n`)], {
      baseContent: base,
    });
    expect(blockingFindings(swapped).map((f) => f.rule)).toEqual(["secret"]);
    const kept = review(
      [file("src/onboarding/handler.test.ts", `// fixture\n// new\n${before}\n`)],
      {
        baseContent: base,
      },
    );
    expect(kept).toEqual([]);
  });

  it("symlinks and binaries are blocking, and a binary is not scanned as text", () => {
    const out = review([
      file("src/onboarding/link.ts", "../../etc/passwd", { symlink: true }),
      file("src/onboarding/mode.ts", "x", { mode: "120000" }),
      file("src/onboarding/handler.ts", TOKEN, { binary: true }),
    ]);
    expect(blockingFindings(out).map((f) => [f.rule, f.path])).toEqual([
      ["symlink", "src/onboarding/link.ts"],
      ["symlink", "src/onboarding/mode.ts"],
      ["binary", "src/onboarding/handler.ts"],
    ]);
  });

  it.each([
    "AGENTS.md",
    "packages/api/AGENTS.md",
    "CLAUDE.md",
    ".agents/skills/prode-triage/SKILL.md",
    ".cursor/rules/x.mdc",
    ".github/copilot-instructions.md",
    ".windsurfrules",
    ".mcp.json",
  ])("a change to the agent instructions %s needs approval", (path) => {
    const out = review([file(path)], { scopeFiles: [path] });
    expect(out).toEqual([
      expect.objectContaining({ rule: "agent_instructions", severity: "approval", path }),
    ]);
    expect(needsApproval(out)).toBe(true);
    expect(blockingFindings(out)).toEqual([]);
  });

  it.each([
    ".github/workflows/ci.yml",
    ".gitlab-ci.yml",
    ".circleci/config.yml",
    "Jenkinsfile",
    ".buildkite/pipeline.yml",
    "Dockerfile",
    "services/api/Dockerfile",
    "Dockerfile.prod",
  ])("a change to the CI or build configuration %s needs approval", (path) => {
    const out = review([file(path)], { scopeFiles: [path] });
    expect(approvalFindings(out)).toEqual([
      expect.objectContaining({ rule: "ci_config", severity: "approval", path }),
    ]);
  });

  it("a file outside the code path and its tests is a note", () => {
    const out = review([
      file("src/onboarding/handler.ts"),
      file("src/billing/handler.ts"),
      file("lib/handler.test.ts"),
      file("src/onboarding/other.test.ts"),
    ]);
    expect(out.map((f) => [f.rule, f.severity, f.path])).toEqual([
      ["scope", "note", "src/billing/handler.ts"],
      ["scope", "note", "lib/handler.test.ts"],
      ["scope", "note", "src/onboarding/other.test.ts"],
    ]);
    expect(out[0]?.message).toBe("outside the code path the evidence names");
    expect(needsApproval(out)).toBe(false);
  });

  it("with no code path named, one note says the scope was not checked", () => {
    const out = review([file("src/a.ts"), file("src/b.ts")], { scopeFiles: [] });
    expect(out).toEqual([
      {
        rule: "scope",
        severity: "note",
        message: "the evidence names no code path: the scope of the change was not checked",
      },
    ]);
  });

  it("recognises tests named in other languages' conventions", () => {
    const out = review(
      [
        file("pkg/store/store_test.go"),
        file("tests/test_views.py"),
        file("spec/models/user_spec.rb"),
      ],
      { scopeFiles: ["pkg/store/store.go", "app/views.py", "app/models/user.rb"] },
    );
    expect(out).toEqual([]);
  });
});

describe("reviewDiff property", () => {
  const GLOBS = ["*.pem", "migrations/**", "/Dockerfile", "**/secrets/**", "infra/*.{tf,tfvars}"];
  const segment = fc.constantFrom("src", "a", "b", "migrations", "secrets", "infra", ".", "..");
  const leaf = fc.constantFrom("x.ts", "prod.pem", "main.tf", "Dockerfile", "0001.sql", ".env");
  /** A path that matches one of GLOBS once normalised, written in a roundabout way. */
  const forbiddenPath = fc.oneof(
    fc
      .tuple(
        fc.array(
          segment.filter((s) => s !== ".."),
          { maxLength: 3 },
        ),
      )
      .map(([dirs]) => [...dirs, "prod.pem"].join("/")),
    fc.tuple(fc.constantFrom("", "./", "src/../"), leaf).map(([pre, l]) => `${pre}migrations/${l}`),
    fc.constantFrom("Dockerfile", "./Dockerfile", "a/../Dockerfile"),
    fc
      .tuple(fc.array(fc.constantFrom("src", "a"), { maxLength: 2 }), leaf)
      .map(([dirs, l]) => [...dirs, "secrets", l].join("/")),
    fc.constantFrom("infra/main.tf", "infra/x.tfvars", "./infra/y.tf"),
  );
  const anyPath = fc
    .tuple(fc.array(segment, { maxLength: 4 }), leaf)
    .map(([dirs, l]) => [...dirs, l].join("/"));

  it("any diff that touches a forbidden path yields a blocking finding", () => {
    fc.assert(
      fc.property(
        fc.array(anyPath, { maxLength: 5 }),
        forbiddenPath,
        fc.nat(),
        fc.boolean(),
        (others, forbidden, at, removed) => {
          const paths = [...others];
          paths.splice(at % (paths.length + 1), 0, forbidden);
          const files = paths.map((p) => file(p, removed ? null : "x\n"));
          const out = reviewDiff({
            diff: diffOf(files),
            baseContent: () => undefined,
            forbiddenPaths: GLOBS,
            maxPrSize: { lines: 1_000, files: 100 },
            scopeFiles: paths,
            redactor: defaultRedactor,
          });
          const blocking = blockingFindings(out).filter((f) => f.rule === "forbidden_path");
          expect(blocking.length).toBeGreaterThan(0);
          for (const f of blocking) {
            expect(
              f.message === "the path leaves the repository" ||
                GLOBS.some((g) => f.message.endsWith(`glob ${g}`)),
            ).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
