import type { Server } from "node:http";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import { createHttpServer, listen, type Route } from "./server.ts";

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Serves one route that throws `error`, and answers what a GET of it returns. */
async function answerTo(error: unknown): Promise<{ status: number; body: unknown }> {
  server = createHttpServer(
    [
      {
        method: "GET",
        path: "/thing",
        handle: async () => {
          throw error;
        },
      },
    ],
    pino({ level: "silent" }),
  );
  const port = await listen(server, 0, "127.0.0.1");
  const response = await fetch(`http://127.0.0.1:${port}/thing`);
  return { status: response.status, body: await response.json() };
}

describe("createHttpServer", () => {
  it.each([
    [ErrorCode.NotFound, 404],
    [ErrorCode.RunNotFound, 404],
    [ErrorCode.BadInput, 400],
    [ErrorCode.Unauthorized, 401],
  ])("answers a route's %s with HTTP %i, its message and code", async (code, status) => {
    const answer = await answerTo(new AppError(code, "no such ticket"));
    expect(answer).toEqual({ status, body: { error: "no such ticket", code } });
  });

  it("answers a reply it cannot send with a logged 500, not an unhandled rejection", async () => {
    const escaped: unknown[] = [];
    const onEscape = (e: unknown) => void escaped.push(e);
    process.on("unhandledRejection", onEscape);
    try {
      server = createHttpServer(
        [{ method: "GET", path: "/thing", handle: async () => ({ status: 200, body: { n: 1n } }) }],
        pino({ level: "silent" }),
      );
      const port = await listen(server, 0, "127.0.0.1");
      const response = await fetch(`http://127.0.0.1:${port}/thing`);
      expect(response.status).toBe(500);
      expect((await fetch(`http://127.0.0.1:${port}/thing`)).status).toBe(500);
      expect(escaped).toEqual([]);
    } finally {
      process.off("unhandledRejection", onEscape);
    }
  });

  it("hides the message of anything else behind a 500", async () => {
    const answer = await answerTo(new Error("secret detail"));
    expect(answer).toEqual({
      status: 500,
      body: { error: "internal error", code: ErrorCode.Internal },
    });
  });
});

describe("createHttpServer limits", () => {
  const echo = {
    method: "POST" as const,
    path: "/in",
    handle: async (req: { rawBody: Buffer }) => ({
      status: 200,
      body: { bytes: req.rawBody.length },
    }),
  };

  it("answers 429 with Retry-After past a source's rate, per route", async () => {
    server = createHttpServer([echo], pino({ level: "silent" }), {
      rateLimits: { perSourcePerMinute: 2, perRoutePerMinute: 100 },
    });
    const port = await listen(server, 0, "127.0.0.1");
    const post = () => fetch(`http://127.0.0.1:${port}/in`, { method: "POST", body: "x" });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("refuses a declared body over 1 MiB with 413 without reading it, and keeps serving", async () => {
    let handled = 0;
    server = createHttpServer(
      [
        {
          ...echo,
          handle: async (req) => {
            handled += 1;
            return echo.handle(req);
          },
        },
      ],
      pino({ level: "silent" }),
    );
    const port = await listen(server, 0, "127.0.0.1");
    const big = await fetch(`http://127.0.0.1:${port}/in`, {
      method: "POST",
      body: new Uint8Array(1_048_577),
    });
    expect(big.status).toBe(413);
    expect(handled).toBe(0);
    const ok = await fetch(`http://127.0.0.1:${port}/in`, { method: "POST", body: "small" });
    expect(await ok.json()).toEqual({ bytes: 5 });
  });

  it("refuses from the headers alone when the route's precheck says so, without reading the body", async () => {
    let handled = 0;
    server = createHttpServer(
      [
        {
          ...echo,
          precheck: (headers) =>
            headers["x-sig"] ? undefined : { status: 401, body: { error: "unsigned" } },
          handle: async (req) => {
            handled += 1;
            return echo.handle(req);
          },
        },
      ],
      pino({ level: "silent" }),
    );
    const port = await listen(server, 0, "127.0.0.1");
    const url = `http://127.0.0.1:${port}/in`;
    const refused = await fetch(url, { method: "POST", body: new Uint8Array(500_000) });
    expect(refused.status).toBe(401);
    expect(handled).toBe(0);
    const ok = await fetch(url, { method: "POST", headers: { "x-sig": "1" }, body: "ab" });
    expect(await ok.json()).toEqual({ bytes: 2 });
  });

  it("answers a target that is not a path 400, and '//' 404, never 500", async () => {
    server = createHttpServer([echo], pino({ level: "silent" }));
    const port = await listen(server, 0, "127.0.0.1");
    const { request } = await import("node:http");
    const statusOf = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    expect(await statusOf("*")).toBe(400);
    expect(await statusOf("http://elsewhere.example/in")).toBe(400);
    expect(await statusOf("//")).toBe(404);
  });

  it("refuses a path with '.' or '..' segments, plain or encoded, before routing: the route they resolve to is not served", async () => {
    let served = 0;
    const metrics: Route = {
      method: "GET",
      path: "/metrics",
      handle: async () => {
        served += 1;
        return { status: 200, body: "secret" };
      },
    };
    server = createHttpServer([metrics], pino({ level: "silent" }));
    const port = await listen(server, 0, "127.0.0.1");
    const { request } = await import("node:http");
    // node:http sends the path as written (fetch would resolve the dot segments first).
    const answerTo = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end();
      });
    for (const path of [
      "/healthz/../metrics",
      "/healthz/%2e%2e/metrics",
      "/healthz/%2E./metrics",
      "/healthz/.%2e/metrics",
      "/./metrics",
      "/%2e/metrics",
      "/healthz\\..\\metrics",
      "/x/../metrics?a=1",
      "/metrics/..",
    ]) {
      const answer = await answerTo(path);
      expect(answer.status, path).toBe(400);
      expect(answer.body, path).toContain("'..' segments");
    }
    expect(served).toBe(0);
    // Dots inside a segment are not dot segments; a dot in the query is not in the path.
    expect((await answerTo("/metrics?next=../x")).status).toBe(200);
    expect((await answerTo("/metrics.txt")).status).toBe(404);
    expect((await answerTo("/...")).status).toBe(404);
    expect(served).toBe(1);
  });
});
