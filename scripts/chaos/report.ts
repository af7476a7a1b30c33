import type { Suite } from "./suite.ts";

/** One printed row per fault. */
export interface Row {
  fault: string;
  started: number;
  completed: number;
  failed: number;
  lost: number;
  /** Tickets whose delivery web refused or never answered at least once (then retried). */
  retried: number;
  duplicated: number;
  auditValid: boolean | "?";
  drainSeconds: number | "timeout";
}

/** The fault table and the supervisor's restarts. */
export function printRows(rows: Row[], s: Suite): void {
  const header = [
    "fault",
    "started",
    "completed",
    "FAILED",
    "lost",
    "retried",
    "duplicated",
    "audit",
    "drain s",
  ];
  const cells = rows.map((r) => [
    r.fault,
    String(r.started),
    String(r.completed),
    String(r.failed),
    String(r.lost),
    String(r.retried),
    String(r.duplicated),
    r.auditValid === true ? "valid" : r.auditValid === false ? "BROKEN" : "?",
    String(r.drainSeconds),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join("  ");
  process.stdout.write(`${line(header)}\n${cells.map(line).join("\n")}\n`);
  const restarts = [s.web, ...s.workers].map(
    (p) => `${p.name}: ${p.restarts} restarts (exit codes ${JSON.stringify(p.crashes)})`,
  );
  process.stdout.write(`supervisor: ${restarts.join("; ")}\n`);
}
