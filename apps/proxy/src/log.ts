/** Structured one-line logs: one JSON object per line, secrets never included (callers pass no values). */

/** Where log lines go (default: stderr). */
export type LogSink = (line: string) => void;

/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A bound logger: `logger.info("reloaded", { file })` writes `{"ts":…,"level":"info","msg":"reloaded","file":…}`. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** The default sink: stderr, so stdout stays free for the CLI's own output. */
export const stderrSink: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

/** Creates a {@link Logger} over a sink. A throwing sink never breaks the proxy. */
export function createLogger(sink: LogSink = stderrSink): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    try {
      sink(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields }));
    } catch {
      // A broken log sink must not take requests down with it.
    }
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
  };
}

/**
 * The upstream URL a failure was recorded with (`metadata.url` of the error or of one of its causes; cdk's
 * transport errors put it there, without query or credentials). For log lines only: error bodies sent to
 * clients carry the message, never the metadata.
 */
export function upstreamUrlOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const url = (current as { metadata?: { url?: unknown } }).metadata?.url;
    if (typeof url === "string" && url !== "") return url;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
