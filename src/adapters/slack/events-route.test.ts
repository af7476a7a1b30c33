import { describe, expect, it } from "vitest";
import { isOurWorkspace } from "./events-route.ts";

describe("isOurWorkspace", () => {
  const ours = { teamId: "T0OURS" };

  it("accepts the bot token's workspace and refuses another, or one that names none", () => {
    expect(isOurWorkspace(ours, { teamId: "T0OURS" })).toBe(true);
    expect(isOurWorkspace(ours, { teamId: "TEVIL" })).toBe(false);
    expect(isOurWorkspace(ours, {})).toBe(false);
    // An organisation id is no pass when prode's install is not organisation-wide.
    expect(isOurWorkspace(ours, { teamId: "TEVIL", enterpriseId: "E0ORG" })).toBe(false);
  });

  it("on an organisation-wide install, accepts the organisation's other workspaces only", () => {
    const org = { teamId: "T0OURS", enterpriseId: "E0ORG" };
    expect(isOurWorkspace(org, { teamId: "T0SISTER", enterpriseId: "E0ORG" })).toBe(true);
    expect(isOurWorkspace(org, { teamId: "T0SISTER", enterpriseId: "E0EVIL" })).toBe(false);
    expect(isOurWorkspace({}, {})).toBe(false);
  });
});
