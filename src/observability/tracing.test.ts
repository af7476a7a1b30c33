import { trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AppError, ErrorCode } from "../domain/errors.ts";
import type { PhaseContext } from "../runner/types.ts";
import { tracedHandlers } from "./traced-handlers.ts";
import { inSpan } from "./tracing.ts";

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

describe("spans", () => {
  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    trace.disable();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  it("a failed call records its code and a redacted message, never the secret", async () => {
    // Built at run time so the repository holds no token-shaped literal.
    const token = `gh${"p_"}${"a1B2c3D4".repeat(4)}abcd`;
    await expect(
      inSpan("github GET /repos", { "prode.provider": "github" }, async () => {
        throw new AppError(ErrorCode.UpstreamRejected, `refused with token ${token}`);
      }),
    ).rejects.toThrow();
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe("github GET /repos");
    expect(span?.status.code).toBe(2); // ERROR
    expect(span?.attributes["prode.error_code"]).toBe(ErrorCode.UpstreamRejected);
    const exported = JSON.stringify({ events: span?.events, status: span?.status });
    expect(exported).toContain("refused with token");
    expect(exported).not.toContain(token);
  });

  it("a phase step is a span named by the phase, with the run and the result", async () => {
    const handlers = tracedHandlers({
      CLASSIFY: async () => ({ kind: "exit", outcome: "NOISE_NO_FIX", description: "noise" }),
    });
    const ctx = { run: { id: "run_1", attempt: 2 } } as unknown as PhaseContext;
    await handlers.CLASSIFY?.(ctx);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe("phase CLASSIFY");
    expect(span?.attributes).toMatchObject({
      "prode.phase": "CLASSIFY",
      "prode.run_id": "run_1",
      "prode.attempt": 2,
      "prode.result": "exit",
    });
  });
});
