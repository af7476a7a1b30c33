import type { KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { assertSafeRender } from "../test/setup/blocks/assertions.ts";
import { allText, EXAMPLE_NOW, loadExample } from "../test/setup/blocks/examples.ts";
import { renderEvidenceBundle } from "./evidence-bundle.ts";
import type { EvidenceBundleView } from "./view-models.ts";

const example = loadExample<EvidenceBundleView>("evidence");

function render(view: EvidenceBundleView) {
  const rendered = renderEvidenceBundle(view, EXAMPLE_NOW);
  assertSafeRender(rendered, "message", view);
  return rendered;
}

function textOf(block: KnownBlock | undefined): string {
  // allText leads with the (empty) notification text; drop it.
  return allText({ text: "", blocks: block === undefined ? [] : [block] }).slice(1);
}

describe("renderEvidenceBundle", () => {
  it("states classification, confidence and severity", () => {
    const text = allText(render(example));
    expect(text).toContain("*Classification*\nCode defect");
    expect(text).toContain("*Confidence*\n82%");
    expect(text).toContain("*Severity*\nSEV2");
    expect(text).toContain("*Root-cause hypothesis*\nRelease 2025.03.03-2");
  });

  it("keeps rejected hypotheses, with the evidence that rejected them and a test", () => {
    const text = allText(render(example));
    expect(text).toContain(
      ":no_entry_sign: *2. KYC vendor degradation returning null profiles* · rejected",
    );
    expect(text).toContain("*Against:* No vendor error or latency rise in CloudWatch");
    expect(text).toContain(":test_tube: *Test:* Compare vendor_call_errors with the 5xx series");
  });

  it("cites a source on every fact: a link when there is a URL, the reference otherwise", () => {
    const text = allText(render(example));
    expect(text).toContain(
      "— _sentry_ <https://acme.sentry.io/issues/5123987654/|ONBOARDING-API-3KX>",
    );
    expect(text).toContain("— _cloudwatch_ `onboarding-api/5xx-by-route`");
  });

  it("shows gaps with their confidence impact", () => {
    expect(allText(render(example))).toContain(
      ":warning: No vendor status source for the KYC vendor · -5 pts confidence",
    );
  });

  it("keeps memory apart from evidence, under its own label, after every evidence section", () => {
    const { blocks } = render(example);
    const labelled = blocks.findIndex((b) =>
      textOf(b).includes("Memory (routing only — not evidence)"),
    );
    const facts = blocks.findIndex((b) => textOf(b).startsWith("*Facts*"));
    const gaps = blocks.findIndex((b) => textOf(b).startsWith("*Gaps*"));
    expect(facts).toBeGreaterThan(0);
    expect(labelled).toBeGreaterThan(facts);
    expect(labelled).toBeGreaterThan(gaps);
    expect(blocks[labelled - 1]?.type).toBe("divider");
    const memory = textOf(blocks[labelled + 1]);
    expect(memory).toContain("Onboarding API failure modes (read)");
    expect(memory).toContain("KYC vendor incidents (stale)");
    // Nothing from memory leaks into the evidence sections.
    const evidence = blocks.slice(0, labelled).map(textOf).join("\n");
    expect(evidence).not.toContain("failure modes");
    expect(evidence).not.toContain("ALB access-log metric filter");
  });

  it("cuts 1,000 facts to what fits, counting the rest and linking the full bundle", () => {
    const facts = Array.from({ length: 1_000 }, (_, i) => ({
      text: `fact number ${i}`,
      source: { kind: "cloudwatch", ref: `metric-${i}` },
    }));
    const { blocks } = render({ ...example, facts });
    const section = blocks.map(textOf).find((t) => t.startsWith("*Facts* (1000)")) ?? "";
    const shown = section.split("\n").filter((l) => l.startsWith("• fact number")).length;
    expect(shown).toBe(8);
    expect(section).toContain(
      `…and ${1_000 - shown} more — see <https://prode.acme.internal/runs/run_01JNF3Q8K2M4/artifacts/evidence-bundle|full artifact>`,
    );
  });

  it("does not repeat the specialists' statuses, which the specialist reply already shows", () => {
    const text = allText(render(example));
    expect(text).not.toContain("*Specialists*");
    for (const s of example.specialists) {
      if (s.headline !== undefined) expect(text).not.toContain(s.headline);
    }
  });

  it("keeps a rejected hypothesis short: no empty For line, two items of what rejected it", () => {
    const rejected = {
      statement: "Capacity exhaustion",
      status: "rejected" as const,
      evidenceFor: [],
      evidenceAgainst: ["a1", "a2", "a3", "a4", "a5"],
    };
    const text = allText(render({ ...example, hypotheses: [rejected] }));
    expect(text).toContain(
      ":no_entry_sign: *1. Capacity exhaustion* · rejected\n:heavy_minus_sign:",
    );
    expect(text).toContain("*Against:* a1; a2; …and 3 more");
    expect(text).not.toContain("a3");
  });

  it("shows at most five hypotheses, counting the others", () => {
    const hypotheses = Array.from({ length: 9 }, (_, i) => ({
      statement: `hypothesis ${i}`,
      status: "open" as const,
      evidenceFor: [],
      evidenceAgainst: [],
    }));
    const text = allText(render({ ...example, hypotheses }));
    expect(text).toContain("*5. hypothesis 4*");
    expect(text).not.toContain("hypothesis 5*");
    expect(text).toContain("…and 4 more hypotheses");
  });
});
