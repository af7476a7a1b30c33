import { randomUUID } from "node:crypto";
import type {
  SimContext,
  SimHandled,
  SimRequest,
  SimService,
  SimServiceInstance,
} from "../types.ts";
import {
  type DescribeAlarmHistoryInput,
  type DescribeAlarmsInput,
  describeAlarmHistory,
  describeAlarms,
} from "./aws-alarms.ts";
import { type AwsData, awsDataSchema } from "./aws-data.ts";
import { type DescribeEventsInput, describeEvents, HealthError } from "./aws-health.ts";
import { LogsError, SimLogs } from "./aws-logs.ts";
import {
  type GetMetricDataInput,
  getMetricData,
  type ListMetricsInput,
  listMetrics,
  MetricQueryError,
} from "./aws-metrics.ts";

/**
 * Simulated AWS: STS, CloudWatch Logs, CloudWatch and AWS Health behind one endpoint ("/aws"), told
 * apart the way the SDK clients speak (checked against the installed v3 clients):
 *
 * - STS `GetCallerIdentity`: AWS query protocol, form body `Action=…&Version=2011-06-15`,
 *   XML response (@aws-sdk/client-sts uses AwsQueryProtocol).
 * - CloudWatch Logs: AWS JSON 1.1, `X-Amz-Target: Logs_20140328.<Operation>`.
 * - CloudWatch: AWS JSON 1.0 with `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`
 *   and `x-amzn-query-mode: true` (@aws-sdk/client-cloudwatch ≥ 3.9xx uses
 *   AwsJson1_0Protocol with awsQueryCompatible; errors carry `x-amzn-query-error`):
 *   GetMetricData, ListMetrics, DescribeAlarms, DescribeAlarmHistory.
 * - AWS Health: AWS JSON 1.1, `X-Amz-Target: AWSHealth_20160804.DescribeEvents`. Health's
 *   endpoint is global (us-east-1), so a credential scoped to us-east-1 is accepted too.
 *
 * Every request needs a SigV4 `Authorization` header whose credential scope names the
 * scenario's region and the right service; the signature itself is not verified.
 */

const MOUNT = "/aws";
const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";
const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=[0-9a-f]{64}$/;

type Protocol = "sts" | "logs" | "cloudwatch" | "health";
/** SigV4 signing names of the four services. */
const SIGNING_NAME: Record<Protocol, string> = {
  sts: "sts",
  logs: "logs",
  cloudwatch: "monitoring",
  health: "health",
};
/** AWS JSON 1.1 services: errors are `{ __type: code }` without a shape prefix. */
const isJson11 = (protocol: Protocol) => protocol === "logs" || protocol === "health";
/** Where AWS Health's global endpoint lives. */
const HEALTH_REGION = "us-east-1";

interface AwsFailure {
  status: number;
  code: string;
  message: string;
  /** CloudWatch's JSON shape name when it differs from the query error code. */
  shape?: string;
}

function header(req: SimRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function xmlResponse(status: number, xml: string, requestId: string, method: string): SimHandled {
  return {
    status,
    headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId },
    body: xml,
    method,
  };
}

function failure(
  protocol: Protocol,
  error: AwsFailure,
  requestId: string,
  method: string,
): SimHandled {
  if (protocol === "sts") {
    const xml = `<ErrorResponse xmlns="${STS_NS}"><Error><Type>Sender</Type><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    return xmlResponse(error.status, xml, requestId, method);
  }
  const type =
    protocol === "cloudwatch"
      ? `com.amazonaws.cloudwatch#${error.shape ?? error.code}`
      : error.code;
  return {
    status: error.status,
    headers: {
      "Content-Type": isJson11(protocol)
        ? "application/x-amz-json-1.1"
        : "application/x-amz-json-1.0",
      "x-amzn-RequestId": requestId,
      "x-amzn-ErrorType": error.shape ?? error.code,
      ...(protocol === "cloudwatch" ? { "x-amzn-query-error": `${error.code};Sender` } : {}),
    },
    body: { __type: type, message: error.message },
    method,
  };
}

/** Which service a request is for, and its operation name. */
function identify(req: SimRequest): { protocol: Protocol; operation: string } | undefined {
  const target = header(req, "x-amz-target");
  if (target?.startsWith("Logs_20140328."))
    return { protocol: "logs", operation: target.slice(14) };
  if (target?.startsWith("GraniteServiceVersion20100801.")) {
    return { protocol: "cloudwatch", operation: target.slice(30) };
  }
  if (target?.startsWith("AWSHealth_20160804.")) {
    return { protocol: "health", operation: target.slice(19) };
  }
  const form = new URLSearchParams(req.rawBody);
  const action = form.get("Action");
  if (action && form.get("Version") === "2011-06-15") return { protocol: "sts", operation: action };
  return undefined;
}

interface AwsSimInstance extends SimServiceInstance {
  handle(req: SimRequest): SimHandled;
  /** Exposed to tests through `world.state.aws`. */
  readonly state: { data: AwsData; logs: SimLogs };
}

export function createAwsInstance(state: AwsData, ctx: SimContext): AwsSimInstance {
  const logs = new SimLogs(state);

  /** Checks the SigV4 header's shape and scope; returns the failure in the service's terms. */
  const authenticate = (req: SimRequest, protocol: Protocol): AwsFailure | null => {
    const auth = header(req, "authorization");
    const invalidToken: AwsFailure = isJson11(protocol)
      ? {
          status: 400,
          code: "UnrecognizedClientException",
          message: "The security token included in the request is invalid.",
        }
      : {
          status: 403,
          code: "InvalidClientTokenId",
          shape: "UnrecognizedClientException",
          message: "The security token included in the request is invalid.",
        };
    if (!auth) {
      return isJson11(protocol)
        ? {
            status: 400,
            code: "MissingAuthenticationTokenException",
            message: "Missing Authentication Token",
          }
        : {
            status: 403,
            code: "MissingAuthenticationToken",
            message: "Request is missing Authentication Token",
          };
    }
    const match = SIGV4.exec(auth);
    if (!match || !header(req, "x-amz-date")) {
      return {
        status: 400,
        code: "IncompleteSignature",
        message:
          "Authorization header requires a valid SigV4 Credential, SignedHeaders and Signature.",
      };
    }
    const [, keyId, , region, service] = match;
    if (state.accessKeyIds.length > 0 && !state.accessKeyIds.includes(keyId!)) return invalidToken;
    if (region !== state.region && !(protocol === "health" && region === HEALTH_REGION)) {
      return {
        status: 403,
        code: "SignatureDoesNotMatch",
        message: `Credential should be scoped to a valid region, not '${region}'.`,
      };
    }
    if (service !== SIGNING_NAME[protocol]) {
      return {
        status: 403,
        code: "SignatureDoesNotMatch",
        message: `Credential should be scoped to correct service: '${SIGNING_NAME[protocol]}'.`,
      };
    }
    return null;
  };

  const cloudwatchOperation = (operation: string, input: Record<string, unknown>): unknown => {
    switch (operation) {
      case "GetMetricData":
        return getMetricData(input as GetMetricDataInput, state.metrics);
      case "ListMetrics":
        return listMetrics(input as ListMetricsInput, state.metrics, ctx.now());
      case "DescribeAlarms":
        return describeAlarms(input as DescribeAlarmsInput, state);
      case "DescribeAlarmHistory":
        return describeAlarmHistory(input as DescribeAlarmHistoryInput, state);
      default:
        throw new MetricQueryError("InvalidAction", `Operation ${operation} is not simulated.`);
    }
  };

  const healthOperation = (operation: string, input: Record<string, unknown>): unknown => {
    if (operation === "DescribeEvents") return describeEvents(input as DescribeEventsInput, state);
    throw new HealthError("UnknownOperationException", `Operation ${operation} is not simulated.`);
  };

  const callerIdentity = (requestId: string, method: string): SimHandled =>
    xmlResponse(
      200,
      `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult><Arn>${xmlEscape(state.arn)}</Arn><UserId>${xmlEscape(state.userId)}</UserId><Account>${state.accountId}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
      requestId,
      method,
    );

  return {
    state: { data: state, logs },
    identify: (req) => {
      const which = identify(req);
      return which ? `${which.protocol}.${which.operation}` : "aws.unknown";
    },
    handle(req: SimRequest): SimHandled {
      const requestId = randomUUID();
      const which = identify(req);
      if (!which) {
        return {
          status: 400,
          headers: { "x-amzn-RequestId": requestId },
          body: {
            __type: "UnknownOperationException",
            message: "The world could not tell which AWS service this request is for.",
          },
          method: "aws.unknown",
        };
      }
      const { protocol, operation } = which;
      const method = `${protocol}.${operation}`;
      const denied = authenticate(req, protocol);
      if (denied) return failure(protocol, denied, requestId, method);
      if (protocol === "sts") {
        if (operation === "GetCallerIdentity") return callerIdentity(requestId, method);
        return failure(
          protocol,
          {
            status: 400,
            code: "InvalidAction",
            message: `Could not find operation ${operation} for version 2011-06-15`,
          },
          requestId,
          method,
        );
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(req.rawBody || "{}") as Record<string, unknown>;
      } catch {
        return failure(
          protocol,
          { status: 400, code: "SerializationException", message: "Body is not valid JSON." },
          requestId,
          method,
        );
      }
      const contentType = isJson11(protocol)
        ? "application/x-amz-json-1.1"
        : "application/x-amz-json-1.0";
      try {
        const body =
          protocol === "logs"
            ? logs.run(operation, input)
            : protocol === "health"
              ? healthOperation(operation, input)
              : cloudwatchOperation(operation, input);
        return {
          status: 200,
          headers: { "Content-Type": contentType, "x-amzn-RequestId": requestId },
          body,
          method,
        };
      } catch (error) {
        if (error instanceof LogsError || error instanceof HealthError) {
          return failure(
            protocol,
            { status: 400, code: error.code, message: error.message },
            requestId,
            method,
          );
        }
        if (error instanceof MetricQueryError) {
          const shape =
            error.code === "InvalidParameterValue" ? "InvalidParameterValueException" : error.code;
          return failure(
            protocol,
            { status: 400, code: error.code, shape, message: error.message },
            requestId,
            method,
          );
        }
        throw error;
      }
    },
  };
}

export const awsService: SimService<AwsData> = {
  name: "aws",
  mount: MOUNT,
  dataSchema: awsDataSchema,
  create: createAwsInstance,
};
