/**
 * The eval's arithmetic and its printout, kept pure so they are tested without a world:
 * one row per scenario in, a confusion matrix (expected exit × exit got), accuracy per
 * family, wrong gate passes and time per scenario out.
 */

/** The label of a run that passed the evidence gate (delivery would begin). */
export const DELIVERY = "DELIVERY";
/** The label of a scenario whose run did not finish (a timeout, a harness error). */
export const ERROR = "ERROR";

export interface EvalRow {
  scenario: string;
  /** The scenario's family ("vendor", "az-outage", …); "unfiled" when it has none. */
  family: string;
  /** The expected exit: an outcome, or DELIVERY when the scenario expects the gate to pass. */
  expected: string;
  /** The exit got: the run's outcome, DELIVERY when the gate passed, or ERROR. */
  got: string;
  /** The gate decided proceed_to_delivery. */
  gatePassed: boolean;
  /** The scenario allows the gate to pass (it expects delivery or a PR). */
  deliveryExpected: boolean;
  ms: number;
  /** Why the run did not finish, when got is ERROR. */
  error?: string;
}

export interface FamilyScore {
  family: string;
  right: number;
  total: number;
}

export interface EvalSummary {
  total: number;
  right: number;
  /** Runs that passed the gate where the scenario does not allow it. Must be 0. */
  wrongGatePasses: string[];
  misses: { scenario: string; expected: string; got: string }[];
  /** Labels in the order rows and columns are printed. */
  labels: string[];
  /** matrix[expected][got] = count. */
  matrix: Record<string, Record<string, number>>;
  families: FamilyScore[];
  totalMs: number;
}

/** A row is right when the exit got equals the exit expected. */
export function isRight(row: EvalRow): boolean {
  return row.got === row.expected;
}

export function isWrongGatePass(row: EvalRow): boolean {
  return row.gatePassed && !row.deliveryExpected;
}

/** Exit labels in a fixed reading order: delivery first, then the named exits, ERROR last. */
const ORDER = [
  DELIVERY,
  "APPROVAL_REQUIRED",
  "NO_CODE_CHANGE",
  "VENDOR_OR_INFRA",
  "NOISE_NO_FIX",
  "ESCALATED_INCIDENT",
  "CANNOT_AUTO_FIX",
  "BLOCKED_NEEDS_INFO",
  "SUPERSEDED",
  "FAILED",
];

function labelRank(label: string): number {
  if (label === ERROR) return ORDER.length + 1;
  const i = ORDER.indexOf(label);
  return i === -1 ? ORDER.length : i;
}

export function summarizeEval(rows: readonly EvalRow[]): EvalSummary {
  const labels = [...new Set(rows.flatMap((r) => [r.expected, r.got]))].sort(
    (a, b) => labelRank(a) - labelRank(b) || a.localeCompare(b),
  );
  const matrix: Record<string, Record<string, number>> = {};
  for (const e of labels) matrix[e] = Object.fromEntries(labels.map((g) => [g, 0]));
  const byFamily = new Map<string, FamilyScore>();
  for (const r of rows) {
    matrix[r.expected]![r.got]! += 1;
    const f = byFamily.get(r.family) ?? { family: r.family, right: 0, total: 0 };
    f.total += 1;
    if (isRight(r)) f.right += 1;
    byFamily.set(r.family, f);
  }
  return {
    total: rows.length,
    right: rows.filter(isRight).length,
    wrongGatePasses: rows.filter(isWrongGatePass).map((r) => r.scenario),
    misses: rows
      .filter((r) => !isRight(r))
      .map((r) => ({ scenario: r.scenario, expected: r.expected, got: r.got })),
    labels,
    matrix,
    families: [...byFamily.values()].sort((a, b) => a.family.localeCompare(b.family)),
    totalMs: rows.reduce((sum, r) => sum + r.ms, 0),
  };
}

/** Short column headers for the matrix: the first letters of each word. */
function abbreviate(label: string): string {
  if (label === DELIVERY) return "DLV";
  if (label === ERROR) return "ERR";
  return label
    .split("_")
    .map((w) => w[0])
    .join("");
}

function pct(right: number, total: number): string {
  return total === 0 ? "-" : `${Math.round((right / total) * 100)}%`;
}

function table(header: string[], body: string[][], alignRight: (col: number) => boolean): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (alignRight(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...body.map(line)];
}

/** The printout: per-scenario table, confusion matrix, per-family accuracy, the verdict. */
export function formatEvalReport(rows: readonly EvalRow[]): string {
  const s = summarizeEval(rows);
  const out: string[] = [];
  out.push(
    ...table(
      ["SCENARIO", "FAMILY", "EXPECTED", "GOT", "GATE", "TIME", "OK"],
      rows.map((r) => [
        r.scenario,
        r.family,
        r.expected,
        r.got,
        r.gatePassed ? (isWrongGatePass(r) ? "PASSED (WRONG)" : "passed") : "-",
        `${(r.ms / 1000).toFixed(1)}s`,
        isRight(r) ? "yes" : "NO",
      ]),
      (i) => i === 5,
    ),
  );
  const errors = rows.filter((r) => r.got === ERROR && r.error);
  if (errors.length) {
    out.push("", "errors:");
    for (const r of errors) out.push(`  ${r.scenario}: ${r.error}`);
  }

  out.push("", "confusion matrix (rows: expected exit, columns: exit got)");
  out.push(
    ...table(
      ["expected \\ got", ...s.labels.map(abbreviate)],
      s.labels.map((e) => [
        e,
        ...s.labels.map((g) => {
          const n = s.matrix[e]![g]!;
          return n === 0 ? "." : String(n);
        }),
      ]),
      (i) => i > 0,
    ),
  );
  out.push(`  ${s.labels.map((l) => `${abbreviate(l)} = ${l}`).join(", ")}`);

  out.push("", "accuracy per family");
  out.push(
    ...table(
      ["FAMILY", "RIGHT", "ACCURACY"],
      s.families.map((f) => [f.family, `${f.right}/${f.total}`, pct(f.right, f.total)]),
      (i) => i > 0,
    ),
  );

  out.push("");
  out.push(
    `wrong gate passes: ${s.wrongGatePasses.length}${s.wrongGatePasses.length ? ` (${s.wrongGatePasses.join(", ")})` : ""}`,
  );
  out.push(
    `right exits: ${s.right}/${s.total} (${pct(s.right, s.total)}), total time ${(s.totalMs / 1000).toFixed(1)}s`,
  );
  if (s.misses.length) {
    out.push(
      `misses: ${s.misses.map((m) => `${m.scenario} (expected ${m.expected}, got ${m.got})`).join("; ")}`,
    );
  }
  return `${out.join("\n")}\n`;
}
