import pino, { type Logger } from "pino";

/**
 * The process logger: JSON lines on stderr (stdout stays for command output).
 * Every line passes the redactor before it is written (see wireLogRedaction).
 */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino(
    { level, base: { ...base }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination(2),
  );
}
