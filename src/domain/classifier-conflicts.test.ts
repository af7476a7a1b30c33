import { describe, expect, it } from "vitest";
import { returnedOutput } from "../../test/setup/classifier-fixtures.ts";
import {
  CONFLICT_CHECKS,
  findContradictions,
  identityConflicts,
  reportedCauseContradictions,
} from "./classifier-conflicts.ts";
import { indexSignals } from "./classifier-index.ts";
import type { ServiceResolution } from "./service-resolution.ts";

const release = (deployedAt: string) =>
  returnedOutput("release", { kind: "github_deploy", ref: "github_deploy:7" }, [
    {
      kind: "release_correlation",
      release: "v2",
      service: "svc-a",
      deployedAt,
      firstSeenAfterDeployMinutes: 5,
    },
  ]);
const series = (onset: string, service = "svc-a", uncertainty = 2.5) =>
  returnedOutput("aws", { kind: "cloudwatch_metric", ref: "cloudwatch_metric:5xx" }, [
    {
      kind: "series_change",
      measure: "errors_5xx",
      direction: "rise",
      before: 0.5,
      after: 12,
      service,
      onset,
      onsetUncertaintyMinutes: uncertainty,
    },
  ]);
const index = (...outputs: ReturnType<typeof returnedOutput>[]) => indexSignals(outputs);

describe("the ticket's reported cause against the onset", () => {
  const claim = (release?: string) =>
    returnedOutput("support", { kind: "linear_issue", ref: "linear_issue:T-1" }, [
      {
        kind: "reported_cause",
        cause: "release",
        statement: "it broke after the deploy",
        ...(release ? { release } : {}),
      },
    ]);
  const deploy = (ref: string, minutesBeforeOnset: number) =>
    returnedOutput("release", { kind: "github_deploy", ref: `github_deploy:${ref}` }, [
      {
        kind: "change_event",
        change: "deploy",
        ref,
        at: "2026-11-20T17:00:00Z",
        minutesBeforeOnset,
      },
    ]);

  it("names the release the ticket blames when it reached production after the symptom", () => {
    const found = reportedCauseContradictions(index(claim("5.2.0"), deploy("svc@5.2.0", -180)));
    expect(found.map((c) => c.subject)).toEqual([
      "onset order: the ticket blames release 5.2.0, but svc@5.2.0 was deployed at 2026-11-20T17:00:00Z, 180 min after the symptom began",
    ]);
  });

  it("says nothing when the blamed release came first, is another version, or a release correlates", () => {
    expect(reportedCauseContradictions(index(claim("5.2.0"), deploy("5.2.0", 20)))).toEqual([]);
    expect(reportedCauseContradictions(index(claim("5.2.0"), deploy("5.1.9", -180)))).toEqual([]);
    expect(reportedCauseContradictions(index(claim(), deploy("5.1.9", -180)))).toHaveLength(1);
    expect(
      reportedCauseContradictions(
        index(claim(), deploy("5.1.9", -180), release("2026-11-20T14:02:00Z")),
      ),
    ).toEqual([]);
  });
});

describe("onset order", () => {
  it("names a release blamed for a symptom another source dates before it", () => {
    const found = findContradictions(
      index(release("2026-11-20T14:02:00Z"), series("2026-11-20T12:40:00Z")),
    );
    expect(found.map((c) => c.subject)).toEqual([
      "onset order: errors_5xx of svc-a rose at 2026-11-20T12:40:00Z, before release v2 was deployed (2026-11-20T14:02:00Z)",
    ]);
  });

  it("accepts a rise after the deploy, or within the rollout slack and the onset's uncertainty", () => {
    expect(
      findContradictions(index(release("2026-11-20T14:02:00Z"), series("2026-11-20T14:05:00Z"))),
    ).toEqual([]);
    expect(
      findContradictions(index(release("2026-11-20T14:02:00Z"), series("2026-11-20T13:50:00Z"))),
    ).toEqual([]);
  });

  it("compares with the rollout's start when the release records it", () => {
    const started = returnedOutput("release", { kind: "github_deploy", ref: "github_deploy:8" }, [
      {
        kind: "release_correlation",
        release: "v3",
        service: "svc-a",
        deployedAt: "2026-11-20T14:05:00Z",
        deployStartedAt: "2026-11-20T14:00:00Z",
        firstSeenAfterDeployMinutes: 2,
      },
    ]);
    // 13:51 is within the 15 min slack of the recorded 14:05, but before the 14:00 start.
    expect(findContradictions(index(started, series("2026-11-20T13:51:00Z")))[0]?.subject).toBe(
      "onset order: errors_5xx of svc-a rose at 2026-11-20T13:51:00Z, before release v3 was deployed (2026-11-20T14:00:00Z)",
    );
    expect(findContradictions(index(started, series("2026-11-20T14:01:00Z")))).toEqual([]);
  });

  it("does not compare a release with another service's series", () => {
    expect(
      findContradictions(
        index(release("2026-11-20T14:02:00Z"), series("2026-11-20T10:00:00Z", "svc-b")),
      ),
    ).toEqual([]);
  });
});

describe("competing causes", () => {
  const vendor = (startedAt: string, correlated: number) =>
    returnedOutput("vendor", { kind: "vendor_status", ref: "vendor_status:v1" }, [
      { kind: "vendor_incident", vendor: "v1", status: "investigating", startedAt },
      { kind: "vendor_error_correlation", vendor: "v1", correlatedRequests: correlated },
    ]);

  it("names a release and an implicated vendor incident that both explain the symptom", () => {
    const found = findContradictions(
      index(release("2026-11-20T14:02:00Z"), vendor("2026-11-20T13:58:00Z", 4)),
    );
    expect(found.map((c) => c.subject)).toEqual([
      "cause: release v2 and v1's incident (since 2026-11-20T13:58:00Z) both explain the symptom, and the failing requests carry v1 IDs",
    ]);
  });

  it("needs the failing requests to implicate the vendor, and the incident under way at the onset", () => {
    expect(
      findContradictions(index(release("2026-11-20T14:02:00Z"), vendor("2026-11-20T13:58:00Z", 0))),
    ).toEqual([]);
    expect(
      findContradictions(index(release("2026-11-20T14:02:00Z"), vendor("2026-11-20T16:00:00Z", 4))),
    ).toEqual([]);
  });
});

describe("scope", () => {
  const scope = (routes: "one" | "all", services = ["svc-a"]) =>
    returnedOutput("aws", { kind: "cloudwatch_metric", ref: `cloudwatch_metric:${routes}` }, [
      { kind: "impact_scope", services, zones: [], routes },
    ]);
  it("names one route against all routes of the same service", () => {
    const found = findContradictions(index(scope("one"), scope("all")));
    expect(found.map((c) => c.subject)).toEqual(["scope: one route vs all routes of svc-a"]);
  });

  it("names an exception confined to one path while the symptom is on all routes", () => {
    const exception = returnedOutput("sentry", { kind: "sentry_issue", ref: "sentry_issue:1" }, [
      {
        kind: "new_exception",
        issueId: "1",
        path: "POST /v1/x",
        firstSeen: "2026-11-20T14:06:00Z",
        culprit: "f(x.ts)",
      },
    ]);
    const found = findContradictions(index(exception, scope("all")));
    expect(found[0]?.subject).toBe(
      "scope: the exception is confined to POST /v1/x, the symptom is on all routes of svc-a",
    );
  });

  it("does not compare scopes of different services", () => {
    expect(findContradictions(index(scope("one"), scope("all", ["svc-b"])))).toEqual([]);
  });
});

describe("service identity", () => {
  const resolution = (votes: ServiceResolution["sources"]): ServiceResolution => ({
    service: "svc-a",
    decidedBy: "sentry_project",
    declared: true,
    sources: votes,
    policyScope: { service: "svc-a" },
    gaps: [],
  });
  const vote = (source: "sentry_project" | "linear_label", service: string) => ({
    source,
    value: service,
    service,
    detail: `${source} says ${service}`,
  });

  it("is a material conflict naming both sources when they name different services", () => {
    const found = identityConflicts(
      resolution([vote("sentry_project", "svc-a"), vote("linear_label", "svc-b")]),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      subject: "service identity: sentry project names svc-a, linear label names svc-b",
      material: true,
    });
    expect(found[0]!.between.map((r) => r.sourceRef)).toEqual([
      "sentry_project:svc-a",
      "linear_label:svc-b",
    ]);
  });

  it("finds nothing when the sources agree, or when there is no resolution", () => {
    expect(
      identityConflicts(
        resolution([vote("sentry_project", "svc-a"), vote("linear_label", "svc-a")]),
      ),
    ).toEqual([]);
    expect(identityConflicts(undefined)).toEqual([]);
  });

  it("finds nothing when only the ticket's text names services (several named, none linked)", () => {
    const text = (service: string) => ({
      source: "ticket_text" as const,
      value: service,
      service,
      detail: `text names ${service}`,
    });
    const {
      service: _s,
      decidedBy: _d,
      ...unresolved
    } = resolution([text("svc-a"), text("svc-b"), text("svc-c")]);
    expect(identityConflicts({ ...unresolved, policyScope: {} })).toEqual([]);
    // A structured source disputed by the text is still a conflict, recorded but not
    // material: a name typed in a ticket must not veto the run (the probe's F5).
    expect(
      identityConflicts(resolution([vote("sentry_project", "svc-a"), text("svc-b")])),
    ).toMatchObject([{ material: false }]);
    expect(
      identityConflicts(
        resolution([vote("sentry_project", "svc-a"), vote("linear_label", "svc-b")]),
      ),
    ).toMatchObject([{ material: true }]);
  });
});

describe("CONFLICT_CHECKS", () => {
  it("names a check for every subject the contradictions produce", () => {
    const prefixes = CONFLICT_CHECKS.map((c) => c.subjectPrefix);
    for (const subject of ["onset order: x", "scope: x", "service identity: x", "deploys of x"]) {
      expect(prefixes.some((p) => subject.startsWith(p))).toBe(true);
    }
  });
});

describe("release attribution: the error tracker's release tag against a failed deploy", () => {
  const tagged = (seenAt: string, release = "svc@5.8.0") =>
    returnedOutput("release", { kind: "sentry_release", ref: `sentry_release:${release}` }, [
      { kind: "release_attribution", release, service: "svc-a", seenAt },
    ]);
  const failedDeploy = (supersededAt?: string, state: "failure" | "error" = "failure") =>
    returnedOutput("release", { kind: "github_deploy", ref: "github_deploy:70" }, [
      {
        kind: "change_event",
        change: "deploy",
        ref: "svc@5.8.0",
        service: "svc-a",
        at: "2026-11-20T09:11:40Z",
        minutesBeforeOnset: 4,
        state,
        ...(supersededAt ? { supersededAt } : {}),
      },
    ]);

  it("is a material conflict when events tagged with the failed release come after its replacement finished", () => {
    const found = findContradictions(
      index(tagged("2026-11-20T10:08:00Z"), failedDeploy("2026-11-20T09:24:30Z")),
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.subject).toMatch(/^release attribution: .*svc@5\.8\.0/);
    expect(found[0]!.material).toBe(true);
    expect(CONFLICT_CHECKS.map((c) => c.id)).toContain("release_attribution");
  });

  it("is none while the replaced tasks drain, without a replacement, or for another release", () => {
    expect(
      findContradictions(
        index(tagged("2026-11-20T09:30:00Z"), failedDeploy("2026-11-20T09:24:30Z")),
      ),
    ).toEqual([]);
    expect(findContradictions(index(tagged("2026-11-20T10:08:00Z"), failedDeploy()))).toEqual([]);
    expect(
      findContradictions(
        index(tagged("2026-11-20T10:08:00Z", "svc@5.7.3"), failedDeploy("2026-11-20T09:24:30Z")),
      ),
    ).toEqual([]);
  });
});
