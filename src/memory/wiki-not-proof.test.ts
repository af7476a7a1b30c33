import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { RoutingHints } from "../../specialists/types.ts";
import {
  abortNoise,
  backend500,
  EMPTY_MEMORY,
  queueAlarm,
  SCENARIO_NOW,
  type Scenario,
  staleCounts,
} from "../../test/setup/classifier-fixtures.ts";
import { classify } from "../domain/classifier.ts";
import {
  type ClassifierEvidence,
  type ClassifierInput,
  toClassifierInput,
} from "../domain/classifier-input.ts";
import type { Signal } from "../domain/signals.ts";
import type { WikiNegativeControl, WikiPage, WikiRecipe } from "./types.ts";
import { loadWiki, recordHintsForRoute, selectWikiPages, type Wiki } from "./wiki.ts";

/**
 * Invariant 2, "memory is not proof", seen from the wiki's side: whatever the wiki says
 * about a ticket, the classifier sees the same input and reaches the same result.
 */

const SHIPPED_WIKI = fileURLToPath(new URL("../../wiki/", import.meta.url));

let wiki: Wiki;
beforeAll(async () => {
  wiki = await loadWiki(SHIPPED_WIKI);
});

/** The memory READ_PRODE_WIKI and ROUTE_SPECIALISTS would record for a fixture. */
function memoryFor(s: Scenario) {
  const { memory, hints } = selectWikiPages(
    wiki,
    {
      labels: s.linear.labels,
      services: s.specialists.flatMap((o) =>
        o.signals.flatMap((sig) => ("service" in sig && sig.service ? [sig.service] : [])),
      ),
      text: `${s.linear.title}\n${s.linear.descriptionExcerpt}`,
    },
    SCENARIO_NOW,
  );
  const routed = s.toolMap.route.specialists.map((r) => r.specialistId);
  return { memory: recordHintsForRoute(memory, hints, routed), hints };
}

describe("wiki memory never reaches the classifier", () => {
  it.each([
    ["abort noise", abortNoise],
    ["backend 500", backend500],
    ["queue alarm", queueAlarm],
    ["stale counts", staleCounts],
  ])("%s: toClassifierInput is identical with, without and with empty memory", (_name, make) => {
    const s = make();
    const { memory, hints } = memoryFor(s);
    const bundleLike = { ...s, memory, hints };
    const withMemory = toClassifierInput(bundleLike);
    const emptyBundle = { ...s, memory: EMPTY_MEMORY };
    const withEmpty = toClassifierInput(emptyBundle);
    const without = toClassifierInput(s);
    expect(withMemory).toEqual(without);
    expect(withEmpty).toEqual(without);
    expect(classify(withMemory, { now: SCENARIO_NOW })).toEqual(
      classify(without, { now: SCENARIO_NOW }),
    );
    // Nothing from the wiki travels inside the input either.
    const text = JSON.stringify(withMemory);
    for (const page of memory.pages) expect(text).not.toContain(page.path);
    for (const h of memory.hypothesesToRetest) expect(text).not.toContain(h.hypothesis);
    for (const r of hints.recipes) expect(text).not.toContain(r.body);
  });

  it("the abort fixture does select the abort page, so the comparison above is not vacuous", () => {
    const { memory, hints } = memoryFor(abortNoise());
    expect(hints.pages).toContain("mobile-request-aborted");
    expect(memory.hypothesesToRetest.length).toBeGreaterThan(0);
    expect(memory.negativeControlsUsed.length).toBeGreaterThan(0);
  });

  it("no slot of the classifier input accepts a page, a recipe, a control or the hints", () => {
    expectTypeOf<WikiPage>().not.toExtend<Signal>();
    expectTypeOf<WikiPage>().not.toExtend<ClassifierEvidence>();
    expectTypeOf<WikiRecipe>().not.toExtend<Signal>();
    expectTypeOf<WikiNegativeControl>().not.toExtend<Signal>();
    expectTypeOf<RoutingHints>().not.toExtend<ClassifierInput>();
    expectTypeOf<RoutingHints>().not.toExtend<ClassifierEvidence>();
    expectTypeOf<keyof ClassifierInput>().toEqualTypeOf<
      "ticket" | "tools" | "route" | "evidence"
    >();
  });
});
