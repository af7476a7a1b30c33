/**
 * `npm run screenshots`: each reference scenario's triage thread, as the simulated
 * workspace page shows it, to docs/screenshots/<scenario>.png. Each scenario runs as the
 * demo runs it (scenario harness → composition root, `dev` role; the reference coding
 * agent where the scenario carries a fix), then Debian's Chromium opens the page on the
 * run's thread. Needs /usr/bin/chromium (PRODE_CHROMIUM overrides), Redis, and for the db
 * evidence a local Postgres; emoji need a colour emoji font (fonts-noto-color-emoji).
 *
 *   npm run screenshots [-- --scenario NAME ...] [--out DIR]
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { referenceAgentEnv } from "../sim/demo/delivery-env.ts";
import { startHarness } from "../sim/demo/run-scenario.ts";
import { findScenario } from "../sim/scenario.ts";
import { attachWorkspace } from "../sim/ui/workspace.ts";
import { REFERENCE_SCENARIOS, replicaServer } from "../src/cli/commands/demo.ts";
import { resolveRedis } from "../src/compose/redis.ts";
import { loadConfig } from "../src/config/index.ts";
import { openDb } from "../src/db/client.ts";
import { createLogger } from "../src/observability/logger.ts";
import { stopRun } from "../src/runner/runs.ts";
import { launchChromium } from "../test/setup/chromium.ts";

const { values } = parseArgs({
  options: {
    scenario: { type: "string", multiple: true },
    out: { type: "string", default: "docs/screenshots" },
  },
});
const names = values.scenario ?? REFERENCE_SCENARIOS;
const config = loadConfig();
const log = createLogger("error", { role: "screenshots" });
const db = openDb(
  config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: "memory://" },
);
await db.migrate();
const redis = await resolveRedis(config.REDIS_URL, config.PRODE_DATA_DIR);
const replicaAdmin = await replicaServer(config.DATABASE_URL);
const agentDir = mkdtempSync(join(tmpdir(), "prode-screenshots-agent-"));
const browser = await launchChromium();
mkdirSync(values.out, { recursive: true });
try {
  for (const name of names) {
    const scenario = await findScenario(name);
    const h = await startHarness({
      scenario,
      db,
      redisUrl: redis.url,
      prefix: `prodeshots${process.pid}`,
      log,
      ...(replicaAdmin ? { replicaAdminUrl: replicaAdmin } : {}),
      ...(scenario.delivery ? { env: referenceAgentEnv(scenario, join(agentDir, name)) } : {}),
    });
    try {
      const accepted = await h.trigger();
      if (!accepted.runId) throw new Error(`${name}: intake refused the webhook`);
      const run = await h.follow(accepted.runId);
      const workspace = attachWorkspace(h.world, { prodeUrl: h.url });
      const viewer = scenario.slack.users[0]?.id ?? "";
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      await page.goto(`${workspace.url}?as=${viewer}`);
      const parent = page.locator("#messages .message.bot:not(.ephemeral)").first();
      await parent.locator(".replies").click({ timeout: 20_000 });
      await page.locator("#thread .message").first().waitFor();
      await page.mouse.move(0, 0);
      const file = join(values.out, `${name}.png`);
      await page.screenshot({ path: file });
      await page.close();
      process.stdout.write(`${name}: ${run.outcome ?? run.phase} → ${file}\n`);
      // A draft PR's run waits for its review; nobody reviews it here.
      if (run.phase === "AWAIT_HUMAN_REVIEW")
        await stopRun(db.db, run.id, "SUPERSEDED", "screenshots", "screenshot taken");
    } finally {
      await h.close();
    }
  }
} finally {
  await browser.close();
  await db.close();
  await redis.stop();
  rmSync(agentDir, { recursive: true, force: true });
}
