import { describe, expect, it } from "vitest";
import { CHECK_RULES, EvidenceCollector } from "../shared/collector.ts";
import type { CloudWatchReader } from "../tools.ts";
import type { CheckContext } from "./checks.ts";
import { actorOf, changesOf, namesOf, readCloudTrail } from "./cloudtrail.ts";
import type { Resource } from "./resources.ts";

const trail = (at: string, record: Record<string, unknown>) => ({
  "@timestamp": at.replace("T", " ").replace("Z", ""),
  "@message": JSON.stringify(record),
});
const role = (session: string) => ({
  type: "AssumedRole",
  arn: `arn:aws:sts::111122223333:assumed-role/ops-admin/${session}`,
});
const rows = [
  trail("2030-03-02T08:50:00Z", {
    eventSource: "secretsmanager.amazonaws.com",
    eventName: "PutSecretValue",
    userIdentity: role("alice"),
    requestParameters: { secretId: "prod/orders-api/db" },
  }),
  trail("2030-03-02T08:52:00Z", {
    eventSource: "ecs.amazonaws.com",
    eventName: "UpdateService",
    userIdentity: role("alice"),
    requestParameters: { cluster: "shared", service: "orders-api", forceNewDeployment: true },
  }),
  // Another service in the same cluster, a read, a failed call: none is ours or a change.
  trail("2030-03-02T08:53:00Z", {
    eventSource: "ecs.amazonaws.com",
    eventName: "UpdateService",
    userIdentity: role("bob"),
    requestParameters: { cluster: "shared", service: "orders-apiary", desiredCount: 3 },
  }),
  trail("2030-03-02T08:54:00Z", {
    eventSource: "ecs.amazonaws.com",
    eventName: "DescribeServices",
    userIdentity: role("bob"),
    requestParameters: { cluster: "shared", services: ["orders-api"] },
  }),
  trail("2030-03-02T08:55:00Z", {
    eventSource: "rds.amazonaws.com",
    eventName: "ModifyDBInstance",
    errorCode: "AccessDenied",
    userIdentity: role("bob"),
    requestParameters: { dBInstanceIdentifier: "orders-db" },
  }),
  trail("2030-03-02T08:56:00Z", {
    eventSource: "application-autoscaling.amazonaws.com",
    eventName: "RegisterScalableTarget",
    userIdentity: { type: "AWSService", invokedBy: "ecs.amazonaws.com" },
    requestParameters: { resourceId: "service/shared/orders-api" },
  }),
];

describe("management events from CloudTrail", () => {
  it("keeps the changes whose request names the service, as config or scaling, oldest first", () => {
    const changes = changesOf(rows, ["orders-api", "orders-db"]);
    expect(changes.map((c) => [c.event, c.change, c.target])).toEqual([
      ["secretsmanager.PutSecretValue", "config", "prod/orders-api/db"],
      ["ecs.UpdateService", "config", "orders-api"],
      ["application-autoscaling.RegisterScalableTarget", "scaling", "service/shared/orders-api"],
    ]);
    expect(changes[0]!.at).toBe("2030-03-02T08:50:00.000Z");
  });

  it("names who made a change by role or service, never the person or the account", () => {
    expect(actorOf(role("alice"))).toBe("AssumedRole ops-admin");
    expect(actorOf({ type: "AWSService", invokedBy: "ecs.amazonaws.com" })).toBe(
      "AWSService via ecs.amazonaws.com",
    );
    expect(actorOf({ type: "IAMUser", arn: "arn:aws:iam::111122223333:user/alice" })).toBe(
      "IAMUser",
    );
  });

  it("matches the service and its resources, not a cluster other services share", () => {
    const resources: Resource[] = [
      {
        kind: "ecs",
        id: "shared/orders-api",
        dims: { ClusterName: "shared", ServiceName: "orders-api" },
        origin: "discovered",
      },
      {
        kind: "rds",
        id: "orders-db",
        dims: { DBInstanceIdentifier: "orders-db" },
        origin: "discovered",
      },
    ];
    expect(namesOf("orders-api", resources)).toEqual(["orders-api", "orders-db"]);
  });
});

function context(groups: string[], logRows: Record<string, string>[]) {
  const ev = new EvidenceCollector({
    specialistId: "aws",
    question: "q",
    at: new Date("2030-03-02T09:30:00Z"),
    deadlineMs: 10_000,
    rules: CHECK_RULES,
  });
  const queries: { groups: string[]; start: Date }[] = [];
  const cloudwatch = {
    listLogGroups: async (pattern: string) => groups.filter((g) => g.includes(pattern)),
    queryLogs: async (q: { logGroupNames: string[]; start: Date }) => {
      queries.push({ groups: q.logGroupNames, start: q.start });
      return logRows;
    },
  } as unknown as CloudWatchReader;
  const ctx: CheckContext = {
    cloudwatch,
    ev,
    now: new Date("2030-03-02T09:30:00Z"),
    clock: () => new Date("2030-03-02T09:30:00Z"),
    read: async () => ({ timestamps: [], values: [] }) as never,
  };
  const run = (checks: { run: () => Promise<void> }[]) => Promise.all(checks.map((c) => c.run()));
  return { ev, ctx, queries, run };
}

describe("reading the trail's log group", () => {
  it("emits each change as a change_event dated against the onset, with a finding citing the group", async () => {
    const { ev, ctx, queries, run } = context(
      ["aws-cloudtrail-logs-111122223333-ab12", "/ecs/orders-api"],
      rows,
    );
    await readCloudTrail({
      ctx,
      names: ["orders-api"],
      onset: "2030-03-02T09:00:00Z",
      service: "orders-api",
      run,
    });
    expect(queries.map((q) => q.groups)).toEqual([["aws-cloudtrail-logs-111122223333-ab12"]]);
    expect(queries[0]!.start.toISOString()).toBe("2030-03-02T06:00:00.000Z");
    const out = ev.finish(new AbortController().signal);
    const changes = out.signals.filter((s) => s.kind === "change_event");
    expect(changes.map((s) => [s.change, s.minutesBeforeOnset])).toEqual([
      ["config", 10],
      ["config", 8],
      ["scaling", 4],
    ]);
    const facts = out.findings.map((f) => f.fact).join("\n");
    expect(facts).toContain(
      "secretsmanager.PutSecretValue on prod/orders-api/db by AssumedRole ops-admin at 08:50, 10 min before the onset",
    );
    expect(facts).toContain("aws-cloudtrail-logs-111122223333-ab12");
    expect(facts).not.toContain("alice");
  });

  it("reads nothing when the account delivers no trail to CloudWatch Logs", async () => {
    const { ev, ctx, queries, run } = context(["/ecs/orders-api"], rows);
    await readCloudTrail({ ctx, names: ["orders-api"], onset: undefined, service: undefined, run });
    expect(queries).toEqual([]);
    expect(ev.finish(new AbortController().signal).signals).toEqual([]);
  });
});
