/** The shapes of the redactor's corpus cases (cases.ts, cases-probe.ts). */

export interface RecallCase {
  name: string;
  text: string;
  /** Exact redaction summary expected. */
  expect: Record<string, number>;
  /** Substrings that must be gone from the output. */
  secrets: string[];
  /** Substrings that must survive (scheme, host, names, attributes). */
  keeps?: string[];
}

export interface KeepCase {
  name: string;
  text: string;
}
