/**
 * Structured logs: one JSON line per call, stamped with what identifies the unit of work (the
 * request id, or the queue message id), so every line of one request can be found together.
 */
export type LogLevel = "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Where the lines go. The console in the worker; the test setup swaps in a buffer (test/setup.ts). */
export type LogSink = (level: LogLevel, line: string) => void;

const consoleSink: LogSink = (level, line) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};

let sink: LogSink = consoleSink;

/** Replaces the sink; `null` restores the console. */
export function setLogSink(next: LogSink | null): void {
  sink = next ?? consoleSink;
}

export function createLogger(stamp: LogFields): Logger {
  const write =
    (level: LogLevel) =>
    (msg: string, fields: LogFields = {}) =>
      sink(level, JSON.stringify({ level, msg, ...stamp, ...fields }));
  return { info: write("info"), warn: write("warn"), error: write("error") };
}
