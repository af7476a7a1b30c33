import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import { AppError, asAppError, ErrorCode } from "../../domain/errors.ts";
import type { Metrics } from "../../observability/metrics.ts";

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
  handle(req: HttpRequest): Promise<HttpReply>;
}

/** Passes requests no route claimed to another handler (e.g. Bolt's receiver). */
export type Fallback = (req: IncomingMessage, res: ServerResponse) => void;

const MAX_BODY_BYTES = 1_048_576;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new AppError(ErrorCode.BadInput, "request body over 1 MiB");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, reply: HttpReply): void {
  const isText = typeof reply.body === "string";
  res.writeHead(reply.status, {
    "content-type": isText ? "text/plain; charset=utf-8" : "application/json",
    ...reply.headers,
  });
  res.end(isText ? reply.body : JSON.stringify(reply.body));
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BadInput]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.RunNotFound]: 404,
  [ErrorCode.NotFound]: 404,
};

/**
 * The web process's one HTTP server: routes are data; transport only. Errors become a
 * short JSON error with a non-2xx status, and the process stays up.
 */
export function createHttpServer(
  routes: Route[],
  log: Logger,
  metrics?: Metrics,
  fallback?: Fallback,
): Server {
  return createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = routes.find((r) => r.path === url.pathname && r.method === req.method);
    if (!route) {
      if (fallback) return fallback(req, res);
      const known = routes.some((r) => r.path === url.pathname);
      metrics?.httpRequests.inc({ route: "unknown", status: known ? 405 : 404 });
      return send(res, {
        status: known ? 405 : 404,
        body: { error: known ? "method not allowed" : "not found" },
      });
    }
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
      const e = asAppError(error);
      const status = STATUS_OF[e.code] ?? 500;
      if (status >= 500) log.error({ err: e, route: route.path }, "request failed");
      reply = {
        status,
        body: { error: status >= 500 ? "internal error" : e.message, code: e.code },
      };
    }
    metrics?.httpRequests.inc({ route: route.path, status: reply.status });
    send(res, reply);
  });
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
