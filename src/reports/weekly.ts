import { table } from "./calibration.ts";

/**
 * The weekly reliability review (issue 15.6): what the runs of a period did, how long
 * each phase took, why runs failed, how fast tickets became PRs and how approvals were
 * decided. Built by {@link loadWeeklyReport} (weekly-query.ts); formatted here.
 */
export interface Percentiles {
  count: number;
  /** Seconds. */
  p50: number | null;
  p95: number | null;
}

export interface WeeklyReport {
  since: string;
  until: string;
  runs: {
    total: number;
    /** Runs by exit; "(active)" for runs not stopped yet. */
    byExit: { exit: string; count: number }[];
    /** Finished runs that stopped on a named exit (every outcome but FAILED). */
    succeeded: number;
    failed: number;
    /** succeeded / failed; null when nothing failed. */
    successErrorRatio: number | null;
    /** succeeded / (succeeded + failed); null when nothing finished. */
    successRate: number | null;
  };
  /** Time spent in each phase (from entering it to leaving it), phases that were left. */
  phases: ({ phase: string } & Percentiles)[];
  /** FAILED runs grouped by error code, most frequent first, with one message. */
  failureCauses: { code: string; count: number; example: string }[];
  delivery: {
    /** From the ticket's creation (else the run's) to the PR being opened. */
    ticketToPr: Percentiles;
    prs: number;
    merged: number;
    closedUnmerged: number;
    /** Still waiting for review (or no review state recorded). */
    open: number;
    /** merged / (merged + closedUnmerged); null while none was decided. */
    mergeRate: number | null;
    /** From the merge (entering POST_MERGE_MONITOR) to the monitor's verdict. */
    mergeToVerdict: Percentiles;
  };
  approvals: {
    requested: number;
    decided: number;
    approved: number;
    rejected: number;
    expired: number;
    pending: number;
    /** From the request to the human's decision. */
    decisionLatency: Percentiles;
  };
}

/** Seconds as a short duration: 45s, 12m, 3.5h, 2.1d. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return "-";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86_400).toFixed(1)}d`;
}

const pct = (x: number | null) => (x === null ? "-" : `${Math.round(x * 100)}%`);
const spread = (p: Percentiles) =>
  p.count === 0 ? "none" : `p50 ${formatSeconds(p.p50)}, p95 ${formatSeconds(p.p95)} (${p.count})`;

export function formatWeekly(r: WeeklyReport): string {
  const lines = [
    `prode weekly reliability review, ${r.since} to ${r.until}`,
    "",
    `runs: ${r.runs.total} started; ${r.runs.succeeded} stopped on a named exit, ${r.runs.failed} FAILED (success ${pct(r.runs.successRate)}, success/error ${r.runs.successErrorRatio === null ? "-" : r.runs.successErrorRatio.toFixed(1)})`,
    ...table(
      ["EXIT", "RUNS"],
      r.runs.byExit.map((e) => [e.exit, String(e.count)]),
    ).map((l) => `  ${l}`),
    "",
    "time by phase:",
    ...(r.phases.length === 0
      ? ["  none"]
      : table(
          ["PHASE", "COUNT", "P50", "P95"],
          r.phases.map((p) => [
            p.phase,
            String(p.count),
            formatSeconds(p.p50),
            formatSeconds(p.p95),
          ]),
        ).map((l) => `  ${l}`)),
    "",
    "top failure causes:",
    ...(r.failureCauses.length === 0
      ? ["  none"]
      : r.failureCauses.map((f) => `  ${f.count}× ${f.code}: ${f.example}`)),
    "",
    `delivery: ${r.delivery.prs} PR${r.delivery.prs === 1 ? "" : "s"}; ticket to PR ${spread(r.delivery.ticketToPr)}`,
    `  merged ${r.delivery.merged}, closed unmerged ${r.delivery.closedUnmerged}, open ${r.delivery.open}; merge rate ${pct(r.delivery.mergeRate)}`,
    `  merge to monitor verdict ${spread(r.delivery.mergeToVerdict)}`,
    "",
    `approvals: ${r.approvals.requested} requested, ${r.approvals.decided} decided (${r.approvals.approved} approved, ${r.approvals.rejected} rejected), ${r.approvals.expired} expired, ${r.approvals.pending} pending`,
    `  decision latency ${spread(r.approvals.decisionLatency)}`,
  ];
  return `${lines.join("\n")}\n`;
}
