import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../sim/demo/run-scenario.ts";
import { findScenario } from "../../sim/scenario.ts";
import { type CastPolicy, castPolicy } from "../../sim/ui/policy-cast.ts";
import { attachWorkspace } from "../../sim/ui/workspace.ts";
import { runs } from "../../src/db/schema.ts";
import { launchChromium, skipReason } from "../setup/chromium.ts";
import { createTestDb, type TestDb } from "../setup/db.ts";
import { TEST_ADMIN_URL } from "../setup/env.ts";
import { harnessOpts } from "../setup/harness.ts";
import { dropQueuePrefix, testQueuePrefix } from "../setup/redis.ts";
import { USERS } from "../setup/slack-harness.ts";

/**
 * The simulated workspace in a real browser (issue 19.5): Debian's Chromium drives the
 * page the world serves, and what a person does there reaches prode as Slack sends it
 * (signed) through the production wiring: the scenario harness starts prode with the
 * composition root in the `dev` role. The page only shows what the simulated Slack
 * stored, so each assertion reads what prode posted or edited.
 */
if (skipReason) console.warn(`test/browser: ${skipReason}`);

// A run takes seconds on an idle machine; CI shares two cores with every other test file.
const TIMEOUT = { timeout: 90_000 };

describe.skipIf(skipReason !== undefined)("the simulated workspace in Chromium", () => {
  let t: TestDb;
  let prefix: string;
  let policy: CastPolicy;
  let h: Harness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    t = await createTestDb();
    prefix = testQueuePrefix();
    // The shipped policy with the world's people cast, as `prode sim --ui` and
    // `prode demo --open` run it: the on-call group operates, the engineering lead approves.
    policy = await castPolicy("policy", await findScenario("db-state-approval"));
    h = await startHarness({
      scenario: "db-state-approval",
      ...harnessOpts(t, prefix),
      replicaAdminUrl: TEST_ADMIN_URL,
      policyDir: policy.dir,
    });
    const workspace = attachWorkspace(h.world, { prodeUrl: h.url });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${workspace.url}?as=${USERS.oncall}`);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await h?.close();
    await dropQueuePrefix(prefix);
    await t?.drop();
    await policy?.remove();
  });

  const actAs = (user: string) => page.selectOption("#viewer", user);
  const thread = () => page.locator("#thread");
  const approveButton = () => thread().locator('button[data-action-id="prode_approve"]');

  /** `/prode triage` typed in the page, then the new run's thread opened once it asks for approval. */
  async function triageAndOpenThread() {
    const ticket = h.scenario.ticket.identifier;
    const parents = page.locator("#messages .message.bot:not(.ephemeral)", { hasText: ticket });
    const before = await parents.count();
    await page.fill("#command", `triage ${ticket}`);
    await page.press("#command", "Enter");
    await parents.nth(before).locator(".replies").click(TIMEOUT);
    await approveButton()
      .waitFor(TIMEOUT)
      .catch(async (error: unknown) => {
        // Say where the run is, so a slow CI machine and a stuck run read differently.
        const rows = await t.db
          .select({ id: runs.id, phase: runs.phase, outcome: runs.outcome, wakeAt: runs.wakeAt })
          .from(runs);
        const text = await thread().textContent();
        throw new Error(
          `no Approve button: runs ${JSON.stringify(rows)}; thread: ${text?.slice(-1500)}`,
          { cause: error },
        );
      });
  }

  async function clickApprove() {
    await approveButton().click();
    // The Approve button carries a confirmation dialog, shown as Slack shows it.
    await page.locator("#confirm .confirm-yes").click();
  }

  it("a second user approves the backfill and the request message changes to say so", async () => {
    await actAs(USERS.oncall);
    await triageAndOpenThread();
    await expect(page.locator("#thread .message").first().textContent()).resolves.toContain(
      h.scenario.ticket.identifier,
    );
    await actAs(USERS.lead);
    await clickApprove();
    await thread()
      .getByText(/approved by/i)
      .first()
      .waitFor(TIMEOUT);
    expect(await approveButton().count()).toBe(0);
    await expect(thread().textContent()).resolves.toMatch(/Approved by marco\.bianchi/);
  }, 180_000);

  it("the engineer who started the run cannot approve it: the page shows the refusal", async () => {
    await actAs(USERS.lead);
    await triageAndOpenThread();
    await clickApprove();
    const refusal = page.locator(".message.ephemeral", { hasText: /two-person rule/ });
    await refusal.first().waitFor(TIMEOUT);
    await expect(refusal.first().textContent()).resolves.toMatch(/Only visible to you/);
    // Still pending: the buttons stay.
    expect(await approveButton().count()).toBe(1);
  }, 180_000);

  it("a follow-up asked in the thread is answered there from the run's bundle", async () => {
    await actAs(USERS.oncall);
    await page.fill("#mention", "why not infra?");
    await page.press("#mention", "Enter");
    await thread().locator(".message", { hasText: "why not infra?" }).first().waitFor(TIMEOUT);
    const answer = thread().locator(".message.bot", { hasText: /from the stored evidence bundle/ });
    await answer.first().waitFor(TIMEOUT);
    await expect(answer.first().textContent()).resolves.toMatch(/infra/);
  }, 120_000);

  it("Wrong on the decision reply opens the modal in the page; the chosen exit is saved", async () => {
    await actAs(USERS.oncall);
    await thread().locator('button[data-action-id="prode_feedback_wrong"]').last().click();
    const modal = page.locator("#modal");
    await modal.locator("select").waitFor(TIMEOUT);
    await modal.locator("select").selectOption("NO_CODE_CHANGE");
    await modal.locator(".modal-submit").click();
    const saved = page.locator(".message.ephemeral", { hasText: /Saved your feedback/ });
    await saved.first().waitFor(TIMEOUT);
    expect(await modal.isVisible()).toBe(false);
  }, 120_000);

  it("App Home is published for the viewer when they open it", async () => {
    await actAs(USERS.lead);
    await page.click("#home-tab");
    await page.locator("#home", { hasText: /Waiting for your approval/ }).waitFor(TIMEOUT);
  }, 120_000);
});
