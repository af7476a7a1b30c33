import type { IncomingHttpHeaders } from "node:http";

/**
 * The contract between the simulated world's HTTP server (src/sim/server.ts) and each
 * simulated provider (src/sim/services/<name>.ts). A service owns its slice of the
 * scenario data and its routes; the server owns transport, recording and faults.
 */
export type SimServiceName = "slack" | "linear" | "sentry" | "github" | "aws";

export interface SimRequest {
  method: string;
  /** Path without the service mount prefix, e.g. "/api/chat.postMessage". */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON or form body (Slack sends both), or undefined. */
  body: unknown;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is a string. */
  body: unknown;
}

/** One recorded call, as written by `--record FILE` (one JSON object per line). */
export interface RecordedCall {
  service: SimServiceName;
  /** Provider-level operation: "chat.postMessage", "commentCreate", "GET /repos/{o}/{r}/pulls". */
  method: string;
  body: unknown;
  response: unknown;
  status: number;
  at: string;
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
  dataSchema: import("zod").ZodType<Data>;
  create(data: Data, ctx: SimContext): SimServiceInstance;
}

export interface SimServiceInstance {
  /**
   * Handles one request (path relative to the mount). Returns the response and the
   * provider-level operation name that the recorder stores as `method`.
   */
  handle(req: SimRequest): Promise<SimHandled> | SimHandled;
}

export interface SimHandled extends SimResponse {
  method: string;
}
