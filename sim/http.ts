import type { IncomingMessage, ServerResponse } from "node:http";
import type { SimResponse } from "./types.ts";

/** Transport helpers of the world server: body parsing, routing and writing responses. */

/** JSON or form body (Slack's WebClient posts forms with JSON-encoded fields). */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const type = (contentType ?? "").toLowerCase();
  const text = raw.toString("utf8");
  if (type.includes("json")) {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  if (type.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  return undefined;
}

/** A REST route of a simulated provider: its path pattern's groups are the parameters. */
export interface RoutePattern {
  method: string;
  pattern: RegExp;
  /** The operation name recorded for the call, e.g. "GET /repos/{owner}/{repo}". */
  name: string;
}

/**
 * The first route for `method` whose pattern matches `path`, with the pattern's groups
 * (an optional group that did not take part is undefined); undefined when none matches.
 */
export function matchRoute<R extends RoutePattern>(
  routes: readonly R[],
  method: string,
  path: string,
): { route: R; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) return { route, params: match.slice(1) as string[] };
  }
  return undefined;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function send(res: ServerResponse, response: SimResponse): void {
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  const isText = typeof response.body === "string";
  const hasType = Object.keys(headers).some((h) => h.toLowerCase() === "content-type");
  if (!hasType)
    headers["content-type"] = isText
      ? "text/plain; charset=utf-8"
      : "application/json; charset=utf-8";
  const payload =
    response.body === undefined
      ? ""
      : isText
        ? (response.body as string)
        : JSON.stringify(response.body);
  res.writeHead(response.status, headers);
  res.end(payload);
}
