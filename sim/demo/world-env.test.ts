import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeAws } from "../../src/adapters/aws/sts.ts";
import { findScenario } from "../scenario.ts";
import { startWorld, type World } from "../server.ts";
import { worldEnv } from "./world-env.ts";

/**
 * A world can state the AWS account prode expects apart from the one its STS answers:
 * the environment it hands prode carries the expected one, and the inventory's identity
 * check refuses the credentials.
 */

let world: World;
beforeAll(async () => {
  const base = await findScenario("queue-alarm-infra");
  world = await startWorld({
    scenario: { ...base, aws: { ...base.aws!, expectedAccountId: "999999999999" } },
  });
});
afterAll(async () => {
  await world.close();
});

describe("worldEnv: the expected AWS account", () => {
  it("configures the expected account, and the STS check refuses the world's credentials", async () => {
    const env = worldEnv(world);
    expect(env.AWS_EXPECTED_ACCOUNT_ID).toBe("999999999999");
    const probe = await probeAws({
      region: env.AWS_REGION!,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: "x" },
      endpoint: env.AWS_ENDPOINT_URL!,
      expectedAccountId: env.AWS_EXPECTED_ACCOUNT_ID!,
    });
    expect(probe).toMatchObject({
      ok: false,
      reason: expect.stringContaining("not the configured 999999999999"),
    });
  });

  it("expects the STS account when the world states no other", async () => {
    const base = await findScenario("queue-alarm-infra");
    const plain = await startWorld({ scenario: base });
    try {
      expect(worldEnv(plain).AWS_EXPECTED_ACCOUNT_ID).toBe(base.aws!.accountId);
    } finally {
      await plain.close();
    }
  });
});
