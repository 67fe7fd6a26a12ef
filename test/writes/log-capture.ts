import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../src/logger.js';

/** A pino logger whose JSON lines are kept in memory, for assertions on what was logged. */
export function captureLog(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = pino({ level: 'info' }, stream);
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
