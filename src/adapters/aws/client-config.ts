import { inSpan } from "../../observability/tracing.ts";

/**
 * What every prode AWS client is built from, and the SDK settings they share. The SDK
 * retries three times with backoff by default; retries belong to prode's runner (which
 * decides from AppError.retryable), so clients make one attempt and time out quickly.
 */

/** Static credentials: the composition root reveals them from config's Secrets. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsConnection {
  region: string;
  credentials: AwsCredentials;
  /** A custom endpoint, e.g. the simulated world's `urls.aws`. */
  endpoint?: string;
  /** SDK attempts per call (1–3). Default 1. */
  maxAttempts?: number;
  /** Per-request HTTP timeout in ms. Default 10 000. */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 3_000;

/** The constructor input shared by the STS, CloudWatch and Logs clients. */
export function awsClientConfig(connection: AwsConnection) {
  const attempts = Math.min(3, Math.max(1, Math.trunc(connection.maxAttempts ?? 1)));
  const { accessKeyId, secretAccessKey, sessionToken } = connection.credentials;
  return {
    region: connection.region,
    credentials: {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
    },
    ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
    maxAttempts: attempts,
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: connection.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      // Without this a breached requestTimeout only logs a warning (smithy NodeHttpHandler).
      throwOnRequestTimeout: true,
    },
  };
}

/** The part of an SDK v3 client the tracing middleware needs. */
interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; name: string },
    ): void;
  };
}

/** The client with a trace span per command (`aws <client> <command>`): names only. */
export function traced<C>(client: C): C {
  (client as unknown as MiddlewareClient).middlewareStack.add(
    (next, context) => (args) =>
      inSpan(
        `aws ${context.clientName ?? "client"} ${context.commandName ?? "command"}`,
        { "prode.provider": "aws", "prode.call": context.commandName ?? "command" },
        () => next(args),
      ),
    { step: "initialize", name: "prodeTracing" },
  );
  return client;
}
