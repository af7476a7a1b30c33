import { describe, expect, it } from "vitest";
import { cellBytes, planCost, planMaxRows, ResultBudget, truncateCell } from "./replica-limits.ts";

describe("cellBytes", () => {
  it("measures values as prode holds them, in UTF-8 bytes", () => {
    expect(cellBytes(null)).toBe(0);
    expect(cellBytes("é")).toBe(2);
    expect(cellBytes(Buffer.alloc(10))).toBe(10);
    expect(cellBytes(12345)).toBe(5);
    expect(cellBytes({ a: [1, 2] })).toBe(JSON.stringify({ a: [1, 2] }).length);
    expect(cellBytes(["x", "y"])).toBe(9);
  });
});

describe("truncateCell", () => {
  it("never cuts a character in half and names the real size", () => {
    const cut = truncateCell("€".repeat(10), 30, 7);
    expect(cut).toBe("€€…[truncated by prode: 30 bytes, cell cap 7]");
  });

  it("cuts JSON and bytea as text", () => {
    expect(truncateCell({ k: "abcdef" }, 14, 4)).toMatch(/^\{"k"…\[truncated/);
    expect(truncateCell(Buffer.from([255, 1]), 2, 4)).toMatch(/^\\xff…\[truncated/);
  });
});

describe("ResultBudget", () => {
  it("keeps rows until the total cap, cutting oversized cells on the way", () => {
    const budget = new ResultBudget({ maxResultBytes: 100, maxCellBytes: 10 });
    expect(budget.add(["abc", 1])).toEqual(["abc", 1]);
    const cut = budget.add(["x".repeat(50)]);
    expect(cut?.[0]).toMatch(/^x{10}…\[truncated by prode: 50 bytes, cell cap 10\]$/);
    expect(budget.cellsTruncated).toBe(1);
    expect(budget.add(Array.from({ length: 5 }, () => "y".repeat(10)))).toBeUndefined();
    expect(budget.full).toBe(true);
    // Once full, a small row is not squeezed in: rows stay a prefix of the result.
    expect(budget.add(["a"])).toBeUndefined();
    expect(budget.bytes).toBeLessThanOrEqual(100);
  });
});

describe("planCost", () => {
  it("reads the top plan's total cost from EXPLAIN (FORMAT JSON)", () => {
    const plan = [{ Plan: { "Node Type": "Aggregate", "Total Cost": 225001000 } }];
    expect(planCost({ "QUERY PLAN": plan })).toBe(225001000);
    expect(planCost({ "QUERY PLAN": JSON.stringify(plan) })).toBe(225001000);
    expect(planCost({ "QUERY PLAN": [] })).toBeUndefined();
    expect(planCost(undefined)).toBeUndefined();
  });
});

describe("planMaxRows", () => {
  it("reads the largest row estimate of any plan node, not only the top one", () => {
    // EXPLAIN (FORMAT JSON) of count(*) over two 100,000-row series, PostgreSQL 15.
    const plan = [
      {
        Plan: {
          "Node Type": "Aggregate",
          "Total Cost": 225001000.01,
          "Plan Rows": 1,
          Plans: [
            {
              "Node Type": "Nested Loop",
              "Plan Rows": 10000000000,
              Plans: [
                { "Node Type": "Function Scan", "Plan Rows": 100000 },
                { "Node Type": "Function Scan", "Plan Rows": 100000 },
              ],
            },
          ],
        },
      },
    ];
    expect(planMaxRows({ "QUERY PLAN": plan })).toBe(10000000000);
    expect(planMaxRows({ "QUERY PLAN": JSON.stringify(plan) })).toBe(10000000000);
    expect(planMaxRows({ "QUERY PLAN": [] })).toBeUndefined();
    expect(planMaxRows(undefined)).toBeUndefined();
  });
});
