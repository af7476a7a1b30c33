import { describe, expect, it } from "vitest";
import { normalizeSpecialistOutput } from "../../src/domain/specialist-output.ts";
import { CHECK_RULES, EvidenceCollector } from "../shared/collector.ts";
import type { VendorStatus } from "../tools.ts";
import type { RoutingHints, TicketContext } from "../types.ts";
import { hasVendorLabel, mentionedVendors, vendorCorrelationIds } from "./detect.ts";
import vendor, { readStatus } from "./index.ts";

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

describe("mentionedVendors", () => {
  it("finds vendors by label, title and text, but not in URLs", () => {
    const t = ticket(
      "Stripe webhooks failing",
      "Payments retried via Twilio SMS? See https://github.com/acme/api/pull/1 and https://acme.sentry.io/issues/1",
      ["vendor:postmark"],
    );
    expect(mentionedVendors(t, NO_HINTS)).toEqual([
      { vendor: "postmark", where: "label" },
      { vendor: "stripe", where: "title" },
      { vendor: "twilio", where: "ticket" },
    ]);
    expect(hasVendorLabel(t)).toBe(true);
  });

  it("takes a vendor from a recipe addressed to the vendor specialist only", () => {
    const hints: RoutingHints = {
      pages: ["notifications"],
      recipes: [
        {
          pageId: "notifications",
          specialist: "vendor",
          name: "email provider",
          body: "check Postmark status",
        },
        { pageId: "notifications", specialist: "aws", name: "x", body: "stripe" },
      ],
      negativeControls: [],
    };
    expect(mentionedVendors(ticket("Emails delayed"), hints)).toEqual([
      { vendor: "postmark", where: "wiki notifications" },
    ]);
  });
});

describe("vendorCorrelationIds", () => {
  it("reads webhook event ids and labelled correlation ids, not our request ids", () => {
    const t = ticket(
      "Stripe webhook failures",
      "Failed events: evt_1Q2w3E4r5T6y7U8i and evt_1Q2w3E4r5T6y7U9o. Correlation id: 7f3c2a1b-9d8e. Our req_01JD9Q4M8X2V7K3N5P6R8T0W1Y.",
    );
    expect(vendorCorrelationIds(t)).toEqual([
      { vendor: "stripe", value: "evt_1Q2w3E4r5T6y7U8i" },
      { vendor: "stripe", value: "evt_1Q2w3E4r5T6y7U9o" },
      { value: "7f3c2a1b-9d8e" },
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
  it("applies when a vendor is named, required when it is in the title or labelled", () => {
    expect(vendor.appliesTo(ticket("Feed slow"), [], NO_HINTS).applies).toBe(false);
    expect(vendor.appliesTo(ticket("Stripe webhooks failing"), [], NO_HINTS)).toMatchObject({
      applies: true,
      required: true,
    });
    expect(
      vendor.appliesTo(ticket("Checkout errors", "maybe stripe?"), [], NO_HINTS),
    ).toMatchObject({
      applies: true,
      required: false,
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
