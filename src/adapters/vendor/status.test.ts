import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWorld, type World } from "../../../sim/server.ts";
import { ErrorCode } from "../../domain/errors.ts";
import { withCallBudget } from "../../observability/call-budget.ts";
import { createVendorStatusReader, toVendorStatus } from "./status.ts";

describe("toVendorStatus", () => {
  it("keeps names, statuses, impacts, start times and component names only", () => {
    const status = toVendorStatus(
      "stripe",
      {
        status: { indicator: "major", description: "Partial System Outage" },
        components: [],
        incidents: [
          {
            name: "Webhook delays",
            status: "identified",
            impact: "major",
            created_at: "2026-11-20T09:15:00Z",
            started_at: "2026-11-20T09:12:00Z",
            components: [{ name: "Webhooks", status: "degraded_performance" }],
            incident_updates: [{ body: "We are investigating a payload with a customer email" }],
          },
          {
            name: "Old",
            status: "resolved",
            impact: "minor",
            created_at: "2026-11-01T00:00:00Z",
            components: [],
          },
        ],
      },
      "https://status.example.com/api/v2/summary.json",
    );
    expect(status).toEqual({
      vendor: "stripe",
      indicator: "major",
      description: "Partial System Outage",
      incidents: [
        {
          name: "Webhook delays",
          status: "identified",
          impact: "major",
          startedAt: "2026-11-20T09:12:00Z",
          components: ["Webhooks"],
        },
        {
          name: "Old",
          status: "resolved",
          impact: "minor",
          startedAt: "2026-11-01T00:00:00Z",
          components: [],
        },
      ],
      sourceUrl: "https://status.example.com/api/v2/summary.json",
    });
    expect(JSON.stringify(status)).not.toContain("customer email");
  });
});

describe("createVendorStatusReader over the simulated status pages", () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld({ scenario: "backend-500-pr" });
  });
  afterEach(async () => {
    await world.close();
  });

  it("turns a status page that does not exist (HTTP 404) into NotFound, a 5xx into a retryable outage", async () => {
    const reader = createVendorStatusReader({
      sources: {
        twilio: `${world.urls.statuspage}/twilio`,
        stripe: `${world.urls.statuspage}/stripe`,
      },
      timeoutMs: 2_000,
    });
    await expect(reader.getStatus("twilio")).rejects.toMatchObject({
      code: ErrorCode.NotFound,
      retryable: false,
    });
    world.injectFault({ service: "statuspage", kind: "error", status: 503 });
    await expect(reader.getStatus("stripe")).rejects.toMatchObject({
      code: ErrorCode.UpstreamUnavailable,
      retryable: true,
    });
  });

  it("waits out a 429's Retry-After that fits the deadline, and gives up at once on one that does not", async () => {
    const reader = createVendorStatusReader({
      sources: { stripe: `${world.urls.statuspage}/stripe` },
      timeoutMs: 2_000,
    });
    world.injectFault({ service: "statuspage", kind: "rate_limit", retryAfterSec: 1, count: 1 });
    const status = await withCallBudget({ deadline: new Date(Date.now() + 10_000) }, () =>
      reader.getStatus("stripe"),
    );
    expect(status.vendor).toBe("stripe");

    world.injectFault({ service: "statuspage", kind: "rate_limit", retryAfterSec: 120, count: 1 });
    const started = Date.now();
    await expect(
      withCallBudget({ deadline: new Date(Date.now() + 5_000) }, () => reader.getStatus("stripe")),
    ).rejects.toMatchObject({ code: ErrorCode.UpstreamRateLimited });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("describes each configured source with its match patterns and, for a cloud, our region", () => {
    const reader = createVendorStatusReader({
      sources: { "pay-co": "https://status.pay.example", cloudy: "https://status.cloud.example" },
      match: { "pay-co": { hosts: ["pay.example"] }, cloudy: { kind: "cloud" } },
      region: "eu-west-1",
    });
    expect(reader.sources()).toEqual([
      { vendor: "pay-co", kind: "vendor", hosts: ["pay.example"], errorTypes: [], requestIds: [] },
      {
        vendor: "cloudy",
        kind: "cloud",
        hosts: [],
        errorTypes: [],
        requestIds: [],
        region: "eu-west-1",
      },
    ]);
  });
});
