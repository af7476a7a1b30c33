import { describe, expect, it } from "vitest";
import { toVendorStatus } from "./status.ts";

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
