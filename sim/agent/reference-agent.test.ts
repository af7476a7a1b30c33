import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultRedactor } from "../../src/safety/redact.ts";

const AGENT = fileURLToPath(new URL("./reference-agent.mjs", import.meta.url));

let base: string;
let repo: string;
let fixPath: string;
let briefPath: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "prode-ref-agent-"));
  repo = join(base, "repo");
  mkdirSync(repo);
  fixPath = join(base, "fix.json");
  briefPath = join(base, "brief.md");
  writeFileSync(briefPath, "# brief\n");
  writeFileSync(
    fixPath,
    JSON.stringify({ files: { "src/handler.ts": "export const fixed = true;\n" } }),
  );
});
afterEach(() => {
  rmSync(base, { recursive: true, force: true });
});

function agent(...extra: string[]) {
  return spawnSync(process.execPath, [AGENT, "--fix", fixPath, "--brief", briefPath, ...extra], {
    cwd: repo,
    encoding: "utf8",
  });
}

describe("reference agent", () => {
  it("ok writes the fix and prints one line per file", () => {
    const result = agent();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("wrote src/handler.ts\n");
    expect(readFileSync(join(repo, "src/handler.ts"), "utf8")).toBe("export const fixed = true;\n");
  });

  it("exits 2 when the brief is missing or the mode unknown", () => {
    rmSync(briefPath);
    expect(agent().status).toBe(2);
    writeFileSync(briefPath, "# brief\n");
    expect(agent("--mode", "nonsense").status).toBe(2);
  });

  it("refuses a fix whose path leaves the worktree", () => {
    writeFileSync(fixPath, JSON.stringify({ files: { "../escape.ts": "x" } }));
    expect(agent().status).toBe(2);
    expect(existsSync(join(base, "escape.ts"))).toBe(false);
  });

  it("break appends a thrown error to the first fix file, or writes the broken files", () => {
    expect(agent("--mode", "break").status).toBe(0);
    expect(readFileSync(join(repo, "src/handler.ts"), "utf8")).toMatch(/throw new Error/);
    writeFileSync(fixPath, JSON.stringify({ files: {}, broken: { "src/b.ts": "broken\n" } }));
    expect(agent("--mode", "break").status).toBe(0);
    expect(readFileSync(join(repo, "src/b.ts"), "utf8")).toBe("broken\n");
  });

  it("secret writes a key the redactor withholds, and its source holds no such literal", () => {
    expect(agent("--mode", "secret").status).toBe(0);
    const written = readFileSync(join(repo, "config/deploy.env"), "utf8");
    expect(defaultRedactor.redact(written).summary).toHaveProperty("aws_access_key_id");
    const source = readFileSync(AGENT, "utf8");
    expect(defaultRedactor.redact(source).summary).not.toHaveProperty("aws_access_key_id");
  });

  it("forbidden and outside add their extra write to the fix", () => {
    agent("--mode", "forbidden");
    expect(existsSync(join(repo, ".github/workflows/reference-agent.yml"))).toBe(true);
    agent("--mode", "outside");
    expect(existsSync(join(base, "outside.txt"))).toBe(true);
  });

  it("none changes nothing", () => {
    expect(agent("--mode", "none").status).toBe(0);
    expect(execFileSync("ls", ["-A", repo], { encoding: "utf8" })).toBe("");
  });
});
