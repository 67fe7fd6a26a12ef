import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs to stderr (pino), so stdout stays free for CLI output. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'serviceatlas' } }, pino.destination(2));
}
