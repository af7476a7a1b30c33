import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assertWithinSlackLimits } from "../../../blocks/validate.ts";
import { EXAMPLES_DIR } from "../../../test/setup/blocks/examples.ts";
import { runCliCaptured as run } from "../../../test/setup/io.ts";

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempJson(value: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "prode-render-"));
  tempDirs.push(dir);
  const file = join(dir, "input.json");
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
}

describe("prode render", () => {
  it.each([
    "parent",
    "milestone",
    "evidence",
    "approval",
    "approval-decided",
    "status",
    "help",
    "home",
  ])("prints the {text, blocks} payload of the %s example", async (kind) => {
    const result = await run([
      "render",
      kind,
      "--input",
      join(EXAMPLES_DIR, `${kind}.json`),
      "--now",
      "2025-03-04T03:20:00Z",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const payload = JSON.parse(result.stdout);
    expect(Object.keys(payload).sort()).toEqual(["blocks", "text"]);
    assertWithinSlackLimits(payload, kind === "home" ? "home" : "message");
  });

  it("is deterministic for a fixed --now", async () => {
    const argv = [
      "render",
      "parent",
      "--input",
      join(EXAMPLES_DIR, "parent.json"),
      "--now=2025-03-04T03:20:00Z",
    ];
    const first = await run(argv);
    expect((await run(argv)).stdout).toBe(first.stdout);
    // Times are Slack date tokens (Slack computes "ago" when read), with a UTC fallback.
    expect(first.stdout).toContain("<!date^1741055892^");
    expect(first.stdout).toContain("|2025-03-04 02:38 UTC>");
  });

  it("reads stdin with --input -", async () => {
    const result = await run(
      ["render", "help", "--input", "-"],
      JSON.stringify({ command: "/prode" }),
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).text).toContain("/prode status");
  });

  it("exits 1 naming the file, the path and the field at fault", async () => {
    const file = tempJson({
      runId: "run_1",
      ticket: { key: "ENG-1", title: "t" },
      phase: "WAIT_FOR_EVIDENCE",
      status: { kind: "running" },
      classification: { label: "code_defect", confidence: 182 },
      startedAt: "yesterday",
      updatedAt: "2025-03-04T03:17:45Z",
      links: {},
      colour: "red",
    });
    const result = await run(["render", "parent", "--input", file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`${file}: classification.confidence: Too big`);
    expect(result.stderr).toContain(`${file}: startedAt: Invalid ISO datetime`);
    expect(result.stderr).toContain(`${file}: (root): Unrecognized key: "colour"`);
  });

  it("reports array positions in the path", async () => {
    const status = { kind: "list", runs: [{ runId: "r" }], pauses: [] };
    const result = await run(["render", "status", "--input", tempJson(status)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/runs\[0\]\.ticket: /);
  });

  it("exits 1 for a file that is not JSON or does not exist", async () => {
    expect((await run(["render", "help", "--input", tempJson("{nope")])).stderr).toMatch(
      /is not JSON/,
    );
    const missing = await run(["render", "help", "--input", "/nonexistent/x.json"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read \/nonexistent\/x\.json/);
  });

  it("exits 2 for an unknown kind or missing --input, listing the kinds", async () => {
    const unknown = await run(["render", "modal", "--input", "x.json"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      "expected one of: parent, milestone, evidence, approval, approval-decided, status, help, home",
    );
    expect((await run(["render", "parent"])).code).toBe(2);
  });
});
