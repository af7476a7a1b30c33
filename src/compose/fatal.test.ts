import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FATAL_EXIT_CODE } from "./fatal.ts";

const FIXTURE = fileURLToPath(
  new URL("../../test/setup/processes/fatal-process.ts", import.meta.url),
);

function run(how: string): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, how], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.once("close", (code) => resolve({ code, stderr, stdout }));
  });
}

describe("an error nothing handled ends the process for its supervisor to restart", () => {
  it.each(["exception", "rejection"])(
    "an unhandled %s logs one JSON line and exits non-zero",
    async (how) => {
      const { code, stderr, stdout } = await run(how);
      expect(code).toBe(FATAL_EXIT_CODE);
      expect(stdout).not.toContain("still alive");
      const lines = stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0] ?? "");
      expect(line.level).toBe(60);
      expect(line.fatal).toBe(how === "exception" ? "uncaughtException" : "unhandledRejection");
      expect(line.err.message).toBeTruthy();
    },
    20_000,
  );
});
