import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCliCaptured as run } from "../../test/setup/io.ts";
import { COMMANDS } from "./registry.ts";

// Every command, so a command added later is held to the same contract (issue 16 item 5).
describe("every prode command speaks the same CLI", () => {
  it("--version prints the package version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const result = await run(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`prode ${version}\n`);
  });

  it("an unknown top-level option is a usage error (exit 2)", async () => {
    const result = await run(["--frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe("prode: unknown option '--frobnicate'");
  });

  for (const { name } of COMMANDS) {
    it(`prode ${name} --help lists its usage and options and exits 0`, async () => {
      const result = await run([...name.split(" "), "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: prode ${name}`);
    });

    it(`prode ${name} refuses an unknown flag: exit 2, one line, then its usage`, async () => {
      const result = await run([...name.split(" "), "--no-such-flag"], "");
      expect(result.code).toBe(2);
      const [first, ...rest] = result.stderr.split("\n");
      expect(first).toMatch(new RegExp(`^prode ${name}: .*no-such-flag`));
      expect(rest.join("\n")).toContain(`Usage: prode ${name}`);
      expect(result.stdout).toBe("");
    });
  }
});
