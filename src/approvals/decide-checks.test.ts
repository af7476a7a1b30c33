import { describe, expect, it } from "vitest";
import { parseRequester, requesterOf, starterFromActor } from "../domain/run-starter.ts";
import { messageMismatch, requesterOfApproval, sameHuman } from "./decide-checks.ts";

describe("the two-person rule", () => {
  const lead = { userId: "U0LEAD0001", identity: { email: "Lead@Example.com", names: ["Lea D"] } };

  it("a Slack starter is the same human only by user id", () => {
    expect(sameHuman({ kind: "slack", userId: "U0LEAD0001" }, lead)).toBe("same");
    expect(sameHuman({ kind: "slack", userId: "U0OTHER001" }, lead)).toBe("different");
  });

  it("a Linear starter is matched by e-mail, case-insensitively, else by name", () => {
    const byMail = { kind: "linear" as const, userId: "l1", email: "lead@example.com" };
    expect(sameHuman(byMail, lead)).toBe("same");
    expect(sameHuman({ ...byMail, email: "other@example.com" }, lead)).toBe("different");
    expect(sameHuman({ kind: "linear", userId: "l1", name: "lea  d" }, lead)).toBe("same");
    expect(sameHuman({ kind: "linear", userId: "l1", name: "Someone Else" }, lead)).toBe(
      "different",
    );
  });

  it("cannot tell them apart without the clicker's e-mail, or with nothing to compare", () => {
    const byMail = { kind: "linear" as const, userId: "l1", email: "lead@example.com" };
    expect(sameHuman(byMail, { userId: "U0LEAD0001" })).toBe("unknown");
    expect(sameHuman(byMail, { userId: "U0LEAD0001", identity: { names: ["x"] } })).toBe("unknown");
    expect(sameHuman({ kind: "linear", userId: "l1" }, lead)).toBe("unknown");
  });

  it("no human started the run: nobody is the requester", () => {
    expect(sameHuman({ kind: "none", via: "poller" }, lead)).toBe("different");
  });

  it("reads the Linear e-mail from the run only for the same Linear user", () => {
    const started = { kind: "linear" as const, userId: "l1", email: "a@example.com" };
    expect(requesterOfApproval({ requester: "linear:l1" }, started)).toEqual(started);
    expect(requesterOfApproval({ requester: "linear:l2" }, started)).toEqual({
      kind: "linear",
      userId: "l2",
    });
  });
});

describe("requesters", () => {
  it("round-trips every starter and reads old bare Slack ids", () => {
    expect(parseRequester(requesterOf({ kind: "slack", userId: "U0A1B2C3D" }))).toEqual({
      kind: "slack",
      userId: "U0A1B2C3D",
    });
    expect(requesterOf({ kind: "none", via: "poller" })).toBe("prode");
    expect(parseRequester("U0A1B2C3D")).toEqual({ kind: "slack", userId: "U0A1B2C3D" });
    expect(starterFromActor("slack:U0A1B2C3D")).toEqual({ kind: "slack", userId: "U0A1B2C3D" });
    expect(starterFromActor("slack:not a user")).toEqual({
      kind: "none",
      via: "slack:not a user",
    });
  });
});

describe("message binding", () => {
  const posted = { channel: "C0INC", ts: "1.000100" };
  it("accepts only the approval's own message", () => {
    expect(messageMismatch(posted, { channel: "C0INC", ts: "1.000100" })).toBeNull();
    expect(messageMismatch(posted, { channel: "C0INC", ts: "1.000200" })).toMatch(
      /another message/,
    );
    expect(messageMismatch(posted, { channel: "C0OTHER", ts: "1.000100" })).toMatch(/another/);
    expect(messageMismatch(posted, {})).toMatch(/names no message/);
    expect(messageMismatch(null, posted)).toMatch(/no request message/);
  });
});
