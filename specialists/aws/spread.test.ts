import { describe, expect, it } from "vitest";
import type { MetricAlarm } from "../tools.ts";
import { resourceName, serviceOfResource, serviceStem, servicesHit, spreadOf } from "./spread.ts";

const alarm = (
  name: string,
  at: string,
  namespace: string,
  metricName: string,
  dimensions: Record<string, string>,
  state: MetricAlarm["state"] = "ALARM",
): MetricAlarm => ({
  name,
  state,
  stateReason: "threshold crossed",
  stateUpdatedAt: at,
  namespace,
  metricName,
  dimensions,
});
const alb5xx = (name: string, lb: string, at: string) =>
  alarm(name, at, "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", { LoadBalancer: lb });

describe("spread across services", () => {
  it("names a service from a resource: the catalog's, else the name without suffixes", () => {
    expect(resourceName("app/alpha-web-prod/0123abcd")).toBe("alpha-web-prod");
    expect(serviceStem("alpha-web-prod")).toBe("alpha-web");
    expect(serviceStem("beta-worker-fn-2")).toBe("beta-worker");
    expect(serviceStem("prod")).toBe("prod");
    expect(serviceOfResource("app/zz-lb-1/ff", { LoadBalancer: "app/zz-lb-1/ff" }, {})).toBe("zz");
    const catalog = { gamma: { loadBalancer: "app/edge-7/aa" } };
    expect(serviceOfResource("app/edge-7/aa", { LoadBalancer: "app/edge-7/aa" }, catalog)).toBe(
      "gamma",
    );
  });

  it("lists the services whose symptom alarms fired at one onset", () => {
    const alarms = [
      alb5xx("a-5xx", "app/alpha-web-prod/1", "2026-01-01T10:00:00Z"),
      alb5xx("b-5xx", "app/beta-api-prod/2", "2026-01-01T10:02:00Z"),
      alarm("c-errors", "2026-01-01T10:03:00Z", "AWS/Lambda", "Errors", {
        FunctionName: "gamma-jobs",
      }),
      // Hours earlier, and not a symptom measure, and no longer in ALARM: left out.
      alb5xx("d-5xx", "app/delta-prod/4", "2026-01-01T06:00:00Z"),
      alarm("e-cpu", "2026-01-01T10:01:00Z", "AWS/RDS", "CPUUtilization", {
        DBInstanceIdentifier: "epsilon-db",
      }),
      alb5xx("f-5xx", "app/phi-prod/5", "2026-01-01T10:01:00Z"),
    ];
    alarms[5]!.state = "OK";
    const spread = spreadOf(alarms, {}, new Set(["b-5xx"]));
    expect(spread).toMatchObject({
      services: ["alpha-web", "beta-api", "gamma-jobs"],
      onset: "2026-01-01T10:00:00Z",
      holdsOurs: true,
    });
    expect(spreadOf([], {})).toBeUndefined();
  });

  it("prefers the cluster holding our alarm over a larger unrelated one", () => {
    const alarms = [
      alb5xx("x1", "app/x1-prod/1", "2026-01-01T08:00:00Z"),
      alb5xx("x2", "app/x2-prod/1", "2026-01-01T08:01:00Z"),
      alb5xx("x3", "app/x3-prod/1", "2026-01-01T08:02:00Z"),
      alb5xx("ours", "app/ours-prod/1", "2026-01-01T11:00:00Z"),
    ];
    expect(spreadOf(alarms, {}, new Set(["ours"]))?.services).toEqual(["ours"]);
  });

  it("adds a spread to our service only when it shares our onset", () => {
    const spread = {
      services: ["p", "q"],
      alarms: ["p", "q"],
      onset: "2026-01-01T10:00:00Z",
      holdsOurs: false,
    };
    expect(servicesHit(undefined, spread)).toEqual(["p", "q"]);
    expect(servicesHit("r", spread)).toEqual(["r"]);
    expect(servicesHit("r", spread, { at: "2026-01-01T10:04:00Z", uncertaintyMinutes: 1 })).toEqual(
      ["r", "p", "q"],
    );
    expect(servicesHit("r", spread, { at: "2026-01-01T10:30:00Z", uncertaintyMinutes: 1 })).toEqual(
      ["r"],
    );
    expect(servicesHit("r", { ...spread, holdsOurs: true })).toEqual(["r", "p", "q"]);
    expect(servicesHit("r", undefined)).toEqual(["r"]);
  });
});
