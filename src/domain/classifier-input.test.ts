import { describe, expect, expectTypeOf, it } from "vitest";
import {
  abortNoise,
  EMPTY_MEMORY,
  returnedOutput,
  SCENARIO_NOW,
} from "../../test/setup/classifier-fixtures.ts";
import { classify } from "./classifier.ts";
import {
  type ClassifierEvidence,
  type ClassifierInput,
  parseClassifierInput,
  toClassifierInput,
} from "./classifier-input.ts";
import { AppError, ErrorCode } from "./errors.ts";
import type { OperationalMemory, RouteEntry, ToolEntry } from "./evidence-context.ts";
import type { Signal } from "./signals.ts";

/** A PRODE Wiki page as READ_PRODE_WIKI would load it (frontmatter + sections). */
interface WikiPage {
  id: string;
  services: string[];
  signals: string[];
  owner: string;
  reviewed_at: string;
  status: "active" | "stale";
  failureModes: string[];
  queryRecipes: string[];
  negativeControls: string[];
}

const abortPattern: WikiPage = {
  id: "abort-noise",
  services: ["feed-api"],
  signals: ["client_aborts"],
  owner: "mobile",
  reviewed_at: "2025-01-10",
  status: "active",
  failureModes: ["mobile clients close the feed mid-request: aborts, not errors"],
  queryRecipes: ["5xx rate of feed-api over 2 h"],
  negativeControls: ["no 5xx rise", "no deploy in 24 h"],
};

const memoryWithPattern: OperationalMemory = {
  pages: [{ id: "abort-noise", path: "wiki/abort-noise.md", status: "read" }],
  recipesUsed: [{ pageId: "abort-noise", recipe: "5xx rate of feed-api", usedBy: "aws" }],
  negativeControlsUsed: [
    { pageId: "abort-noise", control: "no deploy in 24 h", usedBy: "release" },
  ],
  hypothesesToRetest: [{ pageId: "abort-noise", hypothesis: "this is known abort noise" }],
};

describe("memory is not proof (invariant 2), by type", () => {
  it("the classifier input has exactly the evidence fields, none for memory", () => {
    expectTypeOf<keyof ClassifierInput>().toEqualTypeOf<
      "ticket" | "tools" | "route" | "evidence"
    >();
    expectTypeOf<keyof ClassifierInput["ticket"]>().toEqualTypeOf<
      "ticketKey" | "labels" | "linkedSentryIssueIds"
    >();
    expectTypeOf<keyof ClassifierEvidence>().toEqualTypeOf<
      "specialistId" | "status" | "statusDetail" | "latestFetchedAt" | "signals" | "gaps"
    >();
  });

  it("no slot of the classifier input accepts a wiki page or a memory record", () => {
    expectTypeOf<WikiPage>().not.toExtend<Signal>();
    expectTypeOf<WikiPage>().not.toExtend<ClassifierEvidence>();
    expectTypeOf<WikiPage>().not.toExtend<ToolEntry>();
    expectTypeOf<WikiPage>().not.toExtend<RouteEntry>();
    expectTypeOf<WikiPage>().not.toExtend<ClassifierInput["ticket"]>();
    expectTypeOf<OperationalMemory>().not.toExtend<ClassifierEvidence>();
    expectTypeOf<OperationalMemory["pages"][number]>().not.toExtend<Signal>();
  });

  it("a wiki page cannot be passed to classify (compile-time and runtime)", () => {
    const base = toClassifierInput(abortNoise());
    // @ts-expect-error the classifier input has no field that can hold a wiki item
    const smuggled: ClassifierInput = { ...base, memory: abortPattern };
    const wrong = () => parseClassifierInput(smuggled);
    expect(wrong).toThrow(AppError);
    try {
      wrong();
    } catch (error) {
      expect((error as AppError).code).toBe(ErrorCode.BadInput);
    }
    expect(() => classify(smuggled, { now: SCENARIO_NOW })).toThrow(/memory/);
  });

  it("a wiki page hidden inside a signal is stripped before any rule sees it", () => {
    const base = toClassifierInput(abortNoise());
    const evidence = base.evidence.map((e) => ({
      ...e,
      signals: e.signals.map((s) => ({ ...s, page: abortPattern })),
    }));
    const parsed = parseClassifierInput({ ...base, evidence });
    expect(JSON.stringify(parsed)).not.toContain("abort-noise");
  });
});

describe("toClassifierInput", () => {
  it("drops the memory of a bundle: the same evidence classifies the same with or without it", () => {
    const s = abortNoise();
    const withMemory = toClassifierInput({ ...s, memory: memoryWithPattern } as typeof s);
    const without = toClassifierInput({ ...s, memory: EMPTY_MEMORY } as typeof s);
    expect(withMemory).not.toHaveProperty("memory");
    expect(withMemory).toEqual(without);
    expect(classify(withMemory, { now: SCENARIO_NOW })).toEqual(
      classify(without, { now: SCENARIO_NOW }),
    );
  });

  it("takes the newest source time as an instant, across offsets", () => {
    const out = returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cw:a" }, []);
    out.sources = [
      { kind: "cloudwatch_metric", ref: "cw:a", fetchedAt: "2025-03-04T10:20:00+02:00" },
      { kind: "cloudwatch_metric", ref: "cw:b", fetchedAt: "2025-03-04T09:00:00Z" },
    ];
    const { evidence } = toClassifierInput({ ...abortNoise(), specialists: [out] });
    expect(evidence[0]?.latestFetchedAt).toBe("2025-03-04T09:00:00Z");
  });

  it("carries a skip reason and a failure code as the status detail", () => {
    const s = abortNoise();
    const failed = {
      ...s.specialists[0]!,
      status: "failed" as const,
      error: { code: "upstream_rate_limited", message: "429" },
    };
    const { evidence } = toClassifierInput({ ...s, specialists: [failed] });
    expect(evidence[0]).toMatchObject({ status: "failed", statusDetail: "upstream_rate_limited" });
  });
});
