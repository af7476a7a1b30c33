import type { Server } from "node:http";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../../domain/errors.ts";
import { createHttpServer, listen } from "./server.ts";

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

  it("hides the message of anything else behind a 500", async () => {
    const answer = await answerTo(new Error("secret detail"));
    expect(answer).toEqual({
      status: 500,
      body: { error: "internal error", code: ErrorCode.Internal },
    });
  });
});
