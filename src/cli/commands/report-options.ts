import { UsageError } from "../command.ts";

/**
 * `--since` of the learnings and report commands: an ISO 8601 date or date-time. A value
 * `Date` would read loosely ("yesterday", "1") is a usage error, not a silent epoch.
 */
export function parseSince(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const iso = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
  const at = new Date(value);
  if (!iso.test(value) || Number.isNaN(at.getTime())) {
    throw new UsageError(`--since takes an ISO 8601 date or time, not '${value}'`);
  }
  return at;
}
