import { describe, expect, it } from "vitest";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { codeEvidence, pathCandidates } from "./evidence.ts";
import { changedLines, describeRuns, MAX_LINE_CHARS, quoteLine } from "./lines.ts";

const AT = "2026-03-02T10:00:00Z";
const SHA = "d".repeat(40);

const output = (findings: { fact: string; sourceRef: string }[], culprit?: string) =>
  normalizeSpecialistOutput({
    schemaVersion: 1,
    specialistId: "any",
    question: "q",
    status: "returned",
    sources: [
      { kind: "sentry_event", ref: "sentry_event:e", fetchedAt: AT },
      { kind: "github_commit", ref: `github_commit:${SHA}`, fetchedAt: AT },
    ],
    findings: findings.map((f) => ({ ...f, observedAt: AT })),
    correlationIds: [],
    signals: culprit
      ? [
          {
            kind: "new_exception",
            sourceRef: "sentry_event:e",
            issueId: "1",
            path: "job",
            firstSeen: AT,
            culprit,
          },
        ]
      : [],
    confidence: 85,
    gaps: [],
  });

describe("codeEvidence", () => {
  it("reads the frame (function with spaces, file, line) and the culprit, merged into one culprit frame", () => {
    const evidence = codeEvidence([
      output(
        [
          {
            fact: "event e; in-app frame Layer.handle [as handle_request] at lib/router/layer.ts:95; request GET /x",
            sourceRef: "sentry_event:e",
          },
        ],
        "Layer.handle(lib/router/layer.ts)",
      ),
    ]);
    expect(evidence.frames).toEqual([
      {
        file: "lib/router/layer.ts",
        line: 95,
        function: "Layer.handle [as handle_request]",
        culprit: true,
      },
    ]);
  });

  it("reads a release commit's stack files with its full SHA, and a deploy's unattributed ones", () => {
    const evidence = codeEvidence([
      output([
        {
          fact: `commit ${SHA.slice(0, 7)} "fix: a, b (c)" changed src/a.ts (+3/−1), lib/b.py (+1/−0), in the exception's stack`,
          sourceRef: `github_commit:${SHA}`,
        },
        {
          fact: "deploy 9 changed src/a.ts, src/c.go, in the exception's stack (the culprit frame's file src/a.ts)",
          sourceRef: "sentry_event:e",
        },
      ]),
    ]);
    expect(evidence.releaseFiles).toEqual([
      { file: "src/a.ts", commits: [SHA] },
      { file: "lib/b.py", commits: [SHA] },
      { file: "src/c.go", commits: [] },
    ]);
  });

  it("a route culprit, a frame outside the app or a module name is no file", () => {
    const evidence = codeEvidence([
      output(
        [{ fact: "in-app frame tick at node:internal/timers:12", sourceRef: "sentry_event:e" }],
        "POST /v1/things",
      ),
    ]);
    expect(evidence).toEqual({ frames: [], releaseFiles: [] });
  });
});

describe("pathCandidates", () => {
  it("takes a relative name as repository-relative, and tries shorter tails of an absolute one", () => {
    expect(pathCandidates("src/a.ts")).toEqual(["src/a.ts"]);
    expect(pathCandidates("./src/a.ts")).toEqual(["src/a.ts"]);
    expect(pathCandidates("/app/src/a.ts")).toEqual(["app/src/a.ts", "src/a.ts"]);
    expect(pathCandidates("app:///dist/srv/a.js")).toEqual(["dist/srv/a.js", "srv/a.js"]);
  });
});

describe("changedLines", () => {
  it("numbers the added and changed lines of the new version", () => {
    expect(changedLines("a\nb\nc\n", "a\nB\nc\n")).toEqual([2]);
    expect(changedLines("a\nc\n", "a\nb1\nb2\nc\n")).toEqual([2, 3]);
    expect(changedLines("a\nb\nc\n", "a\nc\n")).toEqual([]);
    expect(changedLines("", "x\ny")).toEqual([1, 2]);
    expect(changedLines("a\nb\nc\nd", "a\nX\nc\nd\ne")).toEqual([2, 5]);
  });

  it("gives up (undefined) on a middle too large to diff", () => {
    const many = (tag: string) => Array.from({ length: 2100 }, (_, i) => `${tag}${i}`).join("\n");
    expect(changedLines(many("a"), many("b"))).toBeUndefined();
  });

  it("describes runs and quotes a line trimmed and capped", () => {
    expect(describeRuns([1, 2, 3, 7, 9, 10])).toBe("1–3, 7, 9–10");
    expect(quoteLine('   x = "y";  ')).toBe('"x = \\"y\\";"');
    expect(quoteLine("z ".repeat(MAX_LINE_CHARS)).length).toBeLessThanOrEqual(MAX_LINE_CHARS + 3);
    // A cut inside a token drops the token: its head could be half a credential.
    expect(quoteLine(`key = ${"z".repeat(MAX_LINE_CHARS)}`)).toBe('"key = …"');
  });
});
