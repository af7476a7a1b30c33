import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Span } from "@opentelemetry/api";
import type { Logger } from "pino";
import { asAppError, ErrorCode } from "../../domain/errors.ts";
import type { Metrics } from "../../observability/metrics.ts";
import { inSpan } from "../../observability/tracing.ts";
import { createRateLimiter, DEFAULT_RATE_LIMITS, type RateLimits } from "./rate-limit.ts";

/** A request with its raw body read (signature checks need the exact bytes). */
export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  rawBody: Buffer;
}

export interface HttpReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: "GET" | "POST";
  path: string;
  /**
   * Checks what can be checked from the headers alone (a signature header present, a
   * timestamp in its window) before the body is read: a refusal here costs no buffering.
   */
  precheck?(headers: IncomingMessage["headers"]): HttpReply | undefined;
  handle(req: HttpRequest): Promise<HttpReply>;
}

/** Passes requests no route claimed to another handler (e.g. a benchmark's raw receiver). */
export type Fallback = (req: IncomingMessage, res: ServerResponse) => void;

/** The largest body any route reads; a larger one is refused before it is buffered. */
export const MAX_BODY_BYTES = 1_048_576;

export interface HttpServerOptions {
  metrics?: Metrics | undefined;
  fallback?: Fallback | undefined;
  rateLimits?: RateLimits | undefined;
  /**
   * A header set by the trusted proxy in front of prode with the client's address (e.g.
   * `fly-client-ip`); the per-source rate limit keys on it. Without it, on the socket's
   * peer address (behind a proxy that is the proxy, and the limit is per route only).
   */
  clientIpHeader?: string | undefined;
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, reply: HttpReply): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const isText = typeof reply.body === "string";
  // Serialised before the status line: a body that cannot be serialised is a 500.
  const payload = isText ? (reply.body as string) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": isText ? "text/plain; charset=utf-8" : "application/json",
    ...reply.headers,
  });
  res.end(payload);
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BadInput]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.RunNotFound]: 404,
  [ErrorCode.NotFound]: 404,
};

const TOO_LARGE: HttpReply = {
  status: 413,
  body: { error: "request body over 1 MiB" },
  // The rest of the body is not read: the connection cannot carry another request.
  headers: { connection: "close" },
};

/**
 * Whether the raw path (before any `?`) has a `.` or `..` segment, spelled plainly or
 * percent-encoded (`%2e`), between `/` or `\` (URL parsing reads a backslash as a slash).
 * URL parsing resolves them, so `/healthz/../metrics` would be served as `/metrics` past
 * a proxy rule that blocks `/metrics` by prefix (probe F7): refused before routing.
 */
export function hasDotSegment(target: string): boolean {
  // URL parsing also drops tabs and newlines and ends the path at `?` or `#`.
  const path = target.replace(/[\t\n\r]/g, "").split(/[?#]/, 1)[0]!;
  return path.split(/[/\\]/).some((segment) => /^(\.|%2e){1,2}$/i.test(segment));
}

/**
 * The request target as a URL, or undefined when it is not an origin-form path. Parsed
 * against a fixed origin by concatenation: `new URL("//x", base)` would read `//x` as a
 * host and throw.
 */
function requestUrl(target: string | undefined): URL | undefined {
  if (!target?.startsWith("/")) return undefined;
  if (hasDotSegment(target)) return undefined;
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    return undefined;
  }
}

/**
 * A 4xx's reason for the metrics: its error's words before any detail ("bad payload: …"
 * → "bad payload"), bounded, so the label set stays small whatever a request carried.
 */
export function rejectReason(reply: HttpReply): string {
  const error = (reply.body as { error?: unknown } | undefined)?.error;
  if (typeof error !== "string" || error === "") return `http ${reply.status}`;
  return error.split(":")[0]!.trim().toLowerCase().slice(0, 40);
}

function sourceOf(req: IncomingMessage, header: string | undefined): string {
  const forwarded = header ? req.headers[header.toLowerCase()] : undefined;
  if (typeof forwarded === "string" && forwarded !== "") return forwarded.slice(0, 100);
  return req.socket.remoteAddress ?? "unknown";
}

/**
 * The web process's one HTTP server: routes are data; transport only. Every request is
 * rate limited per route and per source (429 with Retry-After), bodies are capped at
 * 1 MiB (a declared larger Content-Length is refused before a byte is read), and errors
 * become a short JSON error with a non-2xx status. Nothing a request does can reject
 * outside this handler: the process stays up whatever arrives.
 */
export function createHttpServer(
  routes: Route[],
  log: Logger,
  metricsOrOptions?: Metrics | HttpServerOptions,
  fallbackArg?: Fallback,
): Server {
  const options: HttpServerOptions =
    metricsOrOptions && "registry" in metricsOrOptions
      ? { metrics: metricsOrOptions, fallback: fallbackArg }
      : { ...metricsOrOptions, ...(fallbackArg ? { fallback: fallbackArg } : {}) };
  const { metrics, fallback } = options;
  const limiter = createRateLimiter(options.rateLimits ?? DEFAULT_RATE_LIMITS);

  const serve = async (req: IncomingMessage, res: ServerResponse, span: Span): Promise<void> => {
    const url = requestUrl(req.url);
    if (!url) {
      metrics?.httpRequests.inc({ route: "unknown", status: 400 });
      return send(res, {
        status: 400,
        body: {
          error:
            "bad request target: an origin-form path (/…) without '.' or '..' segments is expected",
        },
      });
    }
    const route = routes.find((r) => r.path === url.pathname && r.method === req.method);
    const label = route ? route.path : fallback ? "fallback" : "unknown";
    span.updateName(`HTTP ${req.method} ${label}`);
    span.setAttribute("http.route", label);
    const answer = (reply: HttpReply) => {
      metrics?.httpRequests.inc({ route: label, status: reply.status });
      span.setAttribute("http.response.status_code", reply.status);
      if (reply.status >= 400 && reply.status < 500)
        metrics?.httpRejects.inc({ route: label, reason: rejectReason(reply) });
      send(res, reply);
    };
    const limit = limiter.take(label, sourceOf(req, options.clientIpHeader));
    if (!limit.ok) {
      return answer({
        status: 429,
        body: { error: "rate limited" },
        headers: { "retry-after": String(limit.retryAfterSec) },
      });
    }
    if (!route) {
      if (fallback) return fallback(req, res);
      const known = routes.some((r) => r.path === url.pathname);
      return answer({
        status: known ? 405 : 404,
        body: { error: known ? "method not allowed" : "not found" },
      });
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_BODY_BYTES) return answer(TOO_LARGE);
    const refused = route.precheck?.(req.headers);
    if (refused)
      return answer({ ...refused, headers: { ...refused.headers, connection: "close" } });
    let reply: HttpReply;
    try {
      const rawBody = await readBody(req);
      reply = await route.handle({
        method: req.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
      });
    } catch (error) {
      if (error instanceof BodyTooLarge) return answer(TOO_LARGE);
      const e = asAppError(error);
      const status = STATUS_OF[e.code] ?? 500;
      if (status >= 500) log.error({ err: e, route: route.path }, "request failed");
      reply = {
        status,
        body: { error: status >= 500 ? "internal error" : e.message, code: e.code },
      };
    }
    answer(reply);
  };

  const server = createServer((req, res) => {
    // One trace span per request: the method, the route's path (never the query) and status.
    inSpan(`HTTP ${req.method}`, { "http.request.method": req.method ?? "" }, (span) =>
      serve(req, res, span),
    ).catch((error: unknown) => {
      // A bug of ours (a reply that cannot be serialised, a socket gone mid-write): a
      // logged 500, never an unhandled rejection.
      log.error({ err: asAppError(error), path: req.url }, "request handling failed");
      try {
        send(res, { status: 500, body: { error: "internal error", code: ErrorCode.Internal } });
      } catch {
        res.destroy();
      }
    });
  });
  // A client that trickles its headers or body cannot hold a socket for minutes.
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
  return server;
}

export function listen(server: Server, port: number, host = "0.0.0.0"): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
