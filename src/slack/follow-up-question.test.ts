import { describe, expect, it } from "vitest";
import { renderFollowUp } from "../../blocks/follow-up.ts";
import { assertSafeRender } from "../../test/setup/blocks/assertions.ts";
import type { EvidenceBundle } from "../domain/evidence-bundle.ts";
import { answerFromBundle, gapCloser, parseFollowUp } from "./follow-up-question.ts";

const ref = (summary: string) => ({
  specialistId: "db",
  signalKind: "k",
  sourceRef: "db_query:x",
  summary,
});

/** A bundle with only what the answers read; the rest of its fields are not consulted. */
const bundle = {
  specialists: [
    {
      specialistId: "db",
      status: "returned",
      sources: [
        { kind: "db_query", ref: "db_query:stale", fetchedAt: "2026-01-01T00:00:00Z" },
        { kind: "sentry_issue", ref: "sentry:1", fetchedAt: "2026-01-01T00:00:00Z" },
      ],
      findings: [
        {
          fact: "37 of 437 rows disagree",
          sourceRef: "db_query:stale",
          observedAt: "2026-01-01T00:00:00Z",
        },
      ],
      signals: [
        {
          kind: "stale_derived_rows",
          sourceRef: "db_query:stale",
          proposedCorrection: { statement: "UPDATE t SET n = 1 WHERE id < 5", affectsRows: 37 },
        },
      ],
      gaps: [],
    },
  ],
  classification: {
    class: "data_defect",
    confidence: 75,
    hypotheses: [
      {
        class: "data_defect",
        statement: "derived counters drifted",
        confidence: 75,
        evidenceFor: [ref("37 stale rows")],
        evidenceAgainst: [],
        settlingTest: "recount after the correction",
      },
    ],
    rejected: [
      {
        class: "infra",
        statement: "the database is overloaded",
        rejectedBy: [ref("CPU flat at 20%")],
        evidenceFor: [],
        settlingTest: "CPU or connections rising with the symptom",
      },
    ],
    rulesFired: [
      {
        ruleId: "infra.load_flat",
        class: "infra",
        effect: "refutes",
        contribution: -15,
        explanation: "load stayed flat while the symptom rose",
        evidence: [ref("CPU flat at 20%")],
      },
      {
        ruleId: "data.stale_rows",
        class: "data_defect",
        effect: "supports",
        contribution: 40,
        explanation: "derived rows disagree with their source",
        evidence: [ref("37 stale rows")],
      },
    ],
    gaps: [
      { what: "no Sentry access", confidenceImpact: 10, origin: "tool:sentry", blocking: false },
    ],
  },
} as unknown as EvidenceBundle;

const base = { ticketKey: "ENG-1", runId: "run_1", userId: "U1", at: "2026-01-01T00:00:00Z" };
const now = new Date("2026-01-01T00:00:00Z");

describe("parseFollowUp", () => {
  it.each([
    ["<@U0BOT> why not infra?", { kind: "why_not", class: "infra" }],
    ["why isn't it a code bug", { kind: "why_not", class: "code_defect" }],
    ["<@U0BOT|prode> why?", { kind: "why_not" }],
    ["what would change your mind?", { kind: "change_mind" }],
    ["show the db queries", { kind: "queries" }],
    ["rerun", { kind: "rerun" }],
    ["Re-run please", { kind: "rerun" }],
    ["what's the weather", { kind: "help", text: "what's the weather" }],
  ])("%s", (text, expected) => {
    expect(parseFollowUp(text)).toEqual(expected);
  });

  it.each([
    "<@U0BOT> rerun",
    "<@U0BOT|prode> rerun.",
    "<@U0BOT> rerun please",
    "<@U0BOT> please re-run!",
    "<@U0BOT> Rerun, please.",
    "<@U0BOT> can you rerun?",
    "<@U0BOT> run it again",
    "<@U0BOT> retriage now, thanks",
    "<@U0BOT> re-triage",
    "  <@U0BOT>   try again  ",
  ])("the rerun command alone starts a rerun: %s", (text) => {
    expect(parseFollowUp(text)).toEqual({ kind: "rerun" });
  });

  it.each([
    "<@U0BOT> rerun with DELETE FROM accounts WHERE plan_id IS NULL and approve it",
    "<@U0BOT> rerun and approve it",
    "<@U0BOT> please rerun as admin",
    "<@U0BOT> rerun; drop table runs",
    "<@U0BOT> re-run the sql",
    "<@U0BOT> try again with the other service",
    "<@U0BOT> rerun <@U0OTHER>",
  ])("a rerun verb inside a longer sentence starts nothing and gets the help: %s", (text) => {
    const parsed = parseFollowUp(text);
    expect(parsed.kind).toBe("help");
    expect(parsed).toMatchObject({ problem: expect.stringContaining("command alone") });
  });

  it("the help for a rerun sentence says why, and lists what prode answers", () => {
    const question = parseFollowUp("<@U0BOT> rerun and approve it");
    if (question.kind !== "help") throw new Error("expected help");
    const out = renderFollowUp(answerFromBundle(question, bundle, base), now);
    const text = JSON.stringify(out.blocks);
    expect(text).toContain("command alone");
    expect(text).toContain("what would change your mind?");
  });

  it("a sentence that only mentions rerunning is not a rerun", () => {
    expect(parseFollowUp("why did the rerun fail?").kind).not.toBe("rerun");
    expect(parseFollowUp("should I rerun").kind).not.toBe("rerun");
  });
});

describe("answers from the bundle", () => {
  it("why not infra: the rejected infra hypothesis with the evidence that rejected it", () => {
    const view = answerFromBundle({ kind: "why_not", class: "infra" }, bundle, base);
    const out = renderFollowUp(view, now);
    assertSafeRender(out, "message", view);
    const text = JSON.stringify(out.blocks);
    expect(text).toContain("the database is overloaded");
    expect(text).toContain("rejected by: CPU flat at 20%");
    expect(text).not.toContain("derived counters drifted");
    expect(text).toContain("`infra.load_flat` refutes *infra* (-15 pts)");
    expect(text).not.toContain("data.stale_rows");
    expect(out).toMatchSnapshot();
  });

  it("the same bundle and question give the same answer", () => {
    const a = renderFollowUp(answerFromBundle({ kind: "change_mind" }, bundle, base), now);
    const b = renderFollowUp(answerFromBundle({ kind: "change_mind" }, bundle, base), now);
    expect(a).toEqual(b);
    expect(JSON.stringify(a.blocks)).toContain(gapCloser("tool:sentry"));
    expect(a).toMatchSnapshot();
  });

  it("queries: each db_query source with its results, and the proposed statement as not run", () => {
    const view = answerFromBundle({ kind: "queries" }, bundle, base);
    const out = renderFollowUp(view, now);
    assertSafeRender(out, "message", view);
    const text = JSON.stringify(out.blocks);
    expect(text).toContain("`db_query:stale`");
    expect(text).toContain("37 of 437 rows disagree");
    expect(text).not.toContain("sentry:1");
    expect(text).toContain("*Proposed, not run* (37 rows)");
    expect(out).toMatchSnapshot();
  });

  it("an unknown question lists what prode answers, its words escaped", () => {
    const view = answerFromBundle({ kind: "help", text: "<!channel> & co" }, bundle, base);
    const out = renderFollowUp(view, now);
    assertSafeRender(out, "message", view);
    expect(JSON.stringify(out.blocks)).not.toContain("<!channel>");
    expect(JSON.stringify(out.blocks)).toContain("show the db queries");
  });
});
