import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "./errors.ts";
import { parseRunContext, type RunContext, type RunContextPatch, scopeOf } from "./run-context.ts";

/** The patches the phases return, in order (FETCH_LINEAR … LINEAR_HANDOFF). */
const PATCHES: RunContextPatch[] = [
  {
    team: "onboarding",
    service: "onboarding-api",
    ticket: {
      snapshot: {
        ticketKey: "ENG-42",
        title: "Onboarding completion fails with 500",
        labels: ["bug", "service:onboarding-api"],
        status: "Todo",
        priority: 1,
        descriptionExcerpt: "500 after today's deploy",
        url: "https://linear.app/acme/issue/ENG-42",
        linked: { sentryIssueIds: ["4711"], awsRefs: [], requestIds: [] },
        createdAt: "2025-06-01T12:00:00Z",
        updatedAt: "2025-06-01T12:05:00.000Z",
        fetchedAt: "2025-06-01T12:10:00.000Z",
      },
      team: "onboarding",
      service: "onboarding-api",
      comments: [{ author: "Jane", body: "seen twice", createdAt: "2025-06-01T12:06:00Z" }],
      attachments: [],
    },
  },
  {
    tools: [
      { connector: "sentry", status: "available", confidenceImpact: 0 },
      { connector: "aws", status: "missing", reason: "no credentials", confidenceImpact: 15 },
    ],
  },
  {
    memory: {
      pages: [{ id: "onboarding", path: "wiki/onboarding.md", status: "read" }],
      recipesUsed: [],
      negativeControlsUsed: [],
      hypothesesToRetest: [],
    },
    hints: {
      pages: ["onboarding"],
      recipes: [{ pageId: "onboarding", specialist: "sentry", name: "first seen", body: "…" }],
      negativeControls: [],
    },
  },
  {
    route: {
      specialists: [{ specialistId: "sentry", required: true, reason: "Sentry issue linked" }],
      rationale: "sentry: linked issue",
    },
  },
  { evidence: [{ specialistId: "sentry", sha256: "a".repeat(64) }] },
  {
    bundleSha: "b".repeat(64),
    decision: { decision: "exit", outcome: "APPROVAL_REQUIRED", reasons: ["needs a backfill"] },
    approvalIds: ["apr_1"],
  },
  { handoff: { linearCommentId: "comment-1" } },
];

/** As Postgres stores it: `context || patch` per transition, through JSON. */
function stored(patches: RunContextPatch[]): unknown {
  const merged = patches.reduce<RunContext>((context, patch) => ({ ...context, ...patch }), {});
  return JSON.parse(JSON.stringify(merged));
}

function parseError(value: unknown): AppError {
  try {
    parseRunContext(value);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("parsed");
}

describe("run context", () => {
  it("a context written by every phase reads back as written", () => {
    const context = parseRunContext(stored(PATCHES));
    expect(context).toEqual(Object.assign({}, ...PATCHES));
    expect(scopeOf(context)).toEqual({ team: "onboarding", service: "onboarding-api" });
  });

  it("a run no phase has written to yet reads as empty", () => {
    expect(parseRunContext({})).toEqual({});
    expect(scopeOf(parseRunContext({}))).toEqual({});
  });

  it("a malformed field is bad_input naming the field, and is not retried", () => {
    const error = parseError({ team: 42 });
    expect(error.code).toBe(ErrorCode.BadInput);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/run context does not parse: .*expected string.*team/s);

    const nested = parseError({ evidence: [{ specialistId: "sentry" }] });
    expect(nested.message).toMatch(/evidence\[0\]\.sha256/);
    expect(parseError({ decision: { decision: "maybe", reasons: [] } }).message).toMatch(
      /decision\.decision/,
    );
    expect(parseError(null).code).toBe(ErrorCode.BadInput);
  });

  it("an older row's unknown keys are dropped, its known fields kept", () => {
    const older = {
      team: "payments",
      bundleSha: "c".repeat(64),
      specialists: [{ id: "sentry" }],
      milestone: "decision",
    };
    expect(parseRunContext(older)).toEqual({ team: "payments", bundleSha: "c".repeat(64) });
  });
});
