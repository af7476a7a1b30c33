import { describe, expect, it } from "vitest";
import { indexSignals } from "./classifier-index.ts";
import { hypothesisStatement, infraKind, toEvidenceRef } from "./classifier-text.ts";

describe("toEvidenceRef summaries", () => {
  const poison = (dlqDepth?: number) =>
    toEvidenceRef({
      specialistId: "aws",
      signal: {
        kind: "poison_message",
        sourceRef: "cloudwatch_logs:/ecs/consumer",
        queue: "postings",
        repeatedReceives: 42,
        ...(dlqDepth === undefined ? {} : { dlqDepth }),
      },
    }).summary;

  it("says how deep the dead-letter queue is only when it was read", () => {
    expect(poison(1128)).toBe(
      "queue postings: 42 repeated receives, 1128 in the dead-letter queue",
    );
    // Unread is not empty: the summary must not claim 0 next to a rising DLQ series.
    expect(poison()).toBe("queue postings: 42 repeated receives");
  });
});

describe("the statement when no class has support", () => {
  const rise = (service: string, onset: string) => ({
    kind: "series_change" as const,
    sourceRef: `cloudwatch_metric:${service}`,
    measure: "errors_5xx" as const,
    direction: "rise" as const,
    before: 1,
    after: 90,
    service,
    onset,
    onsetUncertaintyMinutes: 0.5,
  });
  const statement = (...signals: ReturnType<typeof rise>[]) =>
    hypothesisStatement(
      "unknown",
      indexSignals([{ specialistId: "aws", status: "returned", signals }] as never),
      { codeChange: false },
    );
  it("names the services and the one whose symptom began first", () => {
    const text = statement(
      rise("flags", "2026-11-01T16:18:00Z"),
      rise("basket", "2026-11-01T16:21:00Z"),
      rise("checkout", "2026-11-01T16:21:00Z"),
    );
    expect(text).toContain("symptoms on 3 services (flags, basket, checkout)");
    expect(text).toContain("flags's began first (16:18 UTC)");
  });

  it("points at what they share when they began together", () => {
    const text = statement(
      rise("basket", "2026-11-01T16:21:00Z"),
      rise("checkout", "2026-11-01T16:21:00Z"),
    );
    expect(text).toContain("began together");
  });

  it("says it does not know with one service or none", () => {
    expect(statement(rise("basket", "2026-11-01T16:21:00Z"))).toMatch(/root cause is unknown/);
    expect(statement()).toMatch(/root cause is unknown/);
  });
});

describe("the infrastructure statement after an operational change", () => {
  const signals = (minutesBeforeOnset: number) =>
    indexSignals([
      {
        specialistId: "aws",
        status: "returned",
        signals: [
          {
            kind: "change_event",
            sourceRef: "cloudwatch_logs:trail",
            change: "config",
            ref: "secretsmanager.PutSecretValue:prod/orders/db",
            at: "2030-03-02T08:50:00Z",
            minutesBeforeOnset,
          },
          {
            kind: "task_health",
            sourceRef: "cloudwatch_metric:orders",
            service: "orders",
            healthy: 3,
            desired: 6,
          },
        ],
      },
    ] as never);

  it("names the change just before the onset, not a capacity shortfall", () => {
    const i = signals(6);
    expect(infraKind(i)).toBe("operational_change");
    const text = hypothesisStatement("infra", i, { codeChange: false });
    expect(text).toMatch(
      /^An operational change at the onset \(secretsmanager.PutSecretValue on prod\/orders\/db 6 min before\)/,
    );
    expect(text).toContain("orders at 3/6 healthy tasks");
    expect(text).not.toContain("Capacity exhaustion");
  });

  it("leaves a change long before the onset to the capacity story", () => {
    expect(infraKind(signals(45))).toBe("capacity");
  });
});
