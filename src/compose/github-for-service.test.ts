import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../sim/server.ts";
import { createGitHubReader } from "../adapters/github/reader.ts";
import type { ServiceCatalog } from "../policy/catalog.ts";
import { githubForService } from "./github-for-service.ts";

/**
 * Release evidence from the run's service's own repository, over the simulated GitHub
 * (a world with two repositories; GITHUB_REPOSITORY names the first).
 */

let world: World;
beforeAll(async () => {
  world = await startWorld({ scenario: "orders-ticket-links-payments-issue" });
});
afterAll(async () => {
  await world.close();
});

const OWNER = "northwind-sim";
const reader = (owner: string, repo: string) =>
  createGitHubReader({
    octokit: new Octokit({ baseUrl: world.urls.github, auth: "ghp_sim_reader" }),
    owner,
    repo,
  });
const refs = async (r: ReturnType<ReturnType<typeof githubForService>>) =>
  (await r.listDeployments({ limit: 10 })).map((d) => d.ref);
const forService = (catalog: ServiceCatalog["services"] = {}) =>
  githubForService({
    reader,
    fallback: reader(OWNER, "payments-gateway"),
    repository: `${OWNER}/payments-gateway`,
    catalog: { services: catalog } as ServiceCatalog,
  });

describe("githubForService", () => {
  it("reads the repository named like the service, not GITHUB_REPOSITORY's", async () => {
    await expect(refs(forService()("orders-api"))).resolves.toEqual(["v2027.01.02-1"]);
  });

  it("falls back to GITHUB_REPOSITORY when no repository has the service's name", async () => {
    const fallback = await refs(forService()(undefined));
    expect(fallback).toContain("v2027.01.12-1");
    await expect(refs(forService()("no-such-service"))).resolves.toEqual(fallback);
  });

  it("takes the catalog's repository first", async () => {
    const get = forService({
      "orders-web": { repository: `${OWNER}/orders-api` } as never,
    });
    await expect(refs(get("orders-web"))).resolves.toEqual(["v2027.01.02-1"]);
  });
});
