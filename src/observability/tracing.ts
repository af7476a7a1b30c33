import { type Attributes, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import { asAppError } from "../domain/errors.ts";
import { defaultRedactor, type Redactor } from "../safety/redact.ts";

/**
 * OpenTelemetry traces (issue 16): a span per phase step, per provider call and per HTTP
 * request, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (the SDK reads
 * the standard OTEL_* variables: endpoint, headers, service name). Without it the SDK is
 * not even loaded and every span below is the API's no-op, so instrumented code costs
 * nothing.
 *
 * What a span may carry: names and identifiers (phase, run id, provider, route, status,
 * error code), never a ticket's text, a query, a URL's query string or an error message
 * unredacted: an exception is recorded as its code and its redacted message only.
 */

const TRACER = "prode";

/** Told of every provider call's end (a span with `prode.provider`), for the metrics. */
export type ProviderCallObserver = (
  provider: string,
  outcome: "ok" | "error",
  code: string,
) => void;
let observer: ProviderCallObserver | undefined;

/** The process's provider-call observer (the composition root's metrics); one at a time. */
export function observeProviderCalls(next: ProviderCallObserver | undefined): void {
  observer = next;
}

/** What an error may say on a span: its code and its message through the redactor. */
function recordError(span: Span, error: unknown, redactor: Redactor): void {
  const app = asAppError(error);
  const message = redactor.redact(app.message).text.slice(0, 300);
  span.setAttribute("prode.error_code", app.code);
  span.recordException({ name: app.code, message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: app.code });
}

/**
 * Runs `fn` in an active span named `name`; the span ends when `fn` settles, with an
 * error status (code and redacted message) when it throws. `fn` may add attributes.
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  redactor: Redactor = defaultRedactor,
): Promise<T> {
  const provider = attributes["prode.provider"];
  return trace.getTracer(TRACER).startActiveSpan(name, { attributes }, async (span) => {
    try {
      const result = await fn(span);
      if (typeof provider === "string") observer?.(provider, "ok", "");
      return result;
    } catch (error) {
      recordError(span, error, redactor);
      if (typeof provider === "string") observer?.(provider, "error", asAppError(error).code);
      throw error;
    } finally {
      span.end();
    }
  });
}
