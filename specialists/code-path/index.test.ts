import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../src/domain/errors.ts";
import {
  normalizeSpecialistOutput,
  type SpecialistOutput,
  SpecialistOutputSchema,
} from "../../src/domain/specialist-output.ts";
import type { GitHubReader, RepoCommit } from "../tools.ts";
import { codePathFiles, GAP_IMPACT, MAX_FILES, runCodePath } from "./index.ts";

/**
 * The code-path specialist over a fake read-only GitHub: the files come from the
 * evidence (frames, culprit, the release's commits), are read at the base commit, and
 * every finding cites `path:line@sha7`; missing or unreadable files are gaps.
 */

const NOW = new Date("2026-03-02T10:00:00Z");
const BASE = "b".repeat(40);
const FIX = "c".repeat(40);
const PARENT = "a".repeat(40);
const AT = NOW.toISOString();

const HANDLER_BEFORE = [
  "export async function handle(input: Input) {",
  "  const record = await store.find(input.id);",
  "  const size = record?.limits?.size ?? 0;",
  "  return { size };",
  "}",
].join("\n");
const HANDLER_AFTER = [
  "export async function handle(input: Input) {",
  "  const record = await store.find(input.id);",
  "  const size = record.limits.size;",
  "  return { size };",
  "}",
].join("\n");

const blob = (text: string) => createHash("sha1").update(text).digest("hex");

interface FakeRepo {
  /** `${ref}:${path}` → text. */
  files: Record<string, string>;
  commits?: Record<string, RepoCommit>;
  /** Paths whose read fails upstream. */
  failing?: Record<string, AppError>;
}

function fakeReader(repo: FakeRepo): GitHubReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    compare: async () => ({ commits: [], files: [] }),
    listDeployments: async () => [],
    async getFile(path, ref) {
      reads.push(`${ref.slice(0, 7)}:${path}`);
      const failure = repo.failing?.[path];
      if (failure) throw failure;
      const text = repo.files[`${ref}:${path}`];
      return text === undefined
        ? null
        : { path, sha: blob(text), size: Buffer.byteLength(text), content: text };
    },
    async getCommit(sha) {
      return repo.commits?.[sha] ?? null;
    },
  };
}

/** An exception specialist's output as specialists/sentry writes it. */
function exceptionOutput(frame: string, culprit: string): SpecialistOutput {
  return normalizeSpecialistOutput({
    schemaVersion: 1,
    specialistId: "sentry",
    question: "what fails?",
    status: "returned",
    sources: [
      { kind: "sentry_issue", ref: "sentry_issue:1", fetchedAt: AT },
      { kind: "sentry_event", ref: "sentry_event:e1", fetchedAt: AT },
    ],
    findings: [
      {
        fact: `event e1 at ${AT}; release app@1; TypeError: x is undefined; ${frame}; request POST /v1/things`,
        sourceRef: "sentry_event:e1",
        observedAt: AT,
      },
    ],
    correlationIds: [],
    signals: [
      {
        kind: "new_exception",
        sourceRef: "sentry_issue:1",
        issueId: "1",
        path: "POST /v1/things",
        firstSeen: AT,
        culprit,
      },
    ],
    confidence: 85,
    gaps: [],
  });
}

/** A release specialist's output whose commit changed stack files (specialists/release/compare.ts). */
function releaseOutput(commit: string, files: string[]): SpecialistOutput {
  const range = `github_commit:${PARENT}...${commit}`;
  return normalizeSpecialistOutput({
    schemaVersion: 1,
    specialistId: "release",
    question: "which deploy?",
    status: "returned",
    sources: [
      { kind: "github_commit", ref: range, fetchedAt: AT },
      { kind: "github_commit", ref: `github_commit:${commit}`, fetchedAt: AT },
    ],
    findings: [
      {
        fact: `deploy 7 changed ${files.join(", ")}, in the exception's stack`,
        sourceRef: range,
        observedAt: AT,
      },
      {
        fact: `commit ${commit.slice(0, 7)} "tidy: read limits directly" changed ${files
          .map((f) => `${f} (+1/−1)`)
          .join(", ")}, in the exception's stack`,
        sourceRef: `github_commit:${commit}`,
        observedAt: AT,
      },
    ],
    correlationIds: [],
    signals: [],
    confidence: 85,
    gaps: [],
  });
}

const facts = (o: SpecialistOutput) => o.findings.map((f) => f.fact).join("\n");
const valid = (o: SpecialistOutput) => SpecialistOutputSchema.safeParse(o).success;

describe("runCodePath", () => {
  it("reads the culprit frame's file at the base and cites its line as path:line@sha7 with the line's text", async () => {
    const github = fakeReader({ files: { [`${BASE}:src/things/handle.ts`]: HANDLER_AFTER } });
    const out = await runCodePath({
      github,
      baseSha: BASE,
      now: NOW,
      outputs: [
        exceptionOutput(
          "in-app frame handle at src/things/handle.ts:3",
          "handle(src/things/handle.ts)",
        ),
      ],
    });
    expect(out.status).toBe("returned");
    expect(valid(out)).toBe(true);
    expect(facts(out)).toContain(
      `src/things/handle.ts:3@bbbbbbb (the culprit frame handle): "const size = record.limits.size;"`,
    );
    expect(out.sources).toContainEqual(
      expect.objectContaining({
        kind: "github_commit",
        ref: `github_commit:${BASE}:src/things/handle.ts`,
      }),
    );
    expect(codePathFiles(out)).toEqual(["src/things/handle.ts"]);
    expect(out.nextPivot).toBe("Start the fix at src/things/handle.ts:3@bbbbbbb (handle)");
    expect(out.gaps).toEqual([]);
  });

  it("for a file the release changed, names the commit and the lines it changed against its parent, the culprit's among them", async () => {
    const github = fakeReader({
      files: {
        [`${BASE}:src/things/handle.ts`]: HANDLER_AFTER,
        [`${FIX}:src/things/handle.ts`]: HANDLER_AFTER,
        [`${PARENT}:src/things/handle.ts`]: HANDLER_BEFORE,
      },
      commits: {
        [FIX]: {
          sha: FIX,
          parents: [PARENT],
          message: "tidy: read limits directly\n\nbody",
          date: AT,
        },
      },
    });
    const out = await runCodePath({
      github,
      baseSha: BASE,
      now: NOW,
      outputs: [
        // A build prefix on the frame: the release's repository path wins.
        exceptionOutput(
          "in-app frame handle at /app/src/things/handle.ts:3",
          "handle(/app/src/things/handle.ts)",
        ),
        releaseOutput(FIX, ["src/things/handle.ts"]),
      ],
    });
    expect(out.status).toBe("returned");
    expect(valid(out)).toBe(true);
    const change = out.findings.find((f) => f.sourceRef === `github_commit:${FIX}`);
    expect(change?.fact).toBe(
      `commit ccccccc "tidy: read limits directly" changed src/things/handle.ts at 1 line (3); the file is unchanged since, so the numbers hold at bbbbbbb; it changed line 3, the culprit frame's: src/things/handle.ts:3@ccccccc "const size = record.limits.size;"`,
    );
    expect(codePathFiles(out)).toEqual(["src/things/handle.ts"]);
    expect(out.nextPivot).toContain("which commit ccccccc of the release changed");
    expect(github.reads).not.toContain("bbbbbbb:app/src/things/handle.ts");
  });

  it("when the file changed again by the base, the commit's line numbers are its own and no frame is matched to them", async () => {
    const later = `// header\n${HANDLER_AFTER}`;
    const github = fakeReader({
      files: {
        [`${BASE}:src/things/handle.ts`]: later,
        [`${FIX}:src/things/handle.ts`]: HANDLER_AFTER,
        [`${PARENT}:src/things/handle.ts`]: HANDLER_BEFORE,
      },
      commits: { [FIX]: { sha: FIX, parents: [PARENT], message: "tidy", date: AT } },
    });
    const out = await runCodePath({
      github,
      baseSha: BASE,
      now: NOW,
      outputs: [
        exceptionOutput(
          "in-app frame handle at src/things/handle.ts:4",
          "handle(src/things/handle.ts)",
        ),
        releaseOutput(FIX, ["src/things/handle.ts"]),
      ],
    });
    const change = out.findings.find((f) => f.sourceRef === `github_commit:${FIX}`);
    expect(change?.fact).toBe(
      `commit ccccccc "tidy" changed src/things/handle.ts at 1 line (3); the file changed again by bbbbbbb, so the numbers are ccccccc's: src/things/handle.ts:3@ccccccc "const size = record.limits.size;"`,
    );
    expect(facts(out)).toContain(
      `src/things/handle.ts:4@bbbbbbb (the culprit frame handle): "const size = record.limits.size;"`,
    );
  });

  it("a file missing at the base is a gap, and the other files are still read", async () => {
    const github = fakeReader({ files: { [`${BASE}:src/other.ts`]: "export const x = 1;\n" } });
    const out = await runCodePath({
      github,
      baseSha: BASE,
      now: NOW,
      outputs: [
        exceptionOutput("in-app frame handle at src/gone.ts:3", "handle(src/gone.ts)"),
        releaseOutput(FIX, ["src/other.ts"]),
      ],
    });
    expect(out.status).toBe("returned");
    expect(out.gaps).toContainEqual({
      what: "src/gone.ts does not exist at bbbbbbb (tried src/gone.ts)",
      confidenceImpact: GAP_IMPACT.missing,
    });
    expect(codePathFiles(out)).toEqual(["src/other.ts"]);
    // The commit's history was not readable: a gap, with the commit still named.
    expect(facts(out)).toContain("commit ccccccc of the release changed src/other.ts");
  });

  it("a file over the reader's size cap is a gap naming the cap, not a crash", async () => {
    const github = fakeReader({
      files: {},
      failing: {
        "src/big.ts": new AppError(
          ErrorCode.BadInput,
          "src/big.ts at x is 900000 bytes, over the 262144-byte cap",
        ),
      },
    });
    const out = await runCodePath({
      github,
      baseSha: BASE,
      now: NOW,
      outputs: [exceptionOutput("in-app frame f at src/big.ts:10", "f(src/big.ts)")],
    });
    expect(out.status).toBe("returned");
    expect(out.gaps.map((g) => g.what)).toEqual([
      "src/big.ts unreadable at bbbbbbb (bad_input: src/big.ts at x is 900000 bytes, over the 262144-byte cap)",
    ]);
    expect(codePathFiles(out)).toEqual([]);
  });

  it("reads at most MAX_FILES files and lists the rest as a gap", async () => {
    const names = Array.from({ length: MAX_FILES + 2 }, (_, i) => `src/f${i}.ts`);
    const files = Object.fromEntries(names.map((n) => [`${BASE}:${n}`, "line\n"]));
    const out = await runCodePath({
      github: fakeReader({ files }),
      baseSha: BASE,
      now: NOW,
      outputs: [releaseOutput(FIX, names)],
    });
    expect(codePathFiles(out)).toEqual(names.slice(0, MAX_FILES));
    expect(out.gaps.map((g) => g.what)).toContainEqual(
      `2 more files of the stack not read (cap ${MAX_FILES}): src/f5.ts, src/f6.ts`,
    );
  });

  it("a line the base does not have is a gap; a line-less culprit is found by its definition", async () => {
    const github = fakeReader({ files: { [`${BASE}:src/things/handle.ts`]: HANDLER_AFTER } });
    const beyond = await runCodePath({
      github,
      baseSha: BASE,
      now: NOW,
      outputs: [
        exceptionOutput(
          "in-app frame handle at src/things/handle.ts:40",
          "handle(src/things/handle.ts)",
        ),
      ],
    });
    expect(beyond.gaps.map((g) => g.what).join("\n")).toContain(
      "line 40 of src/things/handle.ts, which has 5 lines",
    );
    const byName = await runCodePath({
      github,
      baseSha: BASE,
      now: NOW,
      outputs: [exceptionOutput("in-app frame ? at elsewhere", "handle(src/things/handle.ts)")],
    });
    expect(facts(byName)).toContain(
      `src/things/handle.ts:1@bbbbbbb defines handle (the culprit frame; the evidence gives no line): "export async function handle(input: Input) {"`,
    );
  });

  it("no stack, culprit or release file in the evidence: skipped with the reason, nothing read", async () => {
    const github = fakeReader({ files: {} });
    const out = await runCodePath({
      github,
      baseSha: BASE,
      now: NOW,
      outputs: [exceptionOutput("no frame", "POST /v1/things")],
    });
    expect(out.status).toBe("skipped");
    expect(out.status === "skipped" && out.reason).toContain("no in-app stack frame");
    expect(github.reads).toEqual([]);
  });

  it("a reader without file reads is skipped with a gap", async () => {
    const out = await runCodePath({
      github: {
        compare: async () => ({ commits: [], files: [] }),
        listDeployments: async () => [],
      },
      baseSha: BASE,
      now: NOW,
      outputs: [exceptionOutput("in-app frame f at src/a.ts:1", "f(src/a.ts)")],
    });
    expect(out.status).toBe("skipped");
    expect(out.gaps[0]?.confidenceImpact).toBe(GAP_IMPACT.noReader);
  });

  it("every read failing upstream is failed, and a reader that throws anything never makes it throw", async () => {
    const down = new AppError(ErrorCode.UpstreamUnavailable, "GitHub 502", { retryable: true });
    const failed = await runCodePath({
      github: fakeReader({ files: {}, failing: { "src/a.ts": down } }),
      baseSha: BASE,
      now: NOW,
      outputs: [exceptionOutput("in-app frame f at src/a.ts:1", "f(src/a.ts)")],
    });
    expect(failed.status).toBe("failed");
    expect(failed.status === "failed" && failed.error).toMatchObject({
      code: "upstream_unavailable",
      retryable: true,
    });
    const odd = await runCodePath({
      github: {
        compare: async () => ({ commits: [], files: [] }),
        listDeployments: async () => [],
        getFile: () => {
          throw new TypeError("boom");
        },
      },
      baseSha: BASE,
      now: NOW,
      outputs: [exceptionOutput("in-app frame f at src/a.ts:1", "f(src/a.ts)")],
    });
    expect(valid(odd)).toBe(true);
    expect(odd.status).toBe("failed");
  });

  it("a deadline already passed ends timed out with what was gathered", async () => {
    const controller = new AbortController();
    controller.abort();
    const out = await runCodePath({
      github: fakeReader({ files: { [`${BASE}:src/a.ts`]: "x\n" } }),
      baseSha: BASE,
      now: NOW,
      signal: controller.signal,
      outputs: [exceptionOutput("in-app frame f at src/a.ts:1", "f(src/a.ts)")],
    });
    expect(out.status).toBe("timed_out");
  });
});

describe("codePathFiles", () => {
  it("lists only a code-path output's files read at the base", async () => {
    expect(codePathFiles(releaseOutput(FIX, ["src/x.ts"]))).toEqual([]);
  });
});
