import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FATAL_FLUSH_TIMEOUT_MS } from "../observability/sentry.ts";
import { exitOnFatalError, FATAL_EXIT_CODE } from "./fatal.ts";

let uninstall: (() => void) | undefined;
afterEach(() => {
  uninstall?.();
  uninstall = undefined;
  vi.useRealTimers();
});

/** The handler exitOnFatalError just installed, called directly (emitting would reach vitest's). */
function lastRejectionHandler(): (error: unknown) => void {
  const handler = process.listeners("unhandledRejection").at(-1);
  if (!handler) throw new Error("no handler installed");
  return handler as (error: unknown) => void;
}

describe("a fatal error is reported before the exit", () => {
  it("the exit waits for the reporter, and the reporter gets the error", async () => {
    const exit = vi.fn();
    const error = new Error("nobody awaited this");
    let release: () => void = () => {};
    const captureAndFlush = vi.fn(
      (_error: unknown, _timeoutMs: number) => new Promise<void>((r) => (release = r)),
    );
    uninstall = exitOnFatalError(pino({ level: "silent" }), exit, { captureAndFlush });
    lastRejectionHandler()(error);
    expect(captureAndFlush).toHaveBeenCalledWith(error, FATAL_FLUSH_TIMEOUT_MS);
    expect(exit).not.toHaveBeenCalled();
    release();
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(FATAL_EXIT_CODE));
    expect(exit).toHaveBeenCalledTimes(1);
  });

  it("a reporter that hangs does not keep the process from exiting", () => {
    vi.useFakeTimers();
    const exit = vi.fn();
    uninstall = exitOnFatalError(pino({ level: "silent" }), exit, {
      captureAndFlush: () => new Promise<void>(() => {}),
    });
    lastRejectionHandler()(new Error("x"));
    vi.advanceTimersByTime(FATAL_FLUSH_TIMEOUT_MS);
    expect(exit).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(exit).toHaveBeenCalledWith(FATAL_EXIT_CODE);
  });
});
