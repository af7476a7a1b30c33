import { describe, expect, it } from "vitest";
import { DELIVERY, ERROR, type EvalRow, formatEvalReport, summarizeEval } from "./eval-report.ts";

function row(over: Partial<EvalRow> & Pick<EvalRow, "scenario" | "expected" | "got">): EvalRow {
  return {
    family: "misc",
    gatePassed: over.got === DELIVERY,
    deliveryExpected: over.expected === DELIVERY,
    ms: 2000,
    ...over,
  };
}

const ROWS: EvalRow[] = [
  row({ scenario: "a", family: "deploy", expected: DELIVERY, got: DELIVERY, ms: 2500 }),
  row({ scenario: "b", family: "deploy", expected: DELIVERY, got: "BLOCKED_NEEDS_INFO" }),
  row({ scenario: "c", family: "vendor", expected: "VENDOR_OR_INFRA", got: "VENDOR_OR_INFRA" }),
  row({ scenario: "d", family: "vendor", expected: "VENDOR_OR_INFRA", got: DELIVERY }),
  row({ scenario: "e", family: "noise", expected: "NOISE_NO_FIX", got: ERROR, error: "timeout" }),
];

describe("summarizeEval", () => {
  it("counts the confusion matrix by expected exit and exit got", () => {
    const s = summarizeEval(ROWS);
    expect(s.matrix[DELIVERY]).toMatchObject({ [DELIVERY]: 1, BLOCKED_NEEDS_INFO: 1 });
    expect(s.matrix.VENDOR_OR_INFRA).toMatchObject({ VENDOR_OR_INFRA: 1, [DELIVERY]: 1 });
    expect(s.matrix.NOISE_NO_FIX).toMatchObject({ [ERROR]: 1, NOISE_NO_FIX: 0 });
    expect(s.labels[0]).toBe(DELIVERY);
    expect(s.labels.at(-1)).toBe(ERROR);
  });

  it("scores each family and counts a gate pass only where the scenario forbids it", () => {
    const s = summarizeEval(ROWS);
    expect(s.families).toEqual([
      { family: "deploy", right: 1, total: 2 },
      { family: "noise", right: 0, total: 1 },
      { family: "vendor", right: 1, total: 2 },
    ]);
    expect(s.wrongGatePasses).toEqual(["d"]);
    expect(s.right).toBe(2);
    expect(s.misses.map((m) => m.scenario)).toEqual(["b", "d", "e"]);
    expect(s.totalMs).toBe(10_500);
  });

  it("a gate pass where a PR is allowed is not a wrong pass", () => {
    const ok = row({ scenario: "x", expected: "APPROVAL_REQUIRED", got: DELIVERY });
    expect(summarizeEval([{ ...ok, deliveryExpected: true }]).wrongGatePasses).toEqual([]);
    expect(summarizeEval([ok]).wrongGatePasses).toEqual(["x"]);
  });
});

describe("formatEvalReport", () => {
  const text = formatEvalReport(ROWS);

  it("prints one line per scenario with its time and verdict, and the wrong pass marked", () => {
    expect(text).toMatch(/^a\s+deploy\s+DELIVERY\s+DELIVERY\s+passed\s+2\.5s\s+yes$/m);
    expect(text).toMatch(
      /^d\s+vendor\s+VENDOR_OR_INFRA\s+DELIVERY\s+PASSED \(WRONG\)\s+2\.0s\s+NO$/m,
    );
    expect(text).toContain("errors:\n  e: timeout");
  });

  it("prints the matrix with abbreviated columns and its legend", () => {
    expect(text).toMatch(/^expected \\ got\s+DLV\s+VOI\s+NNF\s+BNI\s+ERR$/m);
    expect(text).toMatch(/^VENDOR_OR_INFRA\s+1\s+1\s+\.\s+\.\s+\.$/m);
    expect(text).toContain("DLV = DELIVERY");
  });

  it("prints per-family accuracy, the wrong gate passes and the total", () => {
    expect(text).toMatch(/^deploy\s+1\/2\s+50%$/m);
    expect(text).toContain("wrong gate passes: 1 (d)");
    expect(text).toContain("right exits: 2/5 (40%)");
    expect(text).toContain("b (expected DELIVERY, got BLOCKED_NEEDS_INFO)");
  });

  it("says 0 wrong gate passes when there are none", () => {
    expect(formatEvalReport(ROWS.slice(0, 3))).toContain("wrong gate passes: 0\n");
  });
});
