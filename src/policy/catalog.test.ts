import { describe, expect, it } from "vitest";
import { catalogEntry, loadServiceCatalog, resourcesOfOthers, serviceOwning } from "./catalog.ts";
import { loadPolicy } from "./load.ts";
import { mostRestrictive } from "./restrictive.ts";

describe("the service catalog", () => {
  it("reads every service file of the shipped policy, with its team and AWS resources", async () => {
    const catalog = await loadServiceCatalog("policy");
    expect(Object.keys(catalog.services).length).toBeGreaterThanOrEqual(1);
    for (const service of Object.values(catalog.services)) {
      expect(service.team).toMatch(/^[a-z0-9-]+$/);
    }
    expect(catalog.teams.length).toBeGreaterThanOrEqual(1);
  });

  it("maps snake_case YAML to the specialists' AwsResources and refuses unknown keys", () => {
    const entry = catalogEntry("svc", {
      version: 1,
      team: "t",
      repository: "org/svc",
      aws: {
        load_balancer: "app/svc/1",
        queues: [{ name: "q", threshold_seconds: 60, dead_letter_queue: "q-dlq" }],
        databases: [{ identifier: "db-1", max_connections: 100 }],
        zones: ["eu-west-1a"],
      },
    });
    expect(entry).toMatchObject({
      repository: "org/svc",
      aws: {
        loadBalancer: "app/svc/1",
        queues: [{ name: "q", thresholdSeconds: 60, deadLetterQueue: "q-dlq" }],
        databases: [{ identifier: "db-1", maxConnections: 100 }],
      },
      zones: ["eu-west-1a"],
    });
    expect(() => catalogEntry("svc", { version: 1, team: "t", aws: { lb: "x" } })).toThrow(
      /unknown field 'lb'/,
    );
  });

  it("finds the owner of a referenced resource and lists other services' resources", () => {
    const catalog = {
      services: {
        a: catalogEntry("a", { version: 1, team: "t", aws: { log_groups: ["/ecs/a"] } }),
        b: catalogEntry("b", { version: 1, team: "t", aws: { queues: [{ name: "b-jobs" }] } }),
      },
      teams: [],
    };
    expect(serviceOwning(catalog, "https://sqs.eu-west-1.amazonaws.com/1/b-jobs")?.name).toBe("b");
    expect(serviceOwning(catalog, "/ecs/a-other")).toBeUndefined();
    expect(resourcesOfOthers(catalog, "a")).toEqual(["b-jobs"]);
  });
});

describe("mostRestrictive", () => {
  it("prefers the higher confidence threshold, then the smaller change", async () => {
    const strict = await loadPolicy("policy", { team: "onboarding" });
    const loose = await loadPolicy("policy", {});
    expect(mostRestrictive([loose, strict])).toBe(strict);
    expect(mostRestrictive([strict, loose])).toBe(strict);
  });
});
