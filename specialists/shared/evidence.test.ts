import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/domain/errors.ts";
import { SpecialistOutputSchema } from "../../src/domain/specialist-output.ts";
import { DeadlineReached } from "./deadline.ts";
import { EvidenceCollector, settle } from "./evidence.ts";

const AT = "2026-11-20T14:35:00.000Z";

describe("EvidenceCollector", () => {
  it("lists a source once however often it is cited, and its output validates", () => {
    const ev = new EvidenceCollector("sentry", "What?", AT);
    const ref = ev.source("sentry_issue", "sentry_issue:1");
    ev.source("sentry_issue", "sentry_issue:1");
    ev.finding("fact", ref);
    ev.correlation("request_id", "req_1");
    ev.correlation("request_id", "req_1");
    ev.gap("events unavailable", 15);
    const out = SpecialistOutputSchema.parse(ev.returned("next"));
    expect(out.sources).toHaveLength(1);
    expect(out.correlationIds).toEqual([{ kind: "request_id", value: "req_1" }]);
    expect(out.confidence).toBe(70);
  });

  it("reports failures with the error's code and retryability, and timeouts with the deadline", () => {
    const ev = new EvidenceCollector("sentry", "What?", AT);
    const failed = SpecialistOutputSchema.parse(ev.failed(new Error("boom")));
    expect(failed).toMatchObject({
      status: "failed",
      error: { code: ErrorCode.Internal, retryable: false },
    });
    expect(SpecialistOutputSchema.parse(ev.timedOut(45_000))).toMatchObject({
      status: "timed_out",
      deadlineMs: 45_000,
    });
  });
});

describe("settle", () => {
  it("returns upstream failures as values and only throws for the deadline", async () => {
    const signal = new AbortController().signal;
    const read = await settle(() => Promise.reject(new Error("500")), signal);
    expect(read).toMatchObject({ ok: false, error: { code: ErrorCode.UpstreamUnavailable } });
    await expect(settle(() => Promise.resolve(3), signal)).resolves.toEqual({ ok: true, value: 3 });
    await expect(settle(() => Promise.resolve(3), AbortSignal.abort())).rejects.toBeInstanceOf(
      DeadlineReached,
    );
  });
});
