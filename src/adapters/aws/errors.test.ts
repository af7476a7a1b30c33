import { describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import { truncateField } from "./cloudwatch.ts";
import { awsErrorToAppError } from "./errors.ts";

/** SDK v3 errors as the clients throw them: a service code in `name`, HTTP metadata. */
function sdkError(name: string, status?: number, fault?: "client" | "server") {
  return Object.assign(new Error(`${name} message`), {
    name,
    $fault: fault ?? (status !== undefined && status >= 500 ? "server" : "client"),
    $metadata: status === undefined ? {} : { httpStatusCode: status },
  });
}

describe("awsErrorToAppError", () => {
  it.each([
    ["ThrottlingException", 400, ErrorCode.UpstreamRateLimited, true],
    ["Throttling", 400, ErrorCode.UpstreamRateLimited, true],
    ["LimitExceededException", 400, ErrorCode.UpstreamRateLimited, true],
    ["InternalFailure", 500, ErrorCode.UpstreamUnavailable, true],
    ["ServiceUnavailable", 503, ErrorCode.UpstreamUnavailable, true],
    ["TimeoutError", undefined, ErrorCode.Timeout, true],
    ["InvalidClientTokenId", 403, ErrorCode.Unauthorized, false],
    ["UnrecognizedClientException", 400, ErrorCode.Unauthorized, false],
    ["AccessDeniedException", 400, ErrorCode.Unauthorized, false],
    ["SignatureDoesNotMatch", 403, ErrorCode.Unauthorized, false],
    ["MalformedQueryException", 400, ErrorCode.UpstreamRejected, false],
    ["ResourceNotFoundException", 400, ErrorCode.NotFound, false],
    ["ResourceNotFound", 404, ErrorCode.NotFound, false],
    ["UnknownError", 404, ErrorCode.NotFound, false],
  ] as const)("%s (HTTP %s) becomes %s, retryable %s", (name, status, code, retryable) => {
    const error = awsErrorToAppError(sdkError(name, status), "CloudWatch GetMetricData");
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code, retryable });
    expect(error.message).toContain(`CloudWatch GetMetricData: ${name}`);
  });

  it("treats a refused connection as a retryable outage and keeps AppErrors as they are", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(awsErrorToAppError(refused, "STS")).toMatchObject({
      code: ErrorCode.UpstreamUnavailable,
      retryable: true,
    });
    const own = new AppError(ErrorCode.BadInput, "x");
    expect(awsErrorToAppError(own, "STS")).toBe(own);
  });
});

describe("truncateField", () => {
  it("keeps short values and says how much of a long one was cut", () => {
    expect(truncateField("short", 10)).toBe("short");
    expect(truncateField("x".repeat(25), 10)).toBe(`${"x".repeat(10)}…[15 chars truncated]`);
  });
});
