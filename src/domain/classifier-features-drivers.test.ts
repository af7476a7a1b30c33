import { describe, expect, it } from "vitest";
import type { UnsourcedSignal } from "../../test/setup/classifier-fixtures.ts";
import { inputOf, RULES_NOW, release, rise, SERVICE } from "../../test/setup/classifier-signals.ts";
import { releaseDrivenDependencies } from "./classifier-features-drivers.ts";
import { indexSignals } from "./classifier-index.ts";
import { dependencyMovedFirst } from "./classifier-rules-code-against.ts";
import type { SeriesMeasure } from "./signals.ts";

/**
 * Which dependency climbs a release drove (classifier-features-drivers.ts), and which
 * later rises such a climb excuses from `code.dependency_moved_first`.
 */

const index = (...groups: UnsourcedSignal[][]) =>
  indexSignals(inputOf(...groups).evidence, RULES_NOW);
const at = (hhmm: string) => `2025-03-04T${hhmm}:00Z`;
const on = (
  resource: string,
  measure: SeriesMeasure,
  hhmm: string,
  direction: "rise" | "drop" = "rise",
  service?: string,
): UnsourcedSignal => {
  const s = {
    ...rise(measure, { onset: at(hhmm), uncertainty: 0.5 }),
    direction,
    scope: { resource },
  };
  if (service === undefined) delete (s as { service?: string }).service;
  else (s as { service?: string }).service = service;
  return s as UnsourcedSignal;
};
/** Rolled out 09:40–09:45. */
const rolledOut = [
  { ...release({ deployedAt: at("09:45"), after: 29 }), deployStartedAt: at("09:40") },
] as UnsourcedSignal[];
const measures = (ts: { signal: unknown }[]) =>
  ts.map((t) => (t.signal as { measure?: string }).measure);

describe("releaseDrivenDependencies: bytes per item", () => {
  const step = on("cache-1", "cache_item_bytes", "09:46");

  it("counts a step on a cache whose item count held", () => {
    expect(measures(releaseDrivenDependencies(index([step], rolledOut)))).toContain(
      "cache_item_bytes",
    );
  });

  it("does not count a step whose cache lost items, or gained them before the step", () => {
    const dropped = index([step, on("cache-1", "cache_items", "09:46", "drop")], rolledOut);
    expect(measures(releaseDrivenDependencies(dropped))).not.toContain("cache_item_bytes");
    const earlier = index([step, on("cache-1", "cache_items", "09:41")], rolledOut);
    expect(measures(releaseDrivenDependencies(earlier))).not.toContain("cache_item_bytes");
    // Another cache losing items does not skew this one's ratio.
    const other = index([step, on("cache-2", "cache_items", "09:46", "drop")], rolledOut);
    expect(measures(releaseDrivenDependencies(other))).toContain("cache_item_bytes");
  });
});

describe("dependencyMovedFirst after a release-driven climb", () => {
  const symptom = on("lb-1", "errors_5xx", "10:14");
  const climb = on("cache-1", "memory", "09:46");

  it("excuses a later rise of the same resource or of one on the same stated service", () => {
    const same = index([climb, on("cache-1", "evictions", "10:05"), symptom], rolledOut);
    expect(dependencyMovedFirst(same)).toEqual([]);
    const svc = SERVICE;
    const stated = index(
      [
        on("cache-1", "memory", "09:46", "rise", svc),
        on("db-1", "cpu", "10:05", "rise", svc),
        symptom,
      ],
      rolledOut,
    );
    expect(dependencyMovedFirst(stated)).toEqual([]);
  });

  it("does not excuse a later rise of another resource whose service is unstated", () => {
    const unrelated = on("db-2", "connections", "10:05");
    const i = index([climb, unrelated, symptom], rolledOut);
    expect(dependencyMovedFirst(i).map((t) => t.signal)).toContainEqual(
      expect.objectContaining({ measure: "connections", scope: { resource: "db-2" } }),
    );
  });
});
