import { describe, expect, it } from "vitest";
import { returnedOutput } from "../../test/setup/classifier-fixtures.ts";
import type { Classification } from "./classifier-schema.ts";
import { investigationOf } from "./investigation.ts";

const specialists = [
  returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cloudwatch_metric:5xx" }, [
    {
      kind: "series_change",
      measure: "errors_5xx",
      direction: "rise",
      before: 0.2,
      after: 9,
      service: "svc-a",
      onset: "2026-11-20T14:04:00Z",
      onsetUncertaintyMinutes: 2.5,
      windowStart: "2026-11-20T12:35:00Z",
      windowEnd: "2026-11-20T14:35:00Z",
    },
  ]),
  returnedOutput("release", { kind: "github_deploy", ref: "github_deploy:2" }, [
    {
      kind: "release_correlation",
      release: "v2",
      deployedAt: "2026-11-20T14:02:00Z",
      firstSeenAfterDeployMinutes: 2,
      windowStart: "2026-11-20T12:32:00Z",
      windowEnd: "2026-11-20T15:32:00Z",
    },
    {
      kind: "change_event",
      change: "deploy",
      ref: "v1",
      at: "2026-11-19T18:00:00Z",
      minutesBeforeOnset: 1204,
    },
  ]),
];

const conflict = (subject: string, material: boolean): Classification["conflicts"][number] => ({
  subject,
  material,
  between: [
    { specialistId: "a", signalKind: "k", sourceRef: "r1", summary: "s" },
    { specialistId: "b", signalKind: "k", sourceRef: "r2", summary: "s" },
  ],
});

describe("investigationOf", () => {
  it("records the run's onset with its source and uncertainty", () => {
    const inv = investigationOf({ specialists });
    expect(inv.onset).toMatchObject({
      at: "2026-11-20T14:04:00Z",
      source: "series",
      specialistId: "aws",
      measure: "errors_5xx",
      uncertaintyMinutes: 2.5,
    });
  });

  it("lists the window of every series and every candidate deploy, split at its anchor", () => {
    const inv = investigationOf({ specialists });
    expect(inv.windows.map((w) => [w.kind, w.start, w.anchor, w.end])).toEqual([
      ["series", "2026-11-20T12:35:00Z", "2026-11-20T14:04:00Z", "2026-11-20T14:35:00Z"],
      ["deploy", "2026-11-20T12:32:00Z", "2026-11-20T14:02:00Z", "2026-11-20T15:32:00Z"],
      ["deploy", "2026-11-19T18:00:00Z", "2026-11-19T18:00:00Z", "2026-11-19T18:00:00Z"],
    ]);
    expect(inv.windows[2]?.subject).toBe("deploy v1 (not correlated, 1204 min before the onset)");
  });

  it("reports every conflict check with its result, material ones marked", () => {
    const inv = investigationOf({
      specialists,
      classification: {
        conflicts: [conflict("onset order: x", true), conflict("scope: y", false)],
      } as Classification,
    });
    const byCheck = Object.fromEntries(inv.conflictsChecked.map((c) => [c.check, c]));
    expect(byCheck.onset_order).toMatchObject({
      result: "material_conflict",
      subjects: ["onset order: x"],
    });
    expect(byCheck.scope?.result).toBe("conflict");
    expect(byCheck.service_identity?.result).toBe("none");
  });
});
