import { describe, expect, it } from "vitest";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { CHECK_RULES, EvidenceCollector } from "../shared/collector.ts";
import type { SentryEventSummary, VendorSource, VendorStatus } from "../tools.ts";
import type { RoutingHints, SpecialistInput, TicketContext } from "../types.ts";
import {
  hasVendorLabel,
  implicatedByEvents,
  implicatedByTicket,
  labelledCorrelationIds,
  locationsIn,
  matcherFor,
  overlapsUs,
  ranked,
} from "./detect.ts";
import vendor, { readProviderStatus, readStatus } from "./index.ts";

function ticket(title: string, description = "", labels: string[] = []): TicketContext {
  return {
    snapshot: {
      ticketKey: "ENG-77",
      title,
      labels,
      status: "Triage",
      descriptionExcerpt: description,
      linked: { sentryIssueIds: [], awsRefs: [], requestIds: [] },
      createdAt: "2026-11-20T09:00:00.000Z",
      updatedAt: "2026-11-20T09:10:00.000Z",
      fetchedAt: "2026-11-20T09:20:00.000Z",
    },
    comments: [],
    attachments: [],
  };
}

const NO_HINTS: RoutingHints = { pages: [], recipes: [], negativeControls: [] };
const NOW = new Date("2026-11-20T10:00:00Z");

const source = (vendor: string, extra: Partial<VendorSource> = {}): VendorSource => ({
  vendor,
  kind: "vendor",
  hosts: [],
  errorTypes: [],
  requestIds: [],
  ...extra,
});

function event(overrides: Partial<SentryEventSummary>): SentryEventSummary {
  return { eventId: "e1", dateCreated: "2026-11-20T09:00:00Z", tags: [], ...overrides };
}

describe("vendor implication from evidence (no vendor is built in)", () => {
  const matchers = [source("acme-pay"), source("mailco", { hosts: ["mail.example"] })].map(
    matcherFor,
  );

  it("recognises a vendor by its name in exception types, SDK frames, hosts and tag keys", () => {
    const found = ranked(
      implicatedByEvents(
        [
          event({
            exception: {
              type: "AcmePayConnectionError",
              value: "connect ETIMEDOUT api.acmepay.io:443",
              frames: [{ filename: "/app/node_modules/acme-pay/lib/http.js", inApp: false }],
            },
            tags: [{ key: "acme-pay.request_id", value: "rq_123456" }],
          }),
          event({ exception: { type: "TypeError", value: "x is null", frames: [] } }),
        ],
        matchers,
      ),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ vendor: "acme-pay", correlated: 1, ids: ["rq_123456"] });
    expect(found[0]?.reasons[0]).toContain("exception type AcmePayConnectionError");
  });

  it("uses configured hosts instead of the name when given", () => {
    const found = implicatedByEvents(
      [
        event({
          exception: { type: "Error", value: "POST https://api.mail.example/v3 503", frames: [] },
        }),
      ],
      matchers,
    );
    expect([...found.keys()]).toEqual(["mailco"]);
  });

  it("reads the ticket's labels, title and hosts (a URL counts by its host, not its words)", () => {
    const t = ticket("Checkout failing", "See https://acme-pay.example/dashboard", [
      "vendor:mailco",
    ]);
    const found = implicatedByTicket(t, matchers);
    expect(found.get("mailco")).toMatchObject({ strong: true });
    expect(found.has("acme-pay")).toBe(true); // its host is in the ticket
    expect(hasVendorLabel(t)).toBe(true);
    expect(implicatedByTicket(ticket("Feed slow"), matchers).size).toBe(0);
  });

  it("takes only labelled correlation ids, not our own request ids", () => {
    const t = ticket(
      "Webhook failures",
      "Correlation id: 7f3c2a1b-9d8e. Our req_01JD9Q4M8X2V7K3N5P6R8T0W1Y.",
    );
    expect(labelledCorrelationIds(t)).toEqual(["7f3c2a1b-9d8e"]);
  });
});

describe("cloud provider incidents", () => {
  it("places an incident by the regions and zones it names", () => {
    const where = locationsIn(["Increased error rates", "EC2 (eu-west-1)", "eu-west-1b"]);
    expect(where).toEqual({ regions: ["eu-west-1"], zones: ["eu-west-1b"] });
    expect(overlapsUs(where, { region: "eu-west-1", zones: [] })).toBe(true);
    expect(overlapsUs(where, { region: "eu-west-1", zones: ["eu-west-1a"] })).toBe(false);
    expect(overlapsUs(where, { region: "us-east-1", zones: [] })).toBe(false);
    expect(overlapsUs({ regions: [], zones: [] }, { region: "eu-west-1", zones: [] })).toBe(false);
  });

  it("emits provider_incident with overlapsUs from the provider's status page", () => {
    const ev = new EvidenceCollector({
      specialistId: "vendor",
      question: "q",
      at: NOW,
      deadlineMs: 1_000,
      rules: CHECK_RULES,
    });
    readProviderStatus(
      ev,
      status({
        vendor: "cloud-co",
        indicator: "minor",
        incidents: [
          {
            name: "Connectivity issues in a single AZ",
            status: "investigating",
            impact: "minor",
            startedAt: "2026-11-20T09:05:00Z",
            components: ["Compute (eu-west-1)", "eu-west-1a"],
          },
        ],
      }),
      source("cloud-co", { kind: "cloud", region: "eu-west-1" }),
      ["eu-west-1a", "eu-west-1b"],
      NOW,
    );
    expect(normalizeSpecialistOutput(ev.returned()).signals).toEqual([
      expect.objectContaining({
        kind: "provider_incident",
        provider: "cloud-co",
        region: "eu-west-1",
        zones: ["eu-west-1a"],
        status: "investigating",
        overlapsUs: true,
      }),
    ]);
  });
});

function status(overrides: Partial<VendorStatus>): VendorStatus {
  return {
    vendor: "stripe",
    indicator: "none",
    description: "All Systems Operational",
    incidents: [],
    sourceUrl: "https://status.example.com/api/v2/summary.json",
    ...overrides,
  };
}

function read(s: VendorStatus) {
  const ev = new EvidenceCollector({
    specialistId: "vendor",
    question: "q",
    at: NOW,
    deadlineMs: 1_000,
    rules: CHECK_RULES,
  });
  readStatus(ev, s, NOW, NOW);
  return normalizeSpecialistOutput(ev.returned());
}

describe("readStatus", () => {
  it("maps an open incident to vendor_incident with status, impact and start", () => {
    const out = read(
      status({
        indicator: "major",
        incidents: [
          {
            name: "Delayed webhooks",
            status: "identified",
            impact: "major",
            startedAt: "2026-11-20T09:12:00Z",
            components: ["Webhooks"],
          },
        ],
      }),
    );
    expect(out.signals).toEqual([
      {
        kind: "vendor_incident",
        sourceRef: "vendor_status:stripe",
        vendor: "stripe",
        status: "identified",
        impact: "major",
        startedAt: "2026-11-20T09:12:00.000Z",
      },
    ]);
    expect(out.findings[0]?.fact).toContain('"Delayed webhooks" (identified, impact major)');
  });

  it("reads a green page with only old postmortems as vendor_operational", () => {
    const out = read(
      status({
        incidents: [
          {
            name: "Old",
            status: "postmortem",
            impact: "minor",
            startedAt: "2026-10-01T00:00:00Z",
            components: [],
          },
        ],
      }),
    );
    expect(out.signals).toEqual([
      { kind: "vendor_operational", sourceRef: "vendor_status:stripe", vendor: "stripe" },
    ]);
  });

  it("gives no signal for a degraded page without an incident, and records the gap", () => {
    const out = read(status({ indicator: "minor", description: "Partially Degraded Service" }));
    expect(out.signals).toEqual([]);
    expect(out.gaps[0]).toMatchObject({ confidenceImpact: 5 });
  });
});

describe("vendor specialist routing", () => {
  const available = [
    { connector: "vendor_status", status: "available", confidenceImpact: 5 } as const,
  ];
  it("runs whenever a status source is configured, required only when labelled vendor", () => {
    expect(vendor.appliesTo(ticket("Feed slow"), [], NO_HINTS).applies).toBe(false);
    expect(vendor.appliesTo(ticket("Feed slow"), available, NO_HINTS)).toMatchObject({
      applies: true,
      required: false,
    });
    expect(vendor.appliesTo(ticket("Errors", "", ["vendor"]), [], NO_HINTS)).toMatchObject({
      applies: true,
      required: true,
    });
  });

  it("is skipped without a status reader", async () => {
    const out = await vendor.run({
      question: "q",
      ticket: ticket("Stripe down"),
      hints: NO_HINTS,
      tools: {},
      signal: new AbortController().signal,
      deadline: new Date(Date.now() + 1_000),
      now: NOW,
    });
    expect(out).toMatchObject({
      status: "skipped",
      reason: expect.stringContaining("vendor_status"),
    });
  });
});

describe("vendor specialist: the egress control", () => {
  const logs = {
    error: [
      ["2026-11-20 09:14:41.000", '{"msg":"upstream timeout","host":"api.acme-verify.example"}'],
    ],
    ok: [
      [
        "2026-11-20 09:02:00.000",
        '{"msg":"upstream call","host":"api.acme-verify.example","status":201}',
      ],
      [
        "2026-11-20 09:30:00.000",
        '{"msg":"upstream call","host":"api.mailer.example","status":200}',
      ],
    ],
  };
  const run = (okLines: string[][]) => {
    const queries: string[] = [];
    const cloudwatch = {
      queryLogs: async (q: { query: string }) => {
        queries.push(q.query);
        const rows = q.query.includes("[Ss]tatus") ? okLines : logs.error;
        return rows.map(([t, m]) => ({ "@timestamp": t!, "@message": m! }));
      },
    } as unknown as NonNullable<SpecialistInput["tools"]["cloudwatch"]>;
    const vendorStatus = {
      sources: () => [source("acme-verify", { hosts: ["api.acme-verify.example"] })],
      getStatus: async () => status({ vendor: "acme-verify" }),
    };
    const input = {
      question: "q",
      ticket: { ...ticket("Checks hang"), service: "checks-api" },
      hints: NO_HINTS,
      tools: { cloudwatch, vendorStatus },
      signal: new AbortController().signal,
      deadline: new Date(Date.now() + 5_000),
      now: NOW,
    };
    return vendor.run(input).then((out) => ({ out, queries }));
  };
  const correlation = (out: Awaited<ReturnType<typeof run>>["out"]) =>
    "signals" in out ? out.signals.find((s) => s.kind === "vendor_error_correlation") : undefined;

  it("records other hosts answering 2xx after the vendor's first failure on its correlation", async () => {
    const { out, queries } = await run(logs.ok);
    expect(queries).toHaveLength(2);
    expect(correlation(out)).toMatchObject({ vendor: "acme-verify", otherHostsHealthy: 1 });
  });

  it("records a control that found no other host as zero, not as healthy", async () => {
    const { out } = await run(logs.ok.slice(0, 1));
    expect(correlation(out)).toMatchObject({ vendor: "acme-verify", otherHostsHealthy: 0 });
  });
});
