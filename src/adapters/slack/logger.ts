import { LogLevel, type Logger as SlackLogger } from "@slack/bolt";
import type { Logger } from "pino";

const TO_PINO: Record<LogLevel, string> = {
  [LogLevel.ERROR]: "error",
  [LogLevel.WARN]: "warn",
  [LogLevel.INFO]: "info",
  [LogLevel.DEBUG]: "debug",
};

/**
 * Bolt and the WebClient log through @slack/logger's interface; this routes them to our
 * pino logger (and so through its redaction), instead of their own console logger.
 */
export function slackLogger(log: Logger, name = "slack"): SlackLogger {
  let child = log.child({ component: name });
  const text = (parts: unknown[]) =>
    parts.map((p) => (p instanceof Error ? p.message : typeof p === "string" ? p : String(p)));
  return {
    debug: (...msg) => child.debug(text(msg).join(" ")),
    info: (...msg) => child.info(text(msg).join(" ")),
    warn: (...msg) => child.warn(text(msg).join(" ")),
    error: (...msg) => child.error(text(msg).join(" ")),
    // Our level comes from LOG_LEVEL; Bolt asking for another one does not change it.
    setLevel: () => {},
    getLevel: () =>
      (Object.entries(TO_PINO).find(([, l]) => l === log.level)?.[0] as LogLevel) ?? LogLevel.INFO,
    setName: (n: string) => {
      child = log.child({ component: n });
    },
  };
}
