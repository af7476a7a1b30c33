import { describe, expect, it } from "vitest";
import {
  bucketsNamedIn,
  computeService,
  queueConsumers,
  relatedResources,
  siblingDependencies,
} from "./relations.ts";
import type { Resource } from "./resources.ts";

const res = (kind: Resource["kind"], dims: Record<string, string>): Resource => ({
  kind,
  id: Object.values(dims).join("/"),
  dims,
  origin: "discovered",
});

describe("resources found beside the service", () => {
  const account = [
    res("rds", { DBInstanceIdentifier: "ledger-prod-db" }),
    res("rds", { DBInstanceIdentifier: "audit-prod-db" }),
    res("cache", { CacheClusterId: "ledger-prod-0001-001" }),
    res("queue", { QueueName: "ledger-exports" }),
    res("ecs", { ClusterName: "prod-fin", ServiceName: "ledger-exporter" }),
  ];

  it("reads databases, caches and queues named with the service's first word, not another's", () => {
    const lb = res("alb", { LoadBalancer: "app/ledger-api-prod/0a1b2c3d" });
    const found = siblingDependencies([lb], "ledger-api", account).map((r) => r.id);
    expect(found).toEqual(["ledger-prod-db", "ledger-prod-0001-001", "ledger-exports"]);
    expect(found).not.toContain("audit-prod-db");
  });

  it("adds none of a kind the service already has", () => {
    const own = [
      res("alb", { LoadBalancer: "app/ledger-api-prod/0a1b2c3d" }),
      res("rds", { DBInstanceIdentifier: "ledger-main" }),
    ];
    const kinds = siblingDependencies(own, "ledger-api", account).map((r) => r.kind);
    expect(kinds).not.toContain("rds");
  });

  it("finds a queue's consumer by name when nothing names the service, and names the service after it", () => {
    const queue = res("queue", { QueueName: "ledger-exports" });
    const consumers = queueConsumers([queue], account);
    expect(consumers.map((r) => r.id)).toEqual(["prod-fin/ledger-exporter"]);
    expect(computeService([queue, ...consumers])).toBe("ledger-exporter");
    expect(queueConsumers([queue, ...consumers], account)).toEqual([]);
  });

  it("reads the database of a queue's consumer, named after the consumer, not the queue", () => {
    const queue = res("queue", { QueueName: "billing-jobs" });
    const account2 = [
      queue,
      res("ecs", { ClusterName: "prod-batch", ServiceName: "billing-worker" }),
      res("rds", { DBInstanceIdentifier: "billing-prod-db" }),
      res("rds", { DBInstanceIdentifier: "search-prod-db" }),
    ];
    const found = relatedResources([queue], undefined, account2).map((r) => r.id);
    expect(found).toEqual(["prod-batch/billing-worker", "billing-prod-db"]);
  });

  it("adds no consumer when the service is named; its dependencies still come by its name", () => {
    const queue = res("queue", { QueueName: "billing-jobs" });
    const account2 = [
      res("ecs", { ClusterName: "prod-batch", ServiceName: "billing-worker" }),
      res("rds", { DBInstanceIdentifier: "billing-prod-db" }),
    ];
    const found = relatedResources([queue], "billing-api", account2).map((r) => r.id);
    expect(found).toEqual(["billing-prod-db"]);
  });
});

describe("buckets the service's error lines name", () => {
  const account = [
    res("bucket", { BucketName: "acme-photos-prod", FilterId: "EntireBucket" }),
    res("bucket", { BucketName: "acme-exports-prod", FilterId: "EntireBucket" }),
    res("queue", { QueueName: "acme-photos-prod" }),
  ];

  it("reads only the account's buckets a line names, never one CloudWatch does not list", () => {
    const found = bucketsNamedIn(["acme-photos-prod", "not-in-this-account"], account);
    expect(found.map((r) => `${r.kind}:${r.id}`)).toEqual(["bucket:acme-photos-prod/EntireBucket"]);
  });
});
