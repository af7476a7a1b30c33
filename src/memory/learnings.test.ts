import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultRedactor } from "../safety/redact.ts";
import {
  appendCandidateLearning,
  type CandidateLearning,
  formatCandidateLearning,
  INBOX_HEADER,
} from "./learnings.ts";

const SHIPPED_INBOX = fileURLToPath(new URL("../../docs/learnings/inbox.md", import.meta.url));
const redact = (text: string) => defaultRedactor.redact(text).text;

function learning(overrides: Partial<CandidateLearning> = {}): CandidateLearning {
  return {
    runId: "run_m3x1abc0123",
    ticket: "ENG-4852",
    outcome: "NOISE_NO_FIX",
    classification: {
      class: "noise",
      confidence: 84.4,
      severity: "sev4",
      rootCauseHypothesis: "mobile clients cancel the feed request on screen exit",
    },
    whatHelped: ["no-5xx-rise came back negative", "abort share: 91% from app 7.42.0"],
    whatWasMissing: ["latency of completed requests (no metric for it)"],
    wikiPages: ["mobile-request-aborted"],
    recordedAt: new Date("2026-11-20T08:52:00Z"),
    ...overrides,
  };
}

let dir: string;
let inbox: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "prode-learnings-"));
  inbox = join(dir, "inbox.md");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entriesIn = (text: string) => text.match(/^<!-- prode-learning run=/gm)?.length ?? 0;

describe("formatCandidateLearning", () => {
  it("starts with the run marker and states outcome, classification, helped and missing", () => {
    const text = formatCandidateLearning(learning());
    expect(text.split("\n")[0]).toBe("<!-- prode-learning run=run_m3x1abc0123 -->");
    expect(text).toContain("### ENG-4852: NOISE_NO_FIX (run run_m3x1abc0123)");
    expect(text).toContain(
      "- Classification: noise at 84% (sev4): mobile clients cancel the feed request on screen exit",
    );
    expect(text).toContain("- Wiki pages that steered routing: mobile-request-aborted");
    expect(text).toContain("What helped:\n\n- no-5xx-rise came back negative\n");
    expect(text).toContain("What was missing:\n\n- latency of completed requests");
  });

  it("says so when the run stopped before classification, and folds multi-line text", () => {
    const text = formatCandidateLearning(
      learning({
        classification: undefined,
        whatHelped: [],
        whatWasMissing: ["Sentry answered 500\nafter the first call"],
      }),
    );
    expect(text).toContain("- Classification: none (the run stopped before classification)");
    expect(text).toContain("What helped:\n\n- nothing recorded");
    expect(text).toContain("- Sentry answered 500 after the first call");
  });

  it("free text cannot forge another run's marker", () => {
    const text = formatCandidateLearning(
      learning({ whatHelped: ["<!-- prode-learning run=run_other -->"] }),
    );
    expect(entriesIn(text)).toBe(1);
  });

  it("refuses a run id that is not a plain id", () => {
    expect(() => formatCandidateLearning(learning({ runId: "run 1 -->" }))).toThrow(/run id/);
  });
});

describe("appendCandidateLearning", () => {
  it("creates the inbox with its header, then appends once per run", async () => {
    const text = formatCandidateLearning(learning());
    expect(await appendCandidateLearning(inbox, text, redact)).toEqual({
      appended: true,
      runId: "run_m3x1abc0123",
    });
    expect(await appendCandidateLearning(inbox, text, redact)).toEqual({
      appended: false,
      runId: "run_m3x1abc0123",
    });
    const content = await readFile(inbox, "utf8");
    expect(content.startsWith(INBOX_HEADER)).toBe(true);
    expect(entriesIn(content)).toBe(1);
  });

  it("is idempotent under concurrent retries of the same run", async () => {
    const text = formatCandidateLearning(learning());
    const results = await Promise.all(
      [1, 2, 3].map(() => appendCandidateLearning(inbox, text, redact)),
    );
    expect(results.filter((r) => r.appended)).toHaveLength(1);
    expect(entriesIn(await readFile(inbox, "utf8"))).toBe(1);
  });

  it("appends different runs in order, keeping what was there", async () => {
    await writeFile(inbox, `${INBOX_HEADER}\nhand-written note`);
    await appendCandidateLearning(inbox, formatCandidateLearning(learning()), redact);
    await appendCandidateLearning(
      inbox,
      formatCandidateLearning(learning({ runId: "run_m3x1abc0999", ticket: "ENG-4833" })),
      redact,
    );
    const content = await readFile(inbox, "utf8");
    expect(content).toContain("hand-written note\n\n<!-- prode-learning run=run_m3x1abc0123 -->");
    expect(content.indexOf("run_m3x1abc0123")).toBeLessThan(content.indexOf("run_m3x1abc0999"));
    expect(entriesIn(content)).toBe(2);
  });

  it("passes the entry through the caller's redactor, keeping the marker intact", async () => {
    const text = formatCandidateLearning(
      learning({ whatHelped: ["the reporter wrote from dana.reyes@example.com"] }),
    );
    const seen: string[] = [];
    await appendCandidateLearning(inbox, text, (t) => {
      seen.push(t);
      return redact(t);
    });
    const content = await readFile(inbox, "utf8");
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toContain("<!-- prode-learning");
    expect(content).not.toContain("dana.reyes@example.com");
    expect(content).toContain("[REDACTED:email]");
    // A second attempt still finds the run: the redactor could not touch the marker.
    expect((await appendCandidateLearning(inbox, text, redact)).appended).toBe(false);
  });

  it("a redactor that tries to inject a marker cannot", async () => {
    await appendCandidateLearning(
      inbox,
      formatCandidateLearning(learning()),
      (t) => `${t}\n<!-- prode-learning run=run_forged -->`,
    );
    const forged = formatCandidateLearning(learning({ runId: "run_forged" }));
    expect((await appendCandidateLearning(inbox, forged, redact)).appended).toBe(true);
  });

  it("refuses text that does not start with a run marker", async () => {
    await expect(appendCandidateLearning(inbox, "### a learning", redact)).rejects.toThrow(
      /run marker/,
    );
  });
});

describe("the shipped inbox", () => {
  it("starts with the header that explains the human review and promotion", async () => {
    const shipped = await readFile(SHIPPED_INBOX, "utf8");
    expect(shipped.startsWith(INBOX_HEADER)).toBe(true);
    expect(shipped).toMatch(/Promotion to the PRODE Wiki is a human decision/);
  });
});
