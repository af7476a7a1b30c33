import { describe, expect, it } from "vitest";
import { expectedCallViolations } from "./scenario-expect.ts";
import type { RecordedCall } from "./types.ts";

const call = (service: RecordedCall["service"], method: string): RecordedCall => ({
  service,
  method,
  body: null,
  response: null,
  status: 200,
  at: "2026-11-20T14:35:00.000Z",
});

describe("expectedCallViolations", () => {
  const expected = {
    calls: { "linear:commentCreate": 1 },
    forbiddenCalls: ["sentry:PUT *", "aws:*.Put*", "github:PUT /repos/*/pulls/*/merge"],
  };

  it("passes when counts match and nothing forbidden was called", () => {
    const calls = [
      call("linear", "commentCreate"),
      call("linear", "commentUpdate"),
      call("aws", "cloudwatch.GetMetricData"),
    ];
    expect(expectedCallViolations(expected, calls)).toEqual([]);
  });

  it("names a wrong count and every forbidden call", () => {
    const calls = [
      call("linear", "commentCreate"),
      call("linear", "commentCreate"),
      call("sentry", "PUT /api/0/organizations/{org}/issues/{issue_id}/"),
      call("aws", "cloudwatch.PutMetricAlarm"),
      call("github", "PUT /repos/acme-sim/onboarding-api/pulls/7/merge"),
    ];
    expect(expectedCallViolations(expected, calls)).toEqual([
      "linear:commentCreate: expected 1 call(s), saw 2",
      "forbidden sentry:PUT *: called sentry:PUT /api/0/organizations/{org}/issues/{issue_id}/",
      "forbidden aws:*.Put*: called aws:cloudwatch.PutMetricAlarm",
      "forbidden github:PUT /repos/*/pulls/*/merge: called github:PUT /repos/acme-sim/onboarding-api/pulls/7/merge",
    ]);
  });
});
