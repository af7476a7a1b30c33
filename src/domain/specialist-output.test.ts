import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "./errors.ts";
import {
  DROPPED_FINDING_IMPACT,
  normalizeSpecialistOutput,
  type RawSpecialistOutput,
  SpecialistOutputSchema,
} from "./specialist-output.ts";

const raw = (overrides: Partial<RawSpecialistOutput> = {}): RawSpecialistOutput =>
  ({
    schemaVersion: 1,
    specialistId: "sentry",
    status: "returned",
    question: "Is ONB-4821 new since the last release?",
    sources: [{ kind: "sentry_issue", ref: "sentry:ONB-4821", fetchedAt: "2025-03-04T10:20:00Z" }],
    findings: [
      {
        fact: "ONB-4821 first seen 09:52",
        sourceRef: "sentry:ONB-4821",
        observedAt: "2025-03-04T10:20:00Z",
      },
    ],
    correlationIds: [{ kind: "request_id", value: "req-1" }],
    signals: [
      {
        kind: "new_exception",
        sourceRef: "sentry:ONB-4821",
        issueId: "ONB-4821",
        path: "POST /v1/onboarding",
        firstSeen: "2025-03-04T09:52:00Z",
        culprit: "onboarding.createProfile",
      },
    ],
    confidence: 80,
    gaps: [],
    ...overrides,
  }) as RawSpecialistOutput;

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

describe("normalizeSpecialistOutput", () => {
  it("keeps findings and signals that cite a listed source", () => {
    const out = normalizeSpecialistOutput(raw());
    expect(out.findings).toHaveLength(1);
    expect(out.signals).toHaveLength(1);
    expect(out.gaps).toEqual([]);
    expect(SpecialistOutputSchema.safeParse(out).success).toBe(true);
  });

  it("drops a finding whose sourceRef names no source, and records the drop as a gap", () => {
    const input = raw({
      findings: [
        ...raw().findings,
        { fact: "heard it somewhere", sourceRef: "nowhere", observedAt: "2025-03-04T10:20:00Z" },
      ],
    });
    const out = normalizeSpecialistOutput(input);
    expect(out.findings.map((f) => f.fact)).toEqual(["ONB-4821 first seen 09:52"]);
    expect(out.gaps).toEqual([
      {
        what: "finding 1 dropped: it cites unknown source 'nowhere'",
        confidenceImpact: DROPPED_FINDING_IMPACT,
      },
    ]);
    expect(SpecialistOutputSchema.safeParse(out).success).toBe(true);
  });

  it("drops a signal with a dangling sourceRef so the classifier never sees it", () => {
    const out = normalizeSpecialistOutput(
      raw({
        signals: [
          { kind: "no_5xx_rise", sourceRef: "cw:unlisted", service: "api", windowMinutes: 60 },
        ],
      }),
    );
    expect(out.signals).toEqual([]);
    expect(out.gaps[0]?.what).toContain("signal no_5xx_rise dropped");
  });

  it("refuses a wiki page as a source: memory is not proof", () => {
    const error = thrown(() =>
      normalizeSpecialistOutput(
        raw({
          sources: [
            { kind: "wiki" as never, ref: "wiki:abort-noise", fetchedAt: "2025-03-04T10:20:00Z" },
          ],
        }),
      ),
    );
    expect(error.code).toBe(ErrorCode.BadInput);
  });

  it("refuses an output that lists one source ref twice", () => {
    const source = raw().sources[0]!;
    const error = thrown(() => normalizeSpecialistOutput(raw({ sources: [source, source] })));
    expect(error.code).toBe(ErrorCode.BadInput);
    expect(error.message).toContain("listed twice");
  });

  it("requires a reason to skip and an error to fail", () => {
    const base = raw({ findings: [], signals: [], sources: [] });
    expect(() => normalizeSpecialistOutput({ ...base, status: "skipped" })).toThrow(AppError);
    expect(
      normalizeSpecialistOutput({ ...base, status: "skipped", reason: "no Sentry link" }),
    ).toMatchObject({ status: "skipped", reason: "no Sentry link" });
    expect(() => normalizeSpecialistOutput({ ...base, status: "failed" })).toThrow(AppError);
  });
});

describe("SpecialistOutputSchema", () => {
  it("refuses a finding that cites an unknown source", () => {
    const result = SpecialistOutputSchema.safeParse(
      raw({
        findings: [{ fact: "x", sourceRef: "nowhere", observedAt: "2025-03-04T10:20:00Z" }],
      }),
    );
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain("unknown source 'nowhere'");
  });
});
