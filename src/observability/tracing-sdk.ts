import { packageVersion } from "../config/version.ts";

/**
 * Starts OpenTelemetry's SDK for the process (src/observability/tracing.ts has the spans):
 * only the composition root imports this file, so the read adapters that open spans
 * never reach the SDK, the exporter or the file system.
 */

interface TracingConfig {
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
}

export interface Tracing {
  /**
   * Exports what is buffered; called when a prode stops, bounded by the caller. The
   * provider itself lives as long as the process (several prodes may share it in tests).
   */
  flush(): Promise<void>;
}

let started: Tracing | undefined;

/**
 * Starts the tracer provider once per process when an OTLP endpoint is configured;
 * undefined (nothing loaded) otherwise. Every role calls it through startProde.
 */
export async function initTracing(
  config: TracingConfig,
  role: string,
): Promise<Tracing | undefined> {
  if (started) return started;
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const [
    { NodeTracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { resourceFromAttributes },
  ] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      "service.name": process.env.OTEL_SERVICE_NAME ?? "prode",
      "service.version": packageVersion(),
      "prode.role": role,
    }),
    // The signal's path is appended to the base endpoint, as the OTLP spec says; the
    // exporter reads OTEL_EXPORTER_OTLP_HEADERS (an API key) from the environment itself.
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({
          url: `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces`,
        }),
        { scheduledDelayMillis: 1_000 },
      ),
    ],
  });
  provider.register();
  started = {
    flush: async () => {
      await provider.forceFlush().catch(() => {});
    },
  };
  return started;
}
