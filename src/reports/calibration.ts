/**
 * Calibration (issue 15.5): per confidence band, how often the leading hypothesis held,
 * and the Brier score of the stated confidence against that truth. Pure: the rows come
 * from {@link loadCalibrationRows} (calibration-query.ts).
 */

/** One classified run with whatever truth is known about it. */
export interface CalibrationRow {
  runId: string;
  class: string;
  /** The classification's confidence, 0–100. */
  confidence: number;
  /** The gate's decision, when the run recorded one. */
  decision: string | null;
  /** The post-merge monitor's verdict, when the run was monitored. */
  monitorVerdict: string | null;
  /** On-call feedback on the verdict: how many said Right, how many Wrong. */
  feedbackRight: number;
  feedbackWrong: number;
}

export type Truth = "held" | "not_held" | "unknown";

/**
 * What happened to a run's hypothesis. The monitor decides when it reached a verdict
 * (resolved → held; still recurring → not held); an inconclusive or absent verdict falls
 * back to on-call feedback by majority (Right → held, Wrong → not held); a tie or nothing
 * is unknown.
 */
export function truthOf(
  row: Pick<CalibrationRow, "monitorVerdict" | "feedbackRight" | "feedbackWrong">,
): Truth {
  const verdict = row.monitorVerdict?.toLowerCase().replace(/[\s-]+/g, "_");
  if (verdict === "resolved") return "held";
  if (verdict === "still_recurring") return "not_held";
  if (row.feedbackRight > row.feedbackWrong) return "held";
  if (row.feedbackWrong > row.feedbackRight) return "not_held";
  return "unknown";
}

export interface ConfidenceBand {
  label: string;
  /** The band holds confidences from `min` up to the next band's `min`. */
  min: number;
}

/** The gate stops below 70 (DESIGN.md, Classifier), so 70 is where the bands start. */
export const CONFIDENCE_BANDS: readonly ConfidenceBand[] = [
  { label: "<70", min: Number.NEGATIVE_INFINITY },
  { label: "70-79", min: 70 },
  { label: "80-89", min: 80 },
  { label: "90-100", min: 90 },
];

export interface BandStats {
  band: string;
  runs: number;
  held: number;
  notHeld: number;
  /** Runs with no truth yet: excluded from the rate and the Brier score. */
  unknown: number;
  /** held / (held + notHeld), or null with no known truth. */
  holdRate: number | null;
  /** Mean stated confidence (as a probability) over the runs with a known truth. */
  meanConfidence: number | null;
  /** Mean of (confidence − outcome)² over the runs with a known truth; 0 is perfect. */
  brier: number | null;
}

export interface CalibrationReport {
  since: string | null;
  bands: BandStats[];
  overall: BandStats;
  /** Finished runs that stopped before CLASSIFY: no confidence to calibrate. */
  unclassified: number;
}

function stats(band: string, rows: readonly CalibrationRow[]): BandStats {
  let held = 0;
  let notHeld = 0;
  let squared = 0;
  let confidence = 0;
  for (const row of rows) {
    const truth = truthOf(row);
    if (truth === "unknown") continue;
    const p = row.confidence / 100;
    const o = truth === "held" ? 1 : 0;
    if (o === 1) held += 1;
    else notHeld += 1;
    squared += (p - o) ** 2;
    confidence += p;
  }
  const known = held + notHeld;
  return {
    band,
    runs: rows.length,
    held,
    notHeld,
    unknown: rows.length - known,
    holdRate: known > 0 ? held / known : null,
    meanConfidence: known > 0 ? confidence / known : null,
    brier: known > 0 ? squared / known : null,
  };
}

export function bandOf(confidence: number): ConfidenceBand {
  return CONFIDENCE_BANDS.findLast((b) => confidence >= b.min) ?? CONFIDENCE_BANDS[0]!;
}

export function calibrate(
  rows: readonly CalibrationRow[],
  { since = null, unclassified = 0 }: { since?: Date | null; unclassified?: number } = {},
): CalibrationReport {
  return {
    since: since?.toISOString() ?? null,
    unclassified,
    bands: CONFIDENCE_BANDS.map((b) =>
      stats(
        b.label,
        rows.filter((r) => bandOf(r.confidence) === b),
      ),
    ),
    overall: stats("all", rows),
  };
}

const pct = (x: number | null) => (x === null ? "-" : `${Math.round(x * 100)}%`);
const fixed = (x: number | null) => (x === null ? "-" : x.toFixed(3));

/** The report as a table, one row per band and one for all. */
export function formatCalibration(report: CalibrationReport): string {
  const header = [
    "CONFIDENCE",
    "RUNS",
    "HELD",
    "NOT HELD",
    "UNKNOWN",
    "HELD RATE",
    "MEAN CONF",
    "BRIER",
  ];
  const rows = [...report.bands, report.overall].map((b) => [
    b.band,
    String(b.runs),
    String(b.held),
    String(b.notHeld),
    String(b.unknown),
    pct(b.holdRate),
    pct(b.meanConfidence),
    fixed(b.brier),
  ]);
  const lines = [
    `calibration${report.since ? ` since ${report.since}` : ""}: truth from the post-merge monitor, else on-call feedback; unknown runs are left out of the rate and the Brier score`,
    ...table(header, rows),
    `${report.unclassified} run${report.unclassified === 1 ? "" : "s"} stopped before CLASSIFY (no confidence)`,
  ];
  return `${lines.join("\n")}\n`;
}

/** Left-aligned columns, two spaces apart. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
}
