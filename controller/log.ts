import winston from "winston";

/** Structured fields every decision carries: which object, which revision. */
export interface LogFields {
  namespace?: string;
  rollout?: string;
  revision?: string | number;
  [key: string]: unknown;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export type LogLevel = "debug" | "info" | "warn" | "error";

/** One JSON object per line on stderr, so container runtimes and log shippers take it as is. */
export function createLogger(level: LogLevel = "info"): Logger {
  return wrap(
    winston.createLogger({
      level,
      format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      transports: [new winston.transports.Console({ stderrLevels: ["debug", "info", "warn", "error"] })],
    }),
  );
}

function wrap(w: winston.Logger): Logger {
  return {
    debug: (m, f) => w.debug(m, f),
    info: (m, f) => w.info(m, f),
    warn: (m, f) => w.warn(m, f),
    error: (m, f) => w.error(m, f),
    child: (f) => wrap(w.child(f)),
  };
}

/** A logger that drops everything, for unit tests of code that logs. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
