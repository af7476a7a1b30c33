import { describe, expect, it } from "vitest";
import type { LinearTicket } from "../adapters/linear/client.ts";
import { catalogEntry, type ServiceCatalog } from "../policy/catalog.ts";
import { mismatchScopes, resolveService } from "./scope.ts";

function ticket(overrides: Partial<LinearTicket> = {}): LinearTicket {
  return {
    id: "i1",
    identifier: "OPS-12",
    title: "Errors in production",
    description: "",
    priority: 2,
    url: "https://linear.app/x/issue/OPS-12",
    state: { name: "Triage", type: "triage" },
    team: { key: "OPS", name: "Operations" },
    project: null,
    labels: [],
    comments: [],
    attachments: [],
    createdAt: "2026-11-20T09:00:00.000Z",
    updatedAt: "2026-11-20T09:00:00.000Z",
    ...overrides,
  };
}

const catalog: ServiceCatalog = {
  services: {
    "svc-alpha": catalogEntry("svc-alpha", {
      version: 1,
      team: "team-a",
      sentry_projects: ["alpha-backend"],
      linear: { projects: ["Alpha"], labels: ["area-alpha"], teams: ["OPS"] },
      repository: "org/alpha",
      aws: { queues: [{ name: "alpha-jobs" }], log_groups: ["/ecs/svc-alpha"] },
    }),
    "svc-beta": catalogEntry("svc-beta", {
      version: 1,
      team: "team-b",
      aws: { load_balancer: "app/beta-prod/0123456789abcdef" },
    }),
  },
  teams: ["team-a"],
};

describe("resolveService", () => {
  it("decides from the linked Sentry issue's project through the catalog", () => {
    const r = resolveService({
      ticket: ticket(),
      sentryProjects: [{ issueId: "42", project: "alpha-backend" }],
      awsRefs: [],
      catalog,
    });
    expect(r).toMatchObject({
      service: "svc-alpha",
      team: "team-a",
      decidedBy: "sentry_project",
      declared: true,
      policyScope: { team: "team-a", service: "svc-alpha" },
      gaps: [],
    });
    expect(r.mismatch).toBeUndefined();
  });

  it("discovers a service with no policy file from its Sentry project (default policy)", () => {
    const r = resolveService({
      ticket: ticket({ team: null }),
      sentryProjects: [{ issueId: "7", project: "gamma-api" }],
      awsRefs: [],
      catalog,
    });
    expect(r).toMatchObject({ service: "gamma-api", declared: false });
    expect(r.team).toBeUndefined();
  });

  it("uses the Linear project, labels and catalogued AWS resources when Sentry is absent", () => {
    expect(
      resolveService({
        ticket: ticket({ project: { name: "Alpha", slug: "alpha" } }),
        sentryProjects: [],
        awsRefs: [],
        catalog,
      }),
    ).toMatchObject({ service: "svc-alpha", decidedBy: "linear_project" });
    expect(
      resolveService({
        ticket: ticket({ labels: ["area-alpha"] }),
        sentryProjects: [],
        awsRefs: [],
        catalog,
      }),
    ).toMatchObject({ service: "svc-alpha", decidedBy: "linear_label" });
    expect(
      resolveService({
        ticket: ticket({ team: null }),
        sentryProjects: [],
        awsRefs: ["https://sqs.eu-west-1.amazonaws.com/123456789012/alpha-jobs"],
        catalog,
      }),
    ).toMatchObject({ service: "svc-alpha", decidedBy: "aws_resource" });
    expect(
      resolveService({
        ticket: ticket({
          team: null,
          description: "Regressed by https://github.com/org/alpha/pull/12",
        }),
        sentryProjects: [],
        awsRefs: [],
        catalog,
      }),
    ).toMatchObject({ service: "svc-alpha", decidedBy: "repository" });
  });

  it("never decides from free text alone, and says so in a gap", () => {
    const r = resolveService({
      ticket: ticket({ team: null, title: "svc-beta is slow" }),
      sentryProjects: [],
      awsRefs: [],
      catalog,
    });
    expect(r.service).toBeUndefined();
    expect(r.sources).toEqual([
      expect.objectContaining({ source: "ticket_text", service: "svc-beta" }),
    ]);
    expect(r.gaps[0]?.what).toContain("alone does not decide");
    expect(r.gaps[0]?.confidenceImpact).toBeGreaterThan(0);
  });

  it("records a mismatch with both sources when the ticket names A and Sentry says B", () => {
    const r = resolveService({
      ticket: ticket({ title: "svc-beta returns 502" }),
      sentryProjects: [{ issueId: "42", project: "alpha-backend" }],
      awsRefs: [],
      catalog,
    });
    expect(r.service).toBe("svc-alpha");
    expect(r.mismatch?.services).toEqual(["svc-alpha", "svc-beta"]);
    expect(r.mismatch?.votes.map((v) => v.source)).toEqual(["sentry_project", "ticket_text"]);
    expect(r.gaps.some((g) => g.what.includes("disputed") && g.confidenceImpact > 0)).toBe(true);
    expect(mismatchScopes(r, catalog)).toEqual([
      { service: "svc-alpha", team: "team-a" },
      { service: "svc-beta", team: "team-b" },
    ]);
  });

  it("takes the team from the Linear team when no service file names one", () => {
    const r = resolveService({ ticket: ticket(), sentryProjects: [], awsRefs: [], catalog });
    expect(r).toMatchObject({ team: "team-a" });
    expect(r.service).toBeUndefined();
  });

  it("discovers services from the provider's projects: a label's prefix decides only when nothing else does", () => {
    const discovered = ["checkout-api", "orders-api", "payments-gateway"];
    expect(
      resolveService({
        ticket: ticket({ team: null, labels: ["checkout"], title: "checkout weird" }),
        sentryProjects: [],
        awsRefs: [],
        catalog,
        discovered,
      }),
    ).toMatchObject({ service: "checkout-api", decidedBy: "linear_label", declared: false });
    // The Sentry project decides; the label's prefix is not asked, so it disputes nothing.
    const linked = resolveService({
      ticket: ticket({ team: null, labels: ["orders"] }),
      sentryProjects: [{ issueId: "9", project: "payments-gateway" }],
      awsRefs: [],
      catalog,
      discovered,
    });
    expect(linked).toMatchObject({ service: "payments-gateway" });
    expect(linked.mismatch).toBeUndefined();
    // A discovered service named in full in the text disputes the link.
    const named = resolveService({
      ticket: ticket({ team: null, description: "orders-api returns 500" }),
      sentryProjects: [{ issueId: "9", project: "payments-gateway" }],
      awsRefs: [],
      catalog,
      discovered,
    });
    expect(named.mismatch?.services).toEqual(["payments-gateway", "orders-api"]);
  });

  it("a linked issue that is its caller's view of the labelled service votes for neither, and is recorded", () => {
    const discovered = ["portal-web", "claims-api"];
    const base = {
      ticket: ticket({ team: null, labels: ["service:claims-api"] }),
      sentryProjects: [{ issueId: "7", project: "portal-web" }],
      awsRefs: [],
      catalog,
      discovered,
    };
    const disputed = resolveService(base);
    expect(disputed.mismatch?.services).toEqual(["portal-web", "claims-api"]);
    const view = { issueId: "7", caller: "portal-web", callee: "claims-api", detail: "timeout" };
    const r = resolveService({ ...base, callerViews: [view] });
    expect(r).toMatchObject({ service: "claims-api", decidedBy: "linear_label" });
    expect(r.mismatch).toBeUndefined();
    expect(r.callerViews).toEqual([view]);
    expect(r.sources[0]).toMatchObject({ source: "sentry_project", value: "portal-web" });
    expect(r.sources[0]?.service).toBeUndefined();
    // A view whose callee the ticket is not filed under changes nothing: the conflict stands.
    const stray = resolveService({ ...base, callerViews: [{ ...view, callee: "other-api" }] });
    expect(stray.mismatch?.services).toEqual(["portal-web", "claims-api"]);
    expect(stray.callerViews).toBeUndefined();
  });
});
