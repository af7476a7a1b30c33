import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findScenario } from "../../../sim/scenario.ts";
import { memoryIo, runCliCaptured } from "../../../test/setup/io.ts";
import sim from "./sim.ts";

/**
 * `prode sim --env --ui`: the exports that connect prode to the world include the world's
 * clock, and the page is served; `prode web` refuses a shifted clock (dev only).
 */
describe("prode sim --env --ui", () => {
  afterEach(() => {
    delete process.env.PRODE_CLOCK_OFFSET_MS;
  });

  it("prints the exports with PRODE_CLOCK_OFFSET_MS at the scenario's date, and serves /ui/", async () => {
    const io = memoryIo();
    const running = sim.run(["--scenario", "abort-noise", "--env", "--ui"], io);
    const deadline = Date.now() + 20_000;
    while (!io.err().includes("press Ctrl-C") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    try {
      const exports = Object.fromEntries(
        [...io.out().matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]),
      );
      expect(exports.SLACK_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/slack\/api\/$/);
      const scenario = await findScenario("abort-noise");
      const offset = Number(exports.PRODE_CLOCK_OFFSET_MS);
      // prode's clock (wall clock + offset) reads the world's: the scenario's date, now.
      expect(Math.abs(Date.now() + offset - Date.parse(scenario.now))).toBeLessThan(60_000);
      const page = /workspace in a browser: (\S+)/.exec(io.err())?.[1];
      expect(page).toBeDefined();
      const res = await fetch(page!);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("Acting as");
      // With the page, prode reads a policy copy with the workspace's people cast.
      expect(existsSync(join(exports.PRODE_POLICY_DIR!, "org.yaml"))).toBe(true);
    } finally {
      process.emit("SIGINT");
      expect(await running).toBe(0);
    }
    const policyDir = /^export PRODE_POLICY_DIR='([^']*)'$/m.exec(io.out())?.[1];
    expect(policyDir && existsSync(policyDir)).toBe(false);
  }, 40_000);

  it("prode web refuses PRODE_CLOCK_OFFSET_MS: a shifted clock is for prode dev only", async () => {
    process.env.PRODE_CLOCK_OFFSET_MS = "-1000";
    const result = await runCliCaptured(["web", "--embedded"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("PRODE_CLOCK_OFFSET_MS is for prode dev");
  });
});
