import winston from "winston";

/** Operational logger (winston, structured JSON). Not the audit record: that is the audit store. */
export type Logger = winston.Logger;

export interface LoggerOptions {
  readonly level: string;
  /** Extra fields on every line, e.g. `{ service: "steward" }`. */
  readonly defaultMeta?: Record<string, string>;
  /** Where lines go; defaults to stderr so that stdout stays free for `--json` documents. */
  readonly stream?: NodeJS.WritableStream;
}

/** Keys whose values are never written to a log line. */
const SECRET_KEYS = /(authorization|token|secret|password|api[-_]?key|private[-_]?key)/i;

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.test(key)) info[key] = "[redacted]";
  }
  return info;
});

/**
 * Creates a JSON logger. Level `silent` writes nothing (tests use it).
 * @example createLogger({ level: "silent" }).info("hidden")
 */
export function createLogger(options: LoggerOptions): Logger {
  const silent = options.level === "silent";
  return winston.createLogger({
    level: silent ? "error" : options.level,
    silent,
    defaultMeta: { service: "steward", ...options.defaultMeta },
    format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.json()),
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stderr })],
  });
}
