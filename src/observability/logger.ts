import pino, { type Logger } from "pino";
import { withoutStatement } from "../domain/errors.ts";
import { defaultRedactor } from "../safety/redact.ts";

/**
 * The process logger: JSON lines on stderr (stdout stays for command output). Logs are
 * an egress (invariant 6), so every serialised line passes the redactor on its way to
 * the destination: messages, fields and child bindings alike (pino serialises child
 * bindings before any formatter could see them, so redacting the line is the one
 * place nothing slips past). An error that carries a failed statement is logged without
 * the statement text and its parameters (a ticket's text, a row): its SQLSTATE, table,
 * constraint and a short message are enough to act on.
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
      serializers: {
        err: (err: unknown) => pino.stdSerializers.err(withoutStatement(err) as Error),
      },
    },
    redacting,
  );
}
