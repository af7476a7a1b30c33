import { describe, expect, it } from "vitest";
import type { Assessed } from "./emit.ts";
import { kindSpec } from "./measures.ts";
import type { Resource } from "./resources.ts";
import { adoptMoved, affinity, groupOf, scanCandidates, serviceOfGroup, wordsOf } from "./scan.ts";

const res = (kind: Resource["kind"], dims: Record<string, string>): Resource => ({
  kind,
  id: Object.values(dims).join("/"),
  dims,
  origin: "discovered",
});
const lb = (name: string, targetGroups?: string[]) => ({
  ...res("alb", { LoadBalancer: `app/${name}/0a1b2c3d` }),
  ...(targetGroups ? { targetGroups: targetGroups.map((tg) => `targetgroup/${tg}/9f8e7d6c`) } : {}),
});
const ecs = (cluster: string, service: string) =>
  res("ecs", { ClusterName: cluster, ServiceName: service });
const queue = (name: string) => res("queue", { QueueName: name });
const fn = (name: string) => res("function", { FunctionName: name });

/** One assessed series of a scanned resource. */
function moved(
  r: Resource,
  measure: string,
  direction: "rise" | "drop" | "flat",
  onset?: string,
): Assessed {
  const kind = kindSpec(r.kind);
  return {
    read: {
      kind,
      spec: { metricName: "M", stat: "Sum", measure, minChange: 1 } as never,
      resource: r,
      dims: r.dims,
      ref: { kind: "cloudwatch_metric", ref: `cloudwatch_metric:${r.id}` } as never,
      series: { timestamps: [], values: [] } as never,
    },
    change: {
      direction,
      before: 0,
      after: 1,
      ...(onset ? { onset, uncertaintyMinutes: 0.5 } : {}),
      windowStart: "2026-01-01T09:00:00Z",
      windowEnd: "2026-01-01T11:00:00Z",
      level: 1,
      total: 1,
      peak: 1,
      samples: [],
    },
  };
}

describe("account scan", () => {
  it("groups resources by the first word of their name that says what they are", () => {
    expect(groupOf(queue("widget-jobs"))).toBe("widget");
    expect(groupOf(ecs("prod-core", "widget-worker"))).toBe("widget");
    expect(groupOf(lb("prod-widgets-7"))).toBe("widget");
    expect(groupOf(res("cache", { CacheClusterId: "tokens-prod-0001-002" }))).toBe("token");
  });

  it("names a group's service after its ECS service or function, else its load balancer less the environment", () => {
    expect(serviceOfGroup([lb("gizmo-api-prod"), ecs("c1", "gizmo-api")])).toBe("gizmo-api");
    expect(serviceOfGroup([lb("gizmo-api-prod")])).toBe("gizmo-api");
    expect(serviceOfGroup([fn("shrinker")])).toBe("shrinker");
  });

  it("ranks the account's resources by the ticket's words, at most three per kind", () => {
    const words = wordsOf("Scanned receipts stuck; receipt OCR never finishes");
    expect(affinity(queue("receipt-ocr-jobs"), words)).toBe(2);
    expect(affinity(queue("billing-events"), words)).toBe(0);
    const queues = ["a-jobs", "b-jobs", "c-jobs", "receipt-ocr-jobs"].map(queue);
    const picked = scanCandidates(queues, "receipts stuck in OCR");
    expect(picked.map((r) => r.id)).toEqual(["receipt-ocr-jobs", "a-jobs", "b-jobs"]);
    expect(picked.every((r) => r.origin === "scanned")).toBe(true);
  });

  it("adopts the group whose series moved, never a quiet one", () => {
    const scanned = scanCandidates(
      [queue("alpha-jobs"), ecs("c", "alpha-worker"), lb("beta-web-prod")],
      "things are slow",
    );
    const [aq, ae, bl] = [...scanned].sort((a, b) => a.id.localeCompare(b.id));
    expect(adoptMoved(scanned, [moved(bl!, "errors_5xx", "flat")])).toBeUndefined();
    const adoption = adoptMoved(scanned, [
      moved(aq!, "queue_age", "rise", "2026-01-01T10:00:00Z"),
      moved(bl!, "errors_5xx", "flat"),
      moved(ae!, "requests", "rise", "2026-01-01T09:00:00Z"),
    ]);
    expect(adoption && "service" in adoption).toBe(true);
    if (!adoption || !("service" in adoption)) return;
    expect(adoption.service).toBe("alpha-worker");
    expect(adoption.resources.map((r) => r.id).sort()).toEqual(["alpha-jobs", "c/alpha-worker"]);
  });

  it("load alone does not make a resource the symptom's", () => {
    const scanned = scanCandidates([lb("gamma-web-prod")], "x");
    expect(
      adoptMoved(scanned, [moved(scanned[0]!, "requests", "rise", "2026-01-01T10:00:00Z")]),
    ).toBeUndefined();
  });

  it("adopts no group when two unrelated groups moved, whatever the ticket's words say", () => {
    const scanned = scanCandidates([queue("delta-jobs"), queue("omega-jobs")], "omega is stuck");
    const [d, o] = [...scanned].sort((a, b) => a.id.localeCompare(b.id));
    const both = [
      moved(d!, "queue_age", "rise", "2026-01-01T10:00:00Z"),
      moved(o!, "queue_age", "rise", "2026-01-01T09:00:00Z"),
    ];
    // The ticket names one of them: its words still do not pick the service.
    expect(adoptMoved(scanned, both)).toEqual({ ambiguous: ["omega", "delta"] });
  });

  it("puts a load balancer in the group of the target groups it forwards to, when they are one group's", () => {
    expect(groupOf(lb("acme-edge-prod", ["widget-api-tg"]))).toBe("widget");
    expect(groupOf(lb("acme-edge-prod", ["widget-api-tg", "widget-admin-tg"]))).toBe("widget");
    // Shared by two services' target groups: its own name's group, no service's.
    expect(groupOf(lb("acme-edge-prod", ["widget-api-tg", "gizmo-api-tg"]))).toBe("acme");
    expect(groupOf(lb("acme-edge-prod"))).toBe("acme");
  });

  it("names a service after a load balancer's one target group when no ECS service is in the group", () => {
    expect(serviceOfGroup([lb("acme-edge-prod", ["widget-api-tg"])])).toBe("widget-api");
    expect(serviceOfGroup([lb("acme-edge-prod", ["widget-api-tg"]), ecs("c", "widget-api")])).toBe(
      "widget-api",
    );
  });

  it("ranks a load balancer by its target groups' words too", () => {
    const words = wordsOf("Widget API slow for partners");
    expect(affinity(lb("acme-edge-prod"), words)).toBe(0);
    expect(affinity(lb("acme-edge-prod", ["widget-api-tg"]), words)).toBe(1);
  });

  it("adopts a shared-edge load balancer with the service its target group routes to, as one group", () => {
    const scanned = scanCandidates(
      [lb("acme-edge-prod", ["widget-api-tg"]), ecs("c", "widget-api"), lb("rates-internal")],
      "quote api slow",
    );
    const edge = scanned.find((r) => r.id.includes("acme-edge"))!;
    const svc = scanned.find((r) => r.kind === "ecs")!;
    const moves = [
      moved(edge, "latency_p99", "rise", "2026-01-01T10:05:00Z"),
      moved(svc, "cpu", "rise", "2026-01-01T10:05:00Z"),
    ];
    expect(adoptMoved(scanned, moves)).toMatchObject({
      service: "widget-api",
      group: "widget",
    });
    // Without the relation the load balancer's name is another group: nothing is adopted.
    const unrelated = scanned.map((r) => {
      const { targetGroups: _, ...rest } = r;
      return rest;
    });
    const [e, c] = [
      unrelated.find((r) => r.id.includes("acme-edge"))!,
      unrelated.find((r) => r.kind === "ecs")!,
    ];
    expect(
      adoptMoved(unrelated, [
        moved(e, "latency_p99", "rise", "2026-01-01T10:05:00Z"),
        moved(c, "cpu", "rise", "2026-01-01T10:05:00Z"),
      ]),
    ).toEqual({ ambiguous: ["acme", "widget"] });
  });

  it("keeps a load balancer shared by two services' target groups out of either: still ambiguous", () => {
    const scanned = scanCandidates(
      [lb("acme-edge-prod", ["widget-api-tg", "gizmo-api-tg"]), ecs("c", "widget-api")],
      "x",
    );
    const edge = scanned.find((r) => r.kind === "alb")!;
    const svc = scanned.find((r) => r.kind === "ecs")!;
    expect(
      adoptMoved(scanned, [
        moved(edge, "latency_p99", "rise", "2026-01-01T10:05:00Z"),
        moved(svc, "cpu", "rise", "2026-01-01T10:06:00Z"),
      ]),
    ).toEqual({ ambiguous: ["acme", "widget"] });
  });
});
