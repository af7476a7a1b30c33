import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "../sim/server.ts";
import { lazyGitHubReader } from "./pipeline.ts";

let world: World;
beforeAll(async () => {
  world = await startWorld({ scenario: "backend-500-pr" });
});
afterAll(async () => {
  await world.close();
});

describe("lazyGitHubReader", () => {
  it("tries the installation token again after a failure instead of keeping the failure", async () => {
    let opens = 0;
    const reader = lazyGitHubReader(
      async () => {
        opens += 1;
        if (opens === 1) throw new Error("token exchange failed: 502");
        return new Octokit({ baseUrl: world.urls.github, auth: "ghp_sim_reader" });
      },
      "acme-sim",
      "onboarding-api",
    );
    const query = { environment: "production", limit: 1 };
    await expect(reader.listDeployments(query)).rejects.toThrow("token exchange failed");
    const deployments = await reader.listDeployments(query);
    expect(deployments).toHaveLength(1);
    // Once it worked, the Octokit is kept: no exchange per call.
    await reader.listDeployments(query);
    expect(opens).toBe(2);
  });
});
