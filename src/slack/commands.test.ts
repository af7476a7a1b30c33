import { describe, expect, it } from "vitest";
import { parseProdeCommand } from "./commands.ts";

describe("parseProdeCommand", () => {
  it.each([
    ["", { kind: "help" }],
    ["help", { kind: "help" }],
    ["  HELP ", { kind: "help" }],
    ["status", { kind: "status" }],
    ["status ENG-123", { kind: "status", query: "ENG-123" }],
    ["status run_abc", { kind: "status", query: "run_abc" }],
    ["triage eng-123", { kind: "triage", ticket: "ENG-123" }],
    ["pause", { kind: "pause", scope: "global", value: "" }],
    [
      "pause global deploy freeze",
      { kind: "pause", scope: "global", value: "", reason: "deploy freeze" },
    ],
    ["pause team payments", { kind: "pause", scope: "team", value: "payments" }],
    [
      "resume service onboarding-api",
      { kind: "resume", scope: "service", value: "onboarding-api" },
    ],
    [
      "pause capability open_pr bad PRs",
      { kind: "pause", scope: "capability", value: "open_pr", reason: "bad PRs" },
    ],
  ])("%j parses", (text, expected) => {
    expect(parseProdeCommand(text)).toEqual(expected);
  });

  it.each([
    ["frobnicate", /Unknown subcommand `frobnicate`/],
    ["triage", /takes one Linear ticket key/],
    ["triage ENG", /got `ENG`/],
    ["triage ENG-1 ENG-2", /takes one Linear ticket key/],
    ["status a b", /at most one/],
    ["pause team", /needs a team name/],
    ["pause capability", /one of slack_post/],
    ["pause team Payments!", /not a valid name/],
    ["pause capability rm_rf", /unknown capability 'rm_rf'/],
    ["resume galaxy far-away", /Unknown scope `galaxy`/],
  ])("%j is refused with a helpful message", (text, message) => {
    const parsed = parseProdeCommand(text);
    expect(parsed.kind).toBe("invalid");
    expect(parsed.kind === "invalid" && parsed.message).toMatch(message);
  });
});
