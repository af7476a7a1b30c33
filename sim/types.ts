import type { IncomingHttpHeaders } from "node:http";

/**
 * The contract between the simulated world's HTTP server (sim/server.ts) and each
 * simulated provider (sim/services/<name>.ts). A service owns its slice of the
 * scenario data and its routes; the server owns transport, recording and faults.
 */
/** Every simulated provider, by the name scenarios, faults and recorded calls use. */
export const SIM_SERVICE_NAMES = [
  "slack",
  "linear",
  "sentry",
  "github",
  "aws",
  "statuspage",
] as const;
export type SimServiceName = (typeof SIM_SERVICE_NAMES)[number];

export interface SimRequest {
  method: string;
  /** Path without the service mount prefix, e.g. "/api/chat.postMessage". */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON or form body (Slack sends both), or undefined. */
  body: unknown;
  /** The body's bytes, for binary protocols (CBOR) that a string would corrupt. */
  rawBytes?: Buffer;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is a string. */
  body: unknown;
}

/** One recorded call, as written by `--record FILE` (one JSON object per line). */
export interface RecordedCall {
  /** "world" for a request outside every service mount (answered 404). */
  service: SimServiceName | "world";
  /** Provider-level operation: "chat.postMessage", "commentCreate", "GET /repos/{o}/{r}/pulls". */
  method: string;
  body: unknown;
  response: unknown;
  status: number;
  at: string;
  /** Request path below the service mount, e.g. "/api/chat.postMessage". */
  path?: string;
  /** Set when an injected fault answered (or held) the call instead of the service. */
  fault?: "latency" | "rate_limit" | "error" | "timeout";
}

/** What a service may use besides its own data: the clock and the world's fault plan. */
export interface SimContext {
  now(): Date;
  /** Public base URL of the world server (for links and permalinks). */
  baseUrl: string;
}

/**
 * A simulated provider. `dataSchema` validates its slice of a scenario file (the key is
 * the service name); `create` builds the mutable state for one world instance.
 */
export interface SimService<Data = unknown> {
  name: SimServiceName;
  /** URL prefix the server mounts it under, e.g. "/slack" → SDK base URL …/slack/api/. */
  mount: string;
  /**
   * Appended to the mount to form the URL handed to the provider's SDK (e.g. "/api/" for
   * Slack's `slackApiUrl`, "/graphql" for Linear's `apiUrl`). Defaults to "".
   */
  sdkPath?: string;
  dataSchema: import("zod").ZodType<Data>;
  /**
   * `data` becomes the instance's live state: the instance owns it and may change it in
   * place. The server hands each instance its own copy of the scenario's slice, so a
   * service does not clone it again.
   */
  create(data: Data, ctx: SimContext): SimServiceInstance;
}

export interface SimServiceInstance {
  /**
   * Handles one request (path relative to the mount). Returns the response and the
   * provider-level operation name that the recorder stores as `method`.
   */
  handle(req: SimRequest): Promise<SimHandled> | SimHandled;
  /**
   * The operation a request addresses, without performing it, so faults can be matched
   * by method before the service runs. Defaults to "<HTTP method> <path>".
   */
  identify?(req: SimRequest): string;
  /**
   * The provider's own answer to an injected fault (rate limit or server error). When
   * absent the server uses its default shape for the service (sim/faults.ts).
   */
  faultResponse?(fault: FaultAnswer, req: SimRequest): SimResponse;
  /** Read-only accessors for tests (messages posted, comments written, …). */
  state?: unknown;
}

/** What an injected fault asks the service to answer with. */
export type FaultAnswer =
  | { kind: "rate_limit"; retryAfterSec: number }
  | { kind: "error"; status: number };

export interface SimHandled extends SimResponse {
  method: string;
  /** What the recorder stores as `body` when the raw body is too noisy (GraphQL documents). */
  recordedBody?: unknown;
}
