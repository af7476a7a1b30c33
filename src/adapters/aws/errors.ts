import { AppError, ErrorCode } from "../../domain/errors.ts";

/**
 * The one conversion of AWS SDK v3 errors into AppError. SDK errors carry the service's
 * error code as `name`, the HTTP status in `$metadata.httpStatusCode` and who is at fault
 * in `$fault`; transport errors (refused connection, socket timeout) carry neither.
 * Throttling, 5xx and timeouts are retryable; every other 4xx is not. A resource that does
 * not exist is NotFound: the JSON protocols answer it with HTTP 400 and a service code
 * (`ResourceNotFoundException`), so the code decides, not the status.
 */

/** Throttling codes across STS (query), CloudWatch (JSON 1.0) and Logs (JSON 1.1). */
const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
  // Logs Insights: too many concurrent queries in the account.
  "LimitExceededException",
  "LimitExceeded",
]);

const CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "ExpiredToken",
  "ExpiredTokenException",
  "MissingAuthenticationToken",
  "MissingAuthenticationTokenException",
  "IncompleteSignature",
  "IncompleteSignatureException",
  "SignatureDoesNotMatch",
  "InvalidSignatureException",
  "AccessDenied",
  "AccessDeniedException",
  "CredentialsProviderError",
]);

/** "No such resource" codes: Logs and CloudWatch (JSON, query), STS, ECS, SQS. */
const NOT_FOUND = new Set([
  "ResourceNotFoundException",
  "ResourceNotFound",
  "NotFoundException",
  "NoSuchEntity",
  "ClusterNotFoundException",
  "ServiceNotFoundException",
  "QueueDoesNotExist",
  "AWS.SimpleQueueService.NonExistentQueue",
]);

const TIMEOUTS = new Set(["TimeoutError", "RequestTimeout", "RequestTimeoutException"]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: "client" | "server";
  $metadata?: { httpStatusCode?: number };
}

/** Converts anything an AWS SDK call threw; `operation` names the call for the message. */
export function awsErrorToAppError(error: unknown, operation: string): AppError {
  if (error instanceof AppError) return error;
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  const name = e.name ?? "Error";
  const status = e.$metadata?.httpStatusCode;
  const detail = `${operation}: ${name}${status ? ` (HTTP ${status})` : ""}: ${e.message ?? String(error)}`;
  const make = (code: ErrorCode, retryable: boolean) =>
    new AppError(code, `AWS ${detail}`, { cause: error, retryable });

  if (THROTTLING.has(name) || status === 429) return make(ErrorCode.UpstreamRateLimited, true);
  if (TIMEOUTS.has(name) || e.code === "ETIMEDOUT") return make(ErrorCode.Timeout, true);
  if (name === "AbortError") return make(ErrorCode.Timeout, false);
  if (CREDENTIALS.has(name) || status === 401 || status === 403) {
    return make(ErrorCode.Unauthorized, false);
  }
  if ((status !== undefined && status >= 500) || e.$fault === "server") {
    return make(ErrorCode.UpstreamUnavailable, true);
  }
  if (NOT_FOUND.has(name) || status === 404) return make(ErrorCode.NotFound, false);
  if (status !== undefined && status >= 400) return make(ErrorCode.UpstreamRejected, false);
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) {
    return make(ErrorCode.UpstreamUnavailable, true);
  }
  // No HTTP status: the request never got an answer (transport failure).
  return make(ErrorCode.UpstreamUnavailable, true);
}
