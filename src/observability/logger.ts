import pino, { type Logger } from "pino";
import { defaultRedactor } from "../safety/redact.ts";

/**
 * The process logger: JSON lines on stderr (stdout stays for command output). Logs are
 * an egress (invariant 6), so every serialised line passes the redactor on its way to
 * the destination: messages, fields and child bindings alike (pino serialises child
 * bindings before any formatter could see them, so redacting the line is the one
 * place nothing slips past).
 */
export function createLogger(
  level: string,
  base: Record<string, unknown> = {},
  destination: pino.DestinationStream = pino.destination(2),
): Logger {
  const redacting: pino.DestinationStream = {
    write: (line: string) => destination.write(defaultRedactor.redact(line).text),
  };
  return pino(
    {
      level,
      base: { ...base },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
    },
    redacting,
  );
}
