/**
 * Sentry for prode's own errors (issue 16): on only when PRODE_SENTRY_DSN is set, and
 * every event passes the redactor first (DESIGN.md invariant 6, "Nothing sensitive
 * leaves"). Distinct from src/adapters/sentry/, which reads the customer's Sentry.
 *
 * The SDK is imported only when a DSN is set, so a deployment without one loads none of
 * it and opens no connection.
 */

import type { ErrorEvent, Event, NodeOptions } from "@sentry/node";
import type { Secret } from "../config/index.ts";
import { packageVersion } from "../config/version.ts";
import { defaultRedactor, type Redactor } from "../safety/redact.ts";

/** The part of the config Sentry reads. */
export interface SentryConfig {
  PRODE_SENTRY_DSN?: Secret | undefined;
  PRODE_SENTRY_ENVIRONMENT?: string | undefined;
}

/** What the fatal-error path needs from an error reporter. */
export interface ErrorReporter {
  /** Sends `error` and waits at most `timeoutMs` for delivery; never throws. */
  captureAndFlush(error: unknown, timeoutMs: number): Promise<void>;
}

/** How long a process about to exit waits for its last event to leave. */
export const FATAL_FLUSH_TIMEOUT_MS = 2_000;

/**
 * Returns a copy of `event` safe to send: request headers, cookies and env, and the
 * user, are dropped whole (they carry credentials and customer identity whatever they
 * look like); every other string (message, exception values, breadcrumbs, extra,
 * contexts, tags, request url/data) passes through the redactor. Pure.
 */
export function scrubSentryEvent<E extends Event>(
  event: E,
  redactor: Redactor = defaultRedactor,
): E {
  const copy: Event = { ...event };
  if (copy.request) {
    const { headers: _h, cookies: _c, env: _e, ...request } = copy.request;
    copy.request = request;
  }
  delete copy.user;
  return redactor.redactValue(copy).value as E;
}

// The process's own fatal handlers (src/compose/fatal.ts) log, capture and exit; the
// SDK's would race them to exit with a different code.
const OWN_FATAL_HANDLERS = new Set(["OnUncaughtException", "OnUnhandledRejection"]);

/** The options `Sentry.init` receives; undefined without a DSN. Pure but for the version. */
export function sentryOptions(
  config: SentryConfig,
  redactor: Redactor = defaultRedactor,
): NodeOptions | undefined {
  const dsn = config.PRODE_SENTRY_DSN?.reveal();
  if (!dsn) return undefined;
  return {
    dsn,
    environment: config.PRODE_SENTRY_ENVIRONMENT,
    release: `prode@${packageVersion()}`,
    sendDefaultPii: false,
    tracesSampleRate: 0,
    // Traces are OpenTelemetry's own provider (tracing.ts); Sentry must not register
    // another global one, which would make that registration fail.
    skipOpenTelemetrySetup: true,
    integrations: (defaults) => defaults.filter((i) => !OWN_FATAL_HANDLERS.has(i.name)),
    beforeSend: (event: ErrorEvent) => scrubSentryEvent(event, redactor),
    beforeSendTransaction: (event: TransactionEvent) => scrubSentryEvent(event, redactor),
    beforeBreadcrumb: (breadcrumb) => redactor.redactValue(breadcrumb).value as typeof breadcrumb,
  };
}

/** `@sentry/node` does not re-export its transaction event type. */
export type TransactionEvent = Parameters<NonNullable<NodeOptions["beforeSendTransaction"]>>[0];

let initialised: ErrorReporter | undefined;

/**
 * Starts Sentry once per process when PRODE_SENTRY_DSN is set; returns the reporter the
 * fatal path uses, or undefined (nothing loaded, no network) without a DSN.
 */
export async function initSentry(
  config: SentryConfig,
  redactor: Redactor = defaultRedactor,
): Promise<ErrorReporter | undefined> {
  if (initialised) return initialised;
  const options = sentryOptions(config, redactor);
  if (!options) return undefined;
  const Sentry = await import("@sentry/node");
  Sentry.init(options);
  initialised = {
    async captureAndFlush(error, timeoutMs) {
      try {
        Sentry.captureException(error);
        await Sentry.flush(timeoutMs);
      } catch {
        // Reporting must never stand between a fatal error and the exit.
      }
    },
  };
  return initialised;
}
