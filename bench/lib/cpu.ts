import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time (ms) per process name, read from /proc: where a benchmark's time goes across
 * node, postgres backends and redis-server. Linux only; elsewhere it reports nothing.
 * Take a snapshot before and after the measured part and diff them; processes that exit
 * in between are not counted, so snapshot before closing connections.
 */
type CpuSnapshot = Map<string, number>;

const TICK_MS = 10; // USER_HZ is 100 on Linux

export function cpuSnapshot(): CpuSnapshot {
  const totals: CpuSnapshot = new Map();
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return totals;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
      const ticks = Number(fields[11]) + Number(fields[12]);
      // A kernel worker's name carries the work it is doing now ("kworker/u8:1-writeback"),
      // which changes between snapshots: group them all.
      const group = name.startsWith("postgres")
        ? "postgres"
        : name.startsWith("kworker")
          ? "kworker"
          : name;
      totals.set(group, (totals.get(group) ?? 0) + ticks * TICK_MS);
    } catch {
      // the process exited while we read
    }
  }
  return totals;
}

/** CPU ms spent per process group between two snapshots, largest first, top `limit`. */
export function cpuDiff(before: CpuSnapshot, after: CpuSnapshot, limit = 4): [string, number][] {
  return [...after]
    .map(([name, ms]) => [name, ms - (before.get(name) ?? 0)] as [string, number])
    .filter(([, ms]) => ms > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit);
}
