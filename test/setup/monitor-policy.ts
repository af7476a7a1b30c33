import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A copy of the repository's `policy/` whose platform `delivery.monitor` is replaced
 * (seconds), for tests that go through POST_MERGE_MONITOR without waiting the production
 * window: e.g. a one-second window ends the watch of a merge nothing deploys at once.
 * Returns the directory and its removal.
 */
export function policyWithMonitor(monitor: {
  window_seconds: number;
  recheck_seconds: number;
  min_observation_seconds: number;
}): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "prode-monitor-policy-"));
  cpSync("policy", dir, { recursive: true });
  const platform = join(dir, "platform.yaml");
  const text = readFileSync(platform, "utf8");
  const line = `monitor: { window_seconds: ${monitor.window_seconds}, recheck_seconds: ${monitor.recheck_seconds}, min_observation_seconds: ${monitor.min_observation_seconds} }`;
  const next = text.replace(/monitor: \{[^}]*\}/, line);
  if (next === text)
    throw new Error("policy/platform.yaml declares no delivery.monitor to replace");
  writeFileSync(platform, next);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
