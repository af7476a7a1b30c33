import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { findScenario } from "../../sim/scenario.ts";
import { startWorld, type World } from "../../sim/server.ts";
import { statuspageDataSchema } from "../../sim/services/statuspage.ts";
import support from "../../specialists/support/index.ts";
import type { TicketContext } from "../../specialists/types.ts";
import vendor from "../../specialists/vendor/index.ts";
import { createCloudWatchReader } from "../../src/adapters/aws/cloudwatch.ts";
import { createSentryReader } from "../../src/adapters/sentry/reader.ts";
import { createVendorStatusReader } from "../../src/adapters/vendor/status.ts";
import { ErrorCode } from "../../src/domain/errors.ts";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { scenarioTicket, specialistInput } from "../setup/scenario-ticket.ts";

/**
 * The vendor specialist reading Statuspage v2 summaries served by the simulated world
 * (one page with an open incident, one green), and the support specialist reading the
 * reference tickets.
 */

let world: World;

beforeAll(async () => {
  const scenario = structuredClone(await findScenario("backend-500-pr"));
  scenario.vendorStatus = statuspageDataSchema.parse({
    ...scenario.vendorStatus,
    stripe: {
      page: {
        id: "stripe-sim",
        name: "Stripe",
        url: "https://status.stripe.example.com",
        updated_at: "2026-11-20T14:30:00Z",
      },
      status: { indicator: "major", description: "Partial System Outage" },
      components: [
        {
          id: "stripe-webhooks",
          name: "Webhooks",
          status: "partial_outage",
          updated_at: "2026-11-20T14:30:00Z",
        },
      ],
      incidents: [
        {
          id: "inc-1",
          name: "Delayed webhook deliveries",
          status: "identified",
          impact: "major",
          created_at: "2026-11-20T13:58:00Z",
          updated_at: "2026-11-20T14:20:00Z",
          incident_updates: [
            {
              id: "u1",
              status: "identified",
              body: "Payload for acct jane@example.com delayed",
              created_at: "2026-11-20T14:20:00Z",
            },
          ],
          components: [
            {
              id: "stripe-webhooks",
              name: "Webhooks",
              status: "partial_outage",
              updated_at: "2026-11-20T14:30:00Z",
            },
          ],
        },
      ],
    },
    cloudflare: {
      page: {
        id: "cf-sim",
        name: "Cloudflare",
        url: "https://status.cloudflare.example.com",
        updated_at: "2026-11-20T14:30:00Z",
      },
      status: { indicator: "none", description: "All Systems Operational" },
    },
  });
  world = await startWorld({ scenario });
});

afterEach(() => {
  world.clearFaults();
  world.clearCalls();
});

afterAll(async () => {
  await world?.close();
});

const statusReader = (timeoutMs = 2_000) =>
  createVendorStatusReader({
    sources: {
      stripe: `${world.urls.statuspage}/stripe`,
      cloudflare: `${world.urls.statuspage}/cloudflare`,
      twilio: `${world.urls.statuspage}/twilio`,
    },
    // The deployment says what the vendor's webhook event ids look like.
    match: { stripe: { requestIds: ["\\b(evt_[A-Za-z0-9]{14,})\\b"] } },
    timeoutMs,
  });

function vendorTicket(
  title: string,
  description: string,
  labels: string[] = ["prode"],
): TicketContext {
  const base = scenarioTicket(world.scenario);
  return {
    ...base,
    snapshot: { ...base.snapshot, title, descriptionExcerpt: description, labels },
    comments: [],
    attachments: [],
  };
}

const vendorInput = (ticket: TicketContext) =>
  specialistInput(world.scenario, { vendorStatus: statusReader() }, { ticket });

describe("vendor specialist over Statuspage v2", () => {
  it("reports an open vendor incident and the ticket's webhook event ids", async () => {
    const ticket = vendorTicket(
      "Stripe webhooks not arriving",
      "Payment confirmations stuck. Failed events: evt_1QAbCdEfGhIjKlMn, evt_1QOpQrStUvWxYz12.",
    );
    const hints = specialistInput(world.scenario, {}).hints;
    const statusTool = {
      connector: "vendor_status",
      status: "available",
      confidenceImpact: 5,
    } as const;
    expect(vendor.appliesTo(ticket, [statusTool], hints)).toMatchObject({ applies: true });
    // Without a status source it runs only when the ticket is labelled vendor (then a gap).
    expect(vendor.appliesTo(ticket, [], hints)).toMatchObject({ applies: false });
    const labelled = vendorTicket("Payments failing", "", ["prode", "vendor"]);
    expect(vendor.appliesTo(labelled, [], hints)).toMatchObject({ applies: true, required: true });
    const out = normalizeSpecialistOutput(await vendor.run(vendorInput(ticket)));
    expect(out.status).toBe("returned");
    expect(out.signals).toEqual(
      expect.arrayContaining([
        {
          kind: "vendor_incident",
          sourceRef: "vendor_status:stripe",
          vendor: "stripe",
          status: "identified",
          impact: "major",
          startedAt: "2026-11-20T13:58:00.000Z",
        },
        {
          kind: "vendor_error_correlation",
          sourceRef: `linear_issue:${ticket.snapshot.ticketKey}`,
          vendor: "stripe",
          correlatedRequests: 2,
        },
      ]),
    );
    expect(out.correlationIds).toEqual([
      { kind: "vendor_correlation_id", value: "evt_1QAbCdEfGhIjKlMn" },
      { kind: "vendor_correlation_id", value: "evt_1QOpQrStUvWxYz12" },
    ]);
    // Vendor payloads (incident update bodies) never leave the adapter.
    expect(JSON.stringify(out)).not.toContain("jane@example.com");
    expect(world.calls({ service: "statuspage" }).map((c) => c.method)).toEqual([
      "stripe/summary.json",
    ]);
  });

  it("reads a green status page as the vendor_operational negative control", async () => {
    const out = normalizeSpecialistOutput(
      await vendor.run(vendorInput(vendorTicket("Feed images slow", "Is Cloudflare degraded?"))),
    );
    expect(out.signals).toEqual([
      { kind: "vendor_operational", sourceRef: "vendor_status:cloudflare", vendor: "cloudflare" },
    ]);
  });

  it("records a vendor without a reachable status page as a gap and keeps the others", async () => {
    const out = normalizeSpecialistOutput(
      await vendor.run(
        vendorInput(vendorTicket("SMS and payments failing", "Twilio and Stripe both?")),
      ),
    );
    expect(out.status).toBe("returned");
    expect(out.signals.map((s) => s.kind)).toEqual(["vendor_incident"]);
    expect(out.gaps).toEqual([
      {
        what: expect.stringContaining("status page of twilio unavailable (not_found)"),
        confidenceImpact: 10,
      },
    ]);
  });

  it("fails with a retryable error when the status page is down", async () => {
    world.injectFault({ service: "statuspage", kind: "error", status: 503 });
    const out = normalizeSpecialistOutput(
      await vendor.run(vendorInput(vendorTicket("Stripe webhooks not arriving", "see title"))),
    );
    expect(out).toMatchObject({
      status: "failed",
      error: { code: "upstream_unavailable", retryable: true },
    });
  });

  it("the reader times out on a page that never answers and refuses unknown vendors", async () => {
    world.injectFault({ service: "statuspage", kind: "timeout", count: 1 });
    await expect(statusReader(200).getStatus("stripe")).rejects.toMatchObject({
      code: ErrorCode.Timeout,
      retryable: true,
    });
    await expect(statusReader().getStatus("okta")).rejects.toMatchObject({
      code: ErrorCode.BadInput,
    });
  });
});

describe("vendor specialist: the errors implicate the vendor, not the ticket's words", () => {
  let vendorWorld: World;
  beforeAll(async () => {
    vendorWorld = await startWorld({ scenario: "payments-stripe-api-degraded" });
  });
  afterAll(async () => {
    await vendorWorld?.close();
  });

  const tools = (extra: Record<string, string> = {}) => {
    const s = vendorWorld.scenario;
    const sources = Object.fromEntries(
      [...Object.keys(s.vendorStatus ?? {}), ...Object.keys(extra)].map((v) => [
        v,
        `${vendorWorld.urls.statuspage}/${v}`,
      ]),
    );
    return {
      vendorStatus: createVendorStatusReader({ sources, timeoutMs: 2_000 }),
      sentry: createSentryReader({
        baseUrl: vendorWorld.urls.sentry,
        org: s.sentry!.org,
        token: s.sentry!.tokens[0] ?? "sntrys_sim_prode",
        timeoutMs: 2_000,
      }),
    };
  };

  it("finds the vendor in the linked issue's events and reads only that vendor's page", async () => {
    const s = vendorWorld.scenario;
    const input = specialistInput(s, tools());
    // The ticket does not name the vendor: only its errors do.
    const vendors = Object.keys(s.vendorStatus ?? {});
    for (const v of vendors) expect(input.ticket.snapshot.title.toLowerCase()).not.toContain(v);
    const out = normalizeSpecialistOutput(await vendor.run(input));
    expect(out.status).toBe("returned");
    const correlation = out.signals.find((x) => x.kind === "vendor_error_correlation");
    expect(correlation).toMatchObject({ vendor: vendors[0] });
    expect(out.signals.some((x) => x.kind === "vendor_incident" && x.vendor === vendors[0])).toBe(
      true,
    );
    expect(out.findings.some((f) => /implicated by .*Sentry event/.test(f.fact))).toBe(true);
  });

  it("never reads (or counts) a vendor the evidence does not implicate", async () => {
    const out = normalizeSpecialistOutput(
      await vendor.run(specialistInput(vendorWorld.scenario, tools({ "other-vendor": "x" }))),
    );
    expect(out.signals.some((x) => "vendor" in x && x.vendor === "other-vendor")).toBe(false);
    expect(
      vendorWorld.calls({ service: "statuspage" }).some((c) => c.method.startsWith("other-vendor")),
    ).toBe(false);
  });
});

describe("vendor specialist: the service's error log lines implicate the vendor", () => {
  let mailWorld: World;
  beforeAll(async () => {
    mailWorld = await startWorld({ scenario: "mailer-sendgrid-delays" });
  });
  afterAll(async () => {
    await mailWorld?.close();
  });

  it("reads the service's log groups, finds the vendor's host, and reads only its page", async () => {
    const s = mailWorld.scenario;
    const vendors = Object.keys(s.vendorStatus ?? {});
    const cloudwatch = createCloudWatchReader({
      region: s.aws!.region,
      credentials: { accessKeyId: "AKIASIMULATEDPRODE01", secretAccessKey: "sim-secret" },
      endpoint: mailWorld.urls.aws,
      pollIntervalMs: 10,
    });
    try {
      const input = specialistInput(s, {
        cloudwatch,
        vendorStatus: createVendorStatusReader({
          sources: Object.fromEntries(
            [...vendors, "unrelated-vendor"].map((v) => [v, `${mailWorld.urls.statuspage}/${v}`]),
          ),
          timeoutMs: 2_000,
        }),
      });
      // As FETCH_LINEAR resolved it (the ticket itself names neither service nor vendor).
      input.ticket = { ...input.ticket, service: s.service };
      const out = normalizeSpecialistOutput(await vendor.run(input));
      expect(out.signals.find((x) => x.kind === "vendor_error_correlation")).toMatchObject({
        vendor: vendors[0],
      });
      expect(out.findings.some((f) => /error log line/.test(f.fact))).toBe(true);
      expect(mailWorld.calls({ service: "statuspage" }).map((c) => c.method.split("/")[0])).toEqual(
        [vendors[0]],
      );
    } finally {
      cloudwatch.close();
    }
  });
});

describe("support specialist on the reference tickets", () => {
  it("backend-500-pr: 187 users, only new accounts, and the quoted request ids", async () => {
    const scenario = await findScenario("backend-500-pr");
    const out = normalizeSpecialistOutput(await support.run(specialistInput(scenario, {})));
    expect(out.signals).toEqual([
      {
        kind: "reported_cause",
        sourceRef: "linear_issue:ENG-4821",
        cause: "release",
        statement: "Onboarding completion fails with 500 after today's deploy",
      },
      {
        kind: "user_impact",
        sourceRef: "linear_issue:ENG-4821",
        affectedUsers: 187,
        scope: "partial",
      },
    ]);
    expect(out.correlationIds.map((c) => c.value)).toEqual([
      "req_01JD9Q4M8X2V7K3N5P6R8T0W1Y",
      "req_01JD9Q7C2B4D6F8H0J2K4M6N8P",
      "req_01JD9QB1E3G5J7L9N1Q3S5U7W9",
    ]);
    const facts = out.findings.map((f) => f.fact);
    expect(facts).toContain("3 user report(s) referenced (support tickets #88231)");
    expect(facts).toContain("reported onset: since about 14:05 UTC");
  });

  it("db-state-approval: three reports, and what the billing page shows against the members list", async () => {
    const scenario = await findScenario("db-state-approval");
    const out = normalizeSpecialistOutput(await support.run(specialistInput(scenario, {})));
    expect(out.signals).toEqual([
      {
        kind: "user_impact",
        sourceRef: "linear_issue:ENG-4840",
        affectedUsers: 3,
        scope: "partial",
      },
    ]);
    expect(out.findings.map((f) => f.fact)).toContain(
      'reported behaviour: "A customer admin reports that Settings > Billing shows 5 seats while Settings > Members lists 3 people."',
    );
  });

  it("abort-noise: no reports, so no impact signal, and the example request ids", async () => {
    const scenario = await findScenario("abort-noise");
    const out = normalizeSpecialistOutput(await support.run(specialistInput(scenario, {})));
    expect(out.status).toBe("returned");
    expect(out.signals).toEqual([]);
    expect(out.correlationIds).toHaveLength(2);
    expect(out.findings.every((f) => f.sourceRef === "linear_issue:ENG-4852")).toBe(true);
  });
});
