import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import { flat, inputOf, RULES_NOW, release, rise } from "../../test/setup/classifier-signals.ts";
import { classify } from "./classifier.ts";
import { COMPETING_SCORE } from "./classifier-requirements.ts";
import type { SeriesMeasure } from "./signals.ts";

/**
 * code.release_grew_cache_entries (classifier-rules-code-cache.ts): a release that grew
 * each cached entry loaded the cache, and stays a live cause when a traffic surge then
 * widened the working set; a dependency that moved only after that climb was under way
 * is not held against the release (code.dependency_moved_first).
 */

const classified = (...groups: UnsourcedSignal[][]) =>
  classify(inputOf(...groups), { now: RULES_NOW });
const fired = (...groups: UnsourcedSignal[][]) =>
  classified(...groups).rulesFired.map((r) => r.ruleId);

const at = (hhmm: string) => `2025-03-04T${hhmm}:00Z`;
const on = (resource: string, measure: SeriesMeasure, hhmm: string): UnsourcedSignal =>
  ({
    ...rise(measure, { onset: at(hhmm), uncertainty: 0.5 }),
    scope: { resource },
  }) as UnsourcedSignal;
const full = (
  dependency: "cache" | "database",
  resource: string,
  measure: string,
  hhmm: string,
): UnsourcedSignal => ({
  kind: "dependency_saturation",
  dependency,
  resource,
  measure,
  value: 96,
  limit: 100,
  onset: at(hhmm),
});
const items = (direction: "flat" | "drop" | "rise", hhmm?: string): UnsourcedSignal =>
  ({
    ...(direction === "flat"
      ? flat("cache_items")
      : { ...rise("cache_items", { onset: at(hhmm!), uncertainty: 0.5 }), direction }),
    scope: { resource: "cache-1" },
  }) as UnsourcedSignal;

/** Rolled out 09:40–09:45; entries grow from 09:46, traffic surges from 09:50. */
const rolledOut = [
  { ...release({ deployedAt: at("09:45"), after: 29 }), deployStartedAt: at("09:40") },
] as UnsourcedSignal[];
/** The cache fills and evicts, the database behind it saturates, then errors. */
const filled = [
  on("cache-1", "memory", "09:55"),
  on("cache-1", "evictions", "10:10"),
  full("cache", "cache-1", "evictions", "10:10"),
  on("db-1", "cpu", "10:10"),
  full("database", "db-1", "cpu", "10:10"),
  on("lb-1", "errors_5xx", "10:14"),
];
const twoCauses = (entries: UnsourcedSignal[], surge = "09:50") => [
  [...entries, items("flat"), on("lb-1", "requests", surge), ...filled],
  rolledOut,
];

describe("code.release_grew_cache_entries", () => {
  it("keeps the release live beside a surge that widened the working set: both reach the competing score", () => {
    const c = classified(...twoCauses([on("cache-1", "cache_item_bytes", "09:46")]));
    const rules = c.rulesFired.map((r) => r.ruleId);
    expect(rules).toContain("code.release_grew_cache_entries");
    expect(rules).toContain("infra.load_surge");
    // The database moved after the release's own climb had begun: not "first".
    expect(rules).not.toContain("code.dependency_moved_first");
    const score = (cls: string) => c.hypotheses.find((h) => h.class === cls)?.score ?? 0;
    expect(score("code_defect")).toBeGreaterThanOrEqual(COMPETING_SCORE);
    expect(score("infra")).toBeGreaterThanOrEqual(COMPETING_SCORE);
    expect(
      c.conflicts.some((k) => k.material && k.subject.startsWith("competing hypotheses")),
    ).toBe(true);
  });

  it("does not fire when request volume rose before each entry grew (the mix of keys may have)", () => {
    expect(
      fired(...twoCauses([on("cache-1", "cache_item_bytes", "09:46")], "09:43")),
    ).not.toContain("code.release_grew_cache_entries");
  });

  it("does not fire when the step came long after the rollout", () => {
    expect(
      fired(...twoCauses([on("cache-1", "cache_item_bytes", "10:05")], "10:20")),
    ).not.toContain("code.release_grew_cache_entries");
  });

  it("does not fire when the items held dropped, or began rising before the step", () => {
    const step = on("cache-1", "cache_item_bytes", "09:46");
    const without = (s: UnsourcedSignal[]) =>
      s.filter((x) => (x as { measure?: string }).measure !== "cache_items");
    const [aws, rel] = twoCauses([step]);
    expect(fired([...without(aws!), items("drop", "09:46")], rel!)).not.toContain(
      "code.release_grew_cache_entries",
    );
    expect(fired([...without(aws!), items("rise", "09:41")], rel!)).not.toContain(
      "code.release_grew_cache_entries",
    );
    // Items rising after the step are the surge's wider working set: the step still counts.
    expect(fired([...without(aws!), items("rise", "09:51")], rel!)).toContain(
      "code.release_grew_cache_entries",
    );
  });
});

describe("code.dependency_moved_first after a release-driven climb", () => {
  it("still counts a dependency that moved before the release's climb began", () => {
    const [aws, rel] = twoCauses([on("cache-1", "cache_item_bytes", "09:46")]);
    expect(fired([...aws!, on("db-2", "connections", "09:20")], rel!)).toContain(
      "code.dependency_moved_first",
    );
  });
});
