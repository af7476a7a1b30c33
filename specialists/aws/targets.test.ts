import { describe, expect, it } from "vitest";
import type { RoutingHints, TicketContext } from "../types.ts";
import { parseAwsMentions, resolveTargets, type ServiceCatalog } from "./targets.ts";

const ALARM = `You are receiving this because your Amazon CloudWatch Alarm "orders-queue-age-high"
in the EU (Frankfurt) region has entered the ALARM state.

Reason: Threshold Crossed: 3 out of the last 3 datapoints [1043.0 (21/11/26 02:10:00), 985.5 (21/11/26 02:09:00)]
were greater than the threshold (600.0) (minimum 3 datapoints for OK -> ALARM transition).

Metric: AWS/SQS ApproximateAgeOfOldestMessage, QueueName = orders, Statistic: Maximum, Period: 60 seconds
Queue: https://sqs.eu-central-1.amazonaws.com/123456789012/orders
Runbook: https://wiki.example.com/aws/runbooks/orders-queue`;

function ticket(text: string, overrides: Partial<TicketContext> = {}): TicketContext {
  return {
    snapshot: {
      ticketKey: "OPS-1",
      title: "ticket",
      labels: [],
      status: "Triage",
      descriptionExcerpt: text,
      linked: { sentryIssueIds: [], awsRefs: [], requestIds: [] },
      createdAt: "2026-11-21T02:14:09.000Z",
      updatedAt: "2026-11-21T02:14:09.000Z",
      fetchedAt: "2026-11-21T02:20:00.000Z",
    },
    comments: [],
    attachments: [],
    ...overrides,
  };
}

const NO_HINTS: RoutingHints = { pages: [], recipes: [], negativeControls: [] };

describe("parseAwsMentions", () => {
  it("reads the queue and the age threshold from a CloudWatch alarm e-mail", () => {
    const parsed = parseAwsMentions(ALARM);
    expect(parsed.queues).toEqual([{ name: "orders", thresholdSeconds: 600 }]);
    // The runbook URL path is not a log group.
    expect(parsed.logGroups).toEqual([]);
  });

  it("ignores a threshold that is not about message age", () => {
    const text =
      "Metric: AWS/SQS ApproximateNumberOfMessagesVisible, QueueName = orders; threshold (5000.0)";
    expect(parsed(text).queues).toEqual([{ name: "orders" }]);
  });

  it("reads ALB and ECS ARNs, dimension pairs and log groups", () => {
    const text = [
      "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/api-prod/0123456789abcdef",
      "arn:aws:ecs:eu-central-1:123456789012:service/prod-api/checkout-api",
      "see /ecs/checkout-api and /aws/events/ecs/prod-api.",
    ].join("\n");
    const out = parseAwsMentions(text);
    expect(out.loadBalancers).toEqual(["app/api-prod/0123456789abcdef"]);
    expect(out.ecsServices).toEqual([{ cluster: "prod-api", service: "checkout-api" }]);
    expect(out.clusters).toEqual(["prod-api"]);
    expect(out.logGroups).toEqual(["/ecs/checkout-api", "/aws/events/ecs/prod-api"]);
  });
});

const parsed = parseAwsMentions;

describe("resolveTargets", () => {
  const catalog: ServiceCatalog = {
    "checkout-api": { loadBalancer: "app/checkout-prod/aaaaaaaaaaaaaaaa", cluster: "prod-api" },
  };

  it("prefers what the ticket names over the catalog, and keeps the conventional log group aside", () => {
    const t = ticket("5xx on POST /v1/pay, LoadBalancer = app/checkout-canary/bbbbbbbbbbbbbbbb", {
      service: "checkout-api",
    });
    const targets = resolveTargets(t, NO_HINTS, catalog);
    expect(targets.loadBalancer).toBe("app/checkout-canary/bbbbbbbbbbbbbbbb");
    expect(targets.ecs).toEqual({ cluster: "prod-api", service: "checkout-api" });
    // Read only when the account's log groups cannot be listed.
    expect(targets.logGroups).toEqual([]);
    expect(targets.conventionalLogGroup).toBe("/ecs/checkout-api");
    expect(targets.httpSymptom).toBe(true);
  });

  it("takes a recipe's resource only when it belongs to the ticket's service", () => {
    const hints: RoutingHints = {
      pages: ["payments"],
      recipes: [
        {
          pageId: "payments",
          specialist: "aws",
          name: "5xx of the payments ALB",
          body: "Read HTTPCode_Target_5XX_Count with LoadBalancer = app/payments-api-prod/cccccccccccccccc",
        },
        {
          pageId: "checkout",
          specialist: "aws",
          name: "an example from another service's page",
          body: "LoadBalancer = app/checkout-prod/eeeeeeeeeeeeeeee, QueueName = checkout-events, /ecs/checkout-api",
        },
        {
          pageId: "payments",
          specialist: "db",
          name: "x",
          body: "LoadBalancer = app/nope/dddddddddddddddd",
        },
      ],
      negativeControls: [],
    };
    const targets = resolveTargets(ticket("payments fail", { service: "payments-api" }), hints, {});
    expect(targets.loadBalancer).toBe("app/payments-api-prod/cccccccccccccccc");
    expect(targets.queues).toEqual([]);
    expect(targets.logGroups).toEqual([]);
    const other = resolveTargets(ticket("payments fail", { service: "billing-api" }), hints, {});
    expect(other.loadBalancer).toBeUndefined();
  });

  it("finds the service by name when the router did not set it, and reads an alarm as no HTTP symptom", () => {
    const t = ticket(`${ALARM}\nconsumer: checkout-api`);
    const targets = resolveTargets(t, NO_HINTS, catalog);
    expect(targets.service).toBe("checkout-api");
    expect(targets.queues).toEqual([{ name: "orders", thresholdSeconds: 600 }]);
    expect(targets.httpSymptom).toBe(false);
  });

  it("reads event log groups the ticket names as capacity events, not application logs", () => {
    const t = ticket("tasks missing, see /aws/events/ecs/prod-api and /ecs/checkout-api", {
      service: "checkout-api",
    });
    const targets = resolveTargets(t, NO_HINTS, catalog);
    expect(targets.eventLogGroups).toEqual(["/aws/events/ecs/prod-api"]);
    expect(targets.logGroups).toEqual(["/ecs/checkout-api"]);
  });

  it("keeps the ticket's threshold over the catalog's for the same queue", () => {
    const withQueue: ServiceCatalog = {
      "orders-worker": { queues: [{ name: "orders", thresholdSeconds: 60 }] },
    };
    const targets = resolveTargets(
      ticket(ALARM, { service: "orders-worker" }),
      NO_HINTS,
      withQueue,
    );
    expect(targets.queues).toEqual([{ name: "orders", thresholdSeconds: 600 }]);
  });
});

describe("alarm e-mails naming caches, databases, functions and the alarm itself", () => {
  it("reads CacheClusterId, DBInstanceIdentifier and FunctionName dimensions", () => {
    const parsed = parseAwsMentions(
      "Metric: AWS/ElastiCache Evictions, CacheClusterId = cart-prod-0002-001, Statistic: Sum\n" +
        "DBInstanceIdentifier: cart-main-db; FunctionName=cart-pricer",
    );
    expect(parsed.caches).toEqual(["cart-prod-0002-001"]);
    expect(parsed.databases).toEqual(["cart-main-db"]);
    expect(parsed.functions).toEqual(["cart-pricer"]);
  });
});
