import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../../sim/server.ts";
import { createSlackWebClient } from "./client.ts";
import { createUserGroupResolver } from "./user-groups.ts";

let world: World;
beforeEach(async () => {
  world = await startWorld({ scenario: "db-state-approval" });
});
afterEach(async () => {
  await world.close();
});

const listCalls = () => world.calls({ service: "slack", method: "usergroups.users.list" }).length;

describe("resolving a clicker's user groups", () => {
  it("lists each group once per TTL and answers which contain the user", async () => {
    let clock = 0;
    const resolver = createUserGroupResolver(
      createSlackWebClient({ token: world.scenario.slack.botToken, apiUrl: world.urls.slack }),
      { ttlMs: 60_000, now: () => clock },
    );
    const groups = ["S0APPROVER", "S0SREONCAL"];
    expect(await resolver.groupsOf("U0ENGLEAD2", groups)).toEqual(["S0APPROVER"]);
    expect(await resolver.groupsOf("U0ONCALL01", groups)).toEqual(["S0SREONCAL"]);
    expect(await resolver.groupsOf("U0BACKEND5", groups)).toEqual([]);
    expect(listCalls()).toBe(2);
    clock = 61_000;
    expect(await resolver.groupsOf("U0DBAOWNR3", groups)).toEqual(["S0APPROVER"]);
    expect(listCalls()).toBe(4);
  });

  it("treats a group it cannot list as not containing the user, and asks again next time", async () => {
    const resolver = createUserGroupResolver(
      createSlackWebClient({ token: world.scenario.slack.botToken, apiUrl: world.urls.slack }),
    );
    expect(await resolver.groupsOf("U0ENGLEAD2", ["S0MISSING", "S0APPROVER"])).toEqual([
      "S0APPROVER",
    ]);
    await resolver.groupsOf("U0ENGLEAD2", ["S0MISSING"]);
    expect(
      world.calls(
        (c) => c.method === "usergroups.users.list" && JSON.stringify(c).includes("S0MISSING"),
      ),
    ).toHaveLength(2);
  });
});
