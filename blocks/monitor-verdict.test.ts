import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assertSafeRender } from "../test/setup/blocks/assertions.ts";
import { hostileText, hostileUrl, now, opt, timestamp } from "../test/setup/blocks/hostile.ts";
import { type MonitorVerdictView, renderMonitorVerdict } from "./monitor-verdict.ts";

const NOW = new Date("2025-03-04T05:20:00Z");

const resolved: MonitorVerdictView = {
  runId: "run_01HQ",
  ticketKey: "ENG-4812",
  verdict: "resolved",
  reason: "no Sentry events in the 30 min after deploy #812; 5xx back to the baseline",
  decidedBy: ["sentry", "5xx", "latency"],
  checks: 3,
  deploy: {
    id: 812,
    sha: "9f3c2ab7d1e04c5b8a6f2e1d0c9b8a7f6e5d4c3b",
    createdAt: "2025-03-04T04:10:00Z",
  },
  pr: { number: 42, url: "https://github.com/acme/api/pull/42" },
  at: "2025-03-04T05:15:00Z",
};

const textOf = (m: ReturnType<typeof renderMonitorVerdict>) => JSON.stringify(m.blocks);

describe("the monitor verdict thread reply", () => {
  it("a resolved verdict names the PR, the deploy, the reason and what it rests on", () => {
    const rendered = renderMonitorVerdict(resolved, NOW);
    assertSafeRender(rendered, "message", resolved);
    expect(rendered).toMatchSnapshot();
    const text = textOf(rendered);
    expect(text).toContain(
      ":white_check_mark: *After the merge of <https://github.com/acme/api/pull/42|PR #42>: resolved*",
    );
    expect(text).toContain("*Why:* no Sentry events in the 30 min after deploy #812");
    expect(text).toContain("Deploy `9f3c2ab` (#812)");
    expect(text).toContain("Decided by: sentry, 5xx, latency");
    expect(text).toContain("3 check(s)");
    expect(text).toContain("prode never resolves or mutes the Sentry issue");
    expect(rendered.text).toBe(
      "ENG-4812 after the merge of PR #42: resolved — no Sentry events in the 30 min after deploy #812; 5xx back to the baseline",
    );
  });

  it("still recurring and inconclusive each say so in words, inconclusive with its gap", () => {
    const recurring = renderMonitorVerdict(
      { ...resolved, verdict: "still_recurring", reason: "14 Sentry events after the deploy" },
      NOW,
    );
    expect(textOf(recurring)).toContain(":repeat: *After the merge of");
    expect(textOf(recurring)).toContain(": still recurring* — the error goes on");
    const inconclusive: MonitorVerdictView = {
      runId: "run_01HQ",
      ticketKey: "ENG-4812",
      verdict: "inconclusive",
      reason: "not deployed within the window: no deployment containing 9f3c2ab",
      decidedBy: ["deploy"],
      checks: 1,
    };
    const rendered = renderMonitorVerdict(inconclusive, NOW);
    assertSafeRender(rendered, "message", inconclusive);
    expect(rendered).toMatchSnapshot();
    expect(textOf(rendered)).toContain(
      ":grey_question: *After the merge: inconclusive* — prode could not tell",
    );
    expect(textOf(rendered)).not.toContain("Deploy `");
    expect(rendered.text).toMatch(/^ENG-4812 after the merge: inconclusive — not deployed/);
  });

  it("Slack tokens in the reason are escaped, and a bad PR URL is not a link", () => {
    const hostile: MonitorVerdictView = {
      ...resolved,
      reason: "<!channel> see <http://evil|click> & <!subteam^S1>",
      decidedBy: ["<@U123>"],
      pr: { number: 1, url: "javascript:alert(1)" },
    };
    const rendered = renderMonitorVerdict(hostile, NOW);
    assertSafeRender(rendered, "message", hostile);
    const text = textOf(rendered);
    expect(text).toContain("&lt;!channel&gt; see &lt;http://evil|click&gt; &amp;");
    expect(text).toContain("Decided by: &lt;@U123&gt;");
    expect(text).not.toContain("javascript:");
  });

  it("whatever the sources said, the reply stays within Slack's limits and escapes it", () => {
    const view: fc.Arbitrary<MonitorVerdictView> = fc.record(
      {
        runId: hostileText,
        ticketKey: hostileText,
        verdict: fc.constantFrom(
          "resolved" as const,
          "still_recurring" as const,
          "inconclusive" as const,
        ),
        reason: hostileText,
        decidedBy: opt(fc.array(hostileText, { maxLength: 20 })),
        checks: opt(fc.integer({ min: 0 })),
        deploy: opt(
          fc.record({ id: fc.integer({ min: 0 }), sha: hostileText, createdAt: timestamp }),
        ),
        pr: opt(
          fc.record(
            { number: fc.integer({ min: 1 }), url: opt(hostileUrl) },
            { requiredKeys: ["number"] },
          ),
        ),
        at: opt(timestamp),
      },
      { requiredKeys: ["runId", "ticketKey", "verdict", "reason"] },
    ) as fc.Arbitrary<MonitorVerdictView>;
    fc.assert(
      fc.property(view, now, (v, at) => {
        assertSafeRender(renderMonitorVerdict(v, at), "message", v);
      }),
      { numRuns: 150 },
    );
  });
});
