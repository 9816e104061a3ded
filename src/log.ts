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

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, redact: { paths: REDACT_PATHS, censor: "[redacted]" }, base: { app: "dockops" } },
    destination ?? process.stdout,
  );
}
