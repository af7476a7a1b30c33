import { describe, expect, it } from "vitest";
import { summarizeErrorRows } from "./analysis.ts";
import { healthServicesNamed } from "./endpoints.ts";
import { overlapsUs } from "./reads.ts";

describe("healthServicesNamed", () => {
  it("reads the service of regional endpoints, a bucket's host included", () => {
    expect(
      healthServicesNamed([
        "connect ETIMEDOUT kms.eu-west-2.amazonaws.com:443",
        "PUT https://media-bucket.s3.us-east-1.amazonaws.com/a.png 503",
        "POST https://abc123.execute-api.eu-central-1.amazonaws.com/prod 502",
      ]),
    ).toEqual(["APIGATEWAY", "KMS", "S3"]);
  });

  it("names nothing for text without an AWS endpoint", () => {
    expect(healthServicesNamed(["timeout calling api.example.com", "amazonaws"])).toEqual([]);
  });
});

describe("an AWS Health issue for a service the error lines call", () => {
  it("is on what the service runs on, though no metric of it was read", () => {
    const summary = summarizeErrorRows([
      { "@message": '{"level":"error","err":"connect ETIMEDOUT kms.eu-west-2.amazonaws.com:443"}' },
    ]);
    expect(summary.awsServices).toEqual(["KMS"]);
    const event = { service: "KMS", region: "eu-west-2" } as Parameters<typeof overlapsUs>[0];
    expect(overlapsUs(event, new Set(["ECS", "ELASTICLOADBALANCING"]), [])).toBe(false);
    expect(overlapsUs(event, new Set(["ECS", ...summary.awsServices]), [])).toBe(true);
  });
});
