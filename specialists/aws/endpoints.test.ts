import { describe, expect, it } from "vitest";
import { summarizeErrorRows } from "./analysis.ts";
import { healthEndpointsNamed } from "./endpoints.ts";
import { overlapsUs } from "./reads.ts";

const codes = (texts: string[]) => healthEndpointsNamed(texts).map((e) => e.code);

describe("healthEndpointsNamed", () => {
  it("reads the service and region of regional endpoints, a bucket's host included", () => {
    expect(
      healthEndpointsNamed([
        "connect ETIMEDOUT kms.eu-west-2.amazonaws.com:443",
        "PUT https://media-bucket.s3.us-east-1.amazonaws.com/a.png 503",
        "POST https://abc123.execute-api.eu-central-1.amazonaws.com/prod 502",
      ]),
    ).toEqual([
      { code: "APIGATEWAY", region: "eu-central-1" },
      { code: "KMS", region: "eu-west-2" },
      { code: "S3", region: "us-east-1" },
    ]);
  });

  it("names nothing for text without an AWS endpoint", () => {
    expect(healthEndpointsNamed(["timeout calling api.example.com", "amazonaws"])).toEqual([]);
  });

  it("reads the service behind an endpoint variant, and no code from a label naming none", () => {
    expect(codes(["GET https://b1.s3.dualstack.us-east-1.amazonaws.com/k 503"])).toEqual(["S3"]);
    expect(codes(["GET http://site.s3-website.us-east-1.amazonaws.com/ 503"])).toEqual(["S3"]);
    expect(codes(["GET https://internal.us-east-1.amazonaws.com/ 503"])).toEqual([]);
    expect(codes(["GET https://b1.s3.acme.us-east-1.amazonaws.com/ 503"])).toEqual([]);
  });
});

describe("an AWS Health issue for a service the error lines call", () => {
  const summary = summarizeErrorRows([
    { "@message": '{"level":"error","err":"connect ETIMEDOUT kms.eu-west-2.amazonaws.com:443"}' },
  ]);
  const event = (region: string) =>
    ({ service: "KMS", region }) as Parameters<typeof overlapsUs>[0];

  it("is on what the service runs on in the endpoint's region, though no metric of it was read", () => {
    expect(summary.awsEndpoints).toEqual([{ code: "KMS", region: "eu-west-2" }]);
    const services = new Set(["ECS", "ELASTICLOADBALANCING"]);
    expect(overlapsUs(event("eu-west-2"), services, [])).toBe(false);
    expect(overlapsUs(event("eu-west-2"), services, [], summary.awsEndpoints)).toBe(true);
  });

  it("is not ours in another region", () => {
    expect(overlapsUs(event("us-east-1"), new Set(["ECS"]), [], summary.awsEndpoints)).toBe(false);
  });
});
