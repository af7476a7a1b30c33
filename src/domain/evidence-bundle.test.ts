import { describe, expect, it } from "vitest";
import { abortNoise, input, SCENARIO_NOW } from "../../test/setup/classifier-fixtures.ts";
import { classify } from "./classifier.ts";
import { AppError } from "./errors.ts";
import { evidenceJsonSchema, PUBLISHED_SCHEMA_NAMES } from "./evidence.ts";
import {
  EVIDENCE_BUNDLE_SCHEMA_VERSION,
  type EvidenceBundle,
  parseEvidenceBundle,
} from "./evidence-bundle.ts";
import { investigationOf } from "./investigation.ts";

function abortBundle(): EvidenceBundle {
  const s = abortNoise();
  return {
    schemaVersion: EVIDENCE_BUNDLE_SCHEMA_VERSION,
    runId: "run-310-1",
    createdAt: "2025-03-04T10:30:00Z",
    ...s,
    memory: {
      pages: [{ id: "abort-noise", path: "wiki/abort-noise.md", status: "read" }],
      recipesUsed: [{ pageId: "abort-noise", recipe: "5xx rate over 2 h", usedBy: "aws" }],
      negativeControlsUsed: [{ pageId: "abort-noise", control: "no deploy", usedBy: "release" }],
      hypothesesToRetest: [{ pageId: "abort-noise", hypothesis: "known abort noise" }],
    },
    classification: classify(input(s), { now: SCENARIO_NOW }),
    impact: {
      summary: "feed requests aborted by closing clients",
      scope: "isolated",
      services: ["feed-api"],
      customerVisible: false,
      blastRadius: "none: no server errors",
    },
    mitigations: [],
    verification: [
      { check: "5xx rate stays flat", how: "CloudWatch feed-api 5xx over 24 h", status: "pending" },
    ],
    approvals: {
      pending: [
        {
          id: "apr-1",
          action: "sentry: ignore FEED-991",
          digest: "a".repeat(64),
          requestedAt: "2025-03-04T10:30:00Z",
          expiresAt: "2025-03-04T11:30:00Z",
        },
      ],
      decided: [],
    },
  };
}

describe("EvidenceBundle", () => {
  it("parses a complete bundle and survives a JSON round trip unchanged", () => {
    const bundle = abortBundle();
    const again = parseEvidenceBundle(JSON.parse(JSON.stringify(bundle)));
    expect(again).toEqual(bundle);
    expect(again.classification?.class).toBe("noise");
  });

  it("refuses a bundle whose specialist output carries an unsourced finding", () => {
    const bundle = abortBundle();
    const first = bundle.specialists[0]!;
    bundle.specialists[0] = {
      ...first,
      findings: [{ fact: "trust me", sourceRef: "nowhere", observedAt: "2025-03-04T10:00:00Z" }],
    };
    expect(() => parseEvidenceBundle(bundle)).toThrow(/unknown source 'nowhere'/);
  });

  it("still reads a version-1 bundle, which has no investigation", () => {
    const { investigation: _none, ...rest } = abortBundle();
    const v1 = parseEvidenceBundle({ ...rest, schemaVersion: 1 });
    expect(v1.schemaVersion).toBe(1);
    expect("investigation" in v1).toBe(false);
  });

  it("carries the investigation: onset, windows, resolution and every conflict check", () => {
    const bundle = abortBundle();
    bundle.investigation = investigationOf({
      specialists: bundle.specialists,
      ...(bundle.classification ? { classification: bundle.classification } : {}),
      resolution: {
        service: "feed-api",
        decidedBy: "sentry_project",
        declared: true,
        sources: [
          {
            source: "sentry_project",
            value: "feed-api",
            service: "feed-api",
            detail: "Sentry issue 1 is in project feed-api",
          },
        ],
        policyScope: { service: "feed-api" },
        gaps: [],
      },
    });
    const again = parseEvidenceBundle(JSON.parse(JSON.stringify(bundle)));
    expect(again).toEqual(bundle);
    const checks = bundle.investigation.conflictsChecked.map((c) => c.check);
    expect(checks).toEqual(expect.arrayContaining(["onset_order", "scope", "service_identity"]));
    expect(bundle.investigation.resolution?.service).toBe("feed-api");
  });

  it("refuses another schema version and a malformed approval digest", () => {
    expect(() => parseEvidenceBundle({ ...abortBundle(), schemaVersion: 3 })).toThrow(AppError);
    const bundle = abortBundle();
    bundle.approvals.pending[0]!.digest = "not-a-digest";
    expect(() => parseEvidenceBundle(bundle)).toThrow(/sha256/);
  });
});

describe("published JSON Schemas", () => {
  it("describe the bundle with its schema version and every section", () => {
    const schema = evidenceJsonSchema("evidence-bundle") as {
      properties: Record<string, { const?: unknown }>;
      required: string[];
    };
    expect(schema.properties.schemaVersion?.const).toBe(2);
    expect(schema.required).toEqual(
      expect.arrayContaining([
        "schemaVersion",
        "linear",
        "toolMap",
        "memory",
        "specialists",
        "impact",
        "mitigations",
        "verification",
        "approvals",
      ]),
    );
    expect(schema.required).not.toContain("classification");
  });

  it("can be generated for every published name", () => {
    for (const name of PUBLISHED_SCHEMA_NAMES) {
      expect(evidenceJsonSchema(name)).toHaveProperty("$schema");
    }
  });
});
