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
