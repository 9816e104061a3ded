import { type Logger, pino } from "pino";

/**
 * Paths that may carry secrets are censored wherever they appear; the code also never logs
 * command text or config values, so redaction is the second line of defence, not the first.
 */
export const REDACT_PATHS = [
  "password",
  "*.password",
  "token",
  "*.token",
  "secret",
  "*.secret",
  "authconfig",
  "*.authconfig",
  "value",
  "*.value",
  "values",
  "*.values",
  "entries",
  "*.entries",
  "headers.authorization",
  "*.headers.authorization",
];

/**
 * Logs to `destination`, or by default to stdout written asynchronously: a synchronous write to
 * a pipe whose reader lags (a log shipper, `docker logs` under load) would stop the process,
 * acknowledgements included. What is buffered is flushed when the process exits.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: { app: "dockops" } },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
