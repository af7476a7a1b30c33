import { describe, expect, it } from "vitest";
import { returnedOutput } from "../../test/setup/classifier-fixtures.ts";
import type { RunOnset } from "./run-onset.ts";
import { runPrecursor } from "./run-precursor.ts";
import type { SeriesMeasure } from "./signals.ts";

const rise = (measure: SeriesMeasure, onset: string) =>
  ({
    kind: "series_change",
    measure,
    direction: "rise",
    before: 1,
    after: 10,
    onset,
    onsetUncertaintyMinutes: 0.5,
  }) as const;
const onset: RunOnset = {
  at: "2026-11-20T10:09:00Z",
  what: "latency_p99 rose (aws)",
  specialistId: "aws",
  source: "series",
  uncertaintyMinutes: 0.5,
  sourceRef: "cw:alb",
  candidates: 1,
};
const aws = (...signals: ReturnType<typeof rise>[]) => [
  returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cw:a" }, signals),
];

describe("runPrecursor", () => {
  it("is the earliest dependency load climb before the symptom", () => {
    const p = runPrecursor(
      aws(rise("evictions", "2026-11-20T10:06:00Z"), rise("memory", "2026-11-20T08:00:00Z")),
      onset,
    );
    expect(p).toMatchObject({ at: "2026-11-20T08:00:00Z", uncertaintyMinutes: 0.5 });
  });

  it("is none when request volume rose at or before the climb: traffic drove it", () => {
    expect(
      runPrecursor(
        aws(rise("memory", "2026-11-20T08:00:00Z"), rise("requests", "2026-11-20T07:58:00Z")),
        onset,
      ),
    ).toBeUndefined();
  });

  it("is none for a climb with the symptom, or without a series onset", () => {
    expect(runPrecursor(aws(rise("memory", "2026-11-20T10:09:00Z")), onset)).toBeUndefined();
    expect(runPrecursor(aws(rise("memory", "2026-11-20T08:00:00Z")), undefined)).toBeUndefined();
  });
});
