import { randomBytes } from "node:crypto";

/** Time-sortable run id with no ':' (BullMQ job ids may not contain one). */
export function newRunId(now = Date.now()): string {
  return `run_${now.toString(36)}${randomBytes(5).toString("hex")}`;
}

/** The job for one phase execution: deduplicated by (run, transition sequence). */
export function phaseJobId(runId: string, seq: number): string {
  return `${runId}.${seq}`;
}
