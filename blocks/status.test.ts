import { describe, expect, it } from "vitest";
import { assertSafeRender } from "../test/setup/blocks/assertions.ts";
import { allText, EXAMPLE_NOW, loadExample } from "../test/setup/blocks/examples.ts";
import { renderAppHome, toHomeView } from "./app-home.ts";
import { renderHelp } from "./help.ts";
import { MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS } from "./limits.ts";
import { renderStatus } from "./status.ts";
import type { ActiveRunView, AppHomeView, StatusListView, StatusView } from "./view-models.ts";

const list = loadExample<StatusListView>("status");

function status(view: StatusView) {
  const rendered = renderStatus(view, EXAMPLE_NOW);
  assertSafeRender(rendered, "message", view);
  return rendered;
}

/** 500 runs with long titles, for the limits. */
const manyRuns: ActiveRunView[] = Array.from({ length: 500 }, (_, i) => ({
  runId: `run_${i}`,
  ticket: {
    key: `ENG-${i}`,
    title: `A long incident title ${"x".repeat(300)}`,
    url: `https://linear.app/acme/issue/ENG-${i}`,
  },
  phase: "WAIT_FOR_EVIDENCE",
  status: { kind: "running" },
  startedAt: new Date(EXAMPLE_NOW.getTime() - i * 60_000).toISOString(),
  waitingApprovals: 0,
}));

describe("renderStatus", () => {
  it("lists runs waiting for a human first, with ticket, phase, age and approvals", () => {
    const text = allText(status(list));
    const first = text.indexOf("ENG-4812");
    expect(first).toBeGreaterThan(-1);
    expect(first).toBeLessThan(text.indexOf("OPS-977"));
    expect(text).toContain("Phase 7/18 · WAIT_FOR_EVIDENCE · 14m");
    expect(text).toContain(":raised_hand: 1 approval waiting");
    expect(text).toContain(":double_vertical_bar: *capability* `support-tickets` by Priya Raman");
  });

  it("keeps 500 runs within one message, counting those not shown", () => {
    const rendered = status({
      kind: "list",
      runs: manyRuns,
      pauses: [],
      moreUrl: "https://prode.acme.internal/runs",
    });
    expect(rendered.blocks.length).toBeLessThanOrEqual(MAX_MESSAGE_BLOCKS);
    const text = allText(rendered);
    const shown = (text.match(/\*<https:\/\/linear\.app\/acme\/issue\/ENG-\d+\|ENG-\d+>\*/g) ?? [])
      .length;
    expect(shown).toBeGreaterThan(0);
    expect(text).toContain(
      `…and ${500 - shown} more — see <https://prode.acme.internal/runs|full artifact>`,
    );
    // The oldest runs come first among those not waiting.
    expect(text.indexOf("ENG-499|")).toBeLessThan(text.indexOf("ENG-498|"));
  });

  it("says when nothing is running", () => {
    expect(allText(status({ kind: "list", runs: [], pauses: [] }))).toContain("No active runs.");
  });

  it("shows one run with its timeline, waiting approvals and specialists", () => {
    const text = allText(status(loadExample("status--detail")));
    expect(text).toContain("`AWAIT_APPROVAL` — production_write: reset stuck sessions");
    expect(text).toContain("*Waiting for approval*\n:raised_hand:");
    expect(text).toContain(":hourglass: *db* timed out");
  });

  it("shows the verdict feedback of a run, escaped, and nothing when there is none", () => {
    const detail = loadExample<Extract<StatusView, { kind: "detail" }>>("status--detail");
    expect(allText(status(detail))).not.toContain("Verdict feedback");
    const text = allText(
      status({ ...detail, feedback: "1 right, 1 wrong (said NO_CODE_CHANGE) <!here>" }),
    );
    expect(text).toContain(
      "*Verdict feedback:* 1 right, 1 wrong (said NO_CODE_CHANGE) &lt;!here&gt;",
    );
  });

  it("keeps the most recent transitions of a long timeline", () => {
    const detail = loadExample<Extract<StatusView, { kind: "detail" }>>("status--detail");
    const timeline = Array.from({ length: 40 }, (_, i) => ({
      state: "VERIFY" as const,
      at: new Date(Date.UTC(2025, 2, 4, 2, i)).toISOString(),
      note: `attempt ${i}`,
    }));
    const text = allText(status({ ...detail, timeline }));
    expect(text).toContain("*Timeline* (25 earlier not shown)");
    expect(text).toContain("attempt 39");
    expect(text).not.toContain("attempt 24\n");
  });

  it("says when no run matches, escaping the query", () => {
    const rendered = status({ kind: "not_found", query: "<!channel>" });
    expect(allText(rendered)).toContain("No run found for `&lt;!channel&gt;`");
  });
});

describe("renderHelp", () => {
  it("lists every command with its arguments", () => {
    const rendered = renderHelp({ command: "/prode" }, EXAMPLE_NOW);
    assertSafeRender(rendered, "message", {});
    const text = allText(rendered);
    for (const usage of [
      "`/prode status [ticket|run]`",
      "`/prode triage &lt;ticket&gt;`",
      "`/prode pause [global | team T | service S | capability C]`",
      "`/prode resume [global | team T | service S | capability C]`",
      "`/prode help`",
    ]) {
      expect(text).toContain(usage);
    }
  });

  it("marks what a viewer may not do", () => {
    const text = allText(renderHelp({ command: "/prode", role: "viewer" }, EXAMPLE_NOW));
    expect(text).toContain(
      "`/prode pause [global | team T | service S | capability C]` _(needs admin)_",
    );
    expect(text).toContain("Your role: *viewer*");
  });

  it("falls back to /prode for a command name that is not a slash command", () => {
    expect(allText(renderHelp({ command: "<!here>" }, EXAMPLE_NOW))).toContain("`/prode help`");
  });
});

describe("renderAppHome", () => {
  const home = loadExample<AppHomeView>("home");

  it("shows approvals waiting for the viewer before active runs", () => {
    const rendered = renderAppHome(home, EXAMPLE_NOW);
    assertSafeRender(rendered, "home", home);
    const text = allText(rendered);
    expect(text).toContain("Hi Dana Okafor");
    expect(text.indexOf("Waiting for your approval")).toBeLessThan(text.indexOf("Active runs"));
    expect(text).toContain(
      "<https://acme.slack.com/archives/C07INCIDENT/p1741057800000300|review>",
    );
  });

  it("is a home view of at most 100 blocks even with 500 runs and 500 approvals", () => {
    const approvals = Array.from({ length: 500 }, (_, i) => ({
      ...home.approvals[0]!,
      approvalId: `apr_${i}`,
      expiresAt: new Date(EXAMPLE_NOW.getTime() + (500 - i) * 60_000).toISOString(),
    }));
    const view = { ...home, runs: manyRuns, approvals };
    const rendered = renderAppHome(view, EXAMPLE_NOW);
    assertSafeRender(rendered, "home", view);
    expect(rendered.blocks.length).toBeLessThanOrEqual(MAX_VIEW_BLOCKS);
    const text = allText(rendered);
    expect(text).toContain("…and 460 more — see <https://prode.acme.internal/runs|full artifact>");
    expect(text).toContain("…and 400 more — see <https://prode.acme.internal/runs|full artifact>");
    // Soonest expiry first.
    expect(text.indexOf("in 1m)")).toBeLessThan(text.indexOf("in 2m)"));
    expect(toHomeView(rendered)).toEqual({ type: "home", blocks: rendered.blocks });
  });
});
