import type { IncomingMessage, ServerResponse } from "node:http";
import type { SimResponse } from "./types.ts";

/** Transport helpers of the world server: body parsing and writing responses. */

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
