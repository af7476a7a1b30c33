/** Loads a view model from blocks/examples/ for tests, as its type. Test-only. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The clock of the examples: half an hour into the onboarding incident. */
export const EXAMPLE_NOW = new Date("2025-03-04T03:20:00Z");

/** blocks/examples: one view model per file, `<kind>.json` or `<kind>--<variant>.json`. */
export const EXAMPLES_DIR = join(import.meta.dirname, "..", "..", "..", "blocks", "examples");

export function loadExample<T>(name: string): T {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, `${name}.json`), "utf8")) as T;
}

/** All mrkdwn and plain text of a rendered payload, joined, for "contains" assertions. */
export function allText(payload: { text: string; blocks: unknown[] }): string {
  const out: string[] = [payload.text];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (k === "text" && typeof v === "string") out.push(v);
        else walk(v);
      }
    }
  };
  walk(payload.blocks);
  return out.join("\n");
}
