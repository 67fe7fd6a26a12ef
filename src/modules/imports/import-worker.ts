/**
 * An import job in a child process of its own (see isolated-import.ts): reads, validates and writes as
 * runImportJob does in-process, with its database queries sent to the owning thread (remote-db.ts) and
 * its progress forwarded. Whatever goes wrong here ends this thread only.
 */
import { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';
import type { ProgressReporter } from '../../import/index.js';
import type { ImportJob } from './import-jobs.js';
import { importFailure, runImportJob } from './import-jobs.js';
import { remoteDialect } from './remote-db.js';

/** What the worker says besides database requests. */
export type WorkerMessage =
  | { type: 'progress'; reporter: number; op: 'start'; total: number }
  | { type: 'progress'; reporter: number; op: 'tick'; n: number }
  | { type: 'progress'; reporter: number; op: 'stop' }
  | { type: 'reporter'; reporter: number; label: string }
  | { type: 'done'; lines: string[] }
  | { type: 'failed'; exit: 1 | 2 | 3; message: string };

export interface WorkerInput {
  job: ImportJob;
  path?: string;
}

// A child process (isolated-import.ts), spoken to over its IPC channel (structured clone).
const port = {
  on: (event: 'message', listener: (message: never) => void) =>
    process.on(event, listener as (message: unknown) => void),
  postMessage: (message: unknown) => process.send?.(message),
};
const { job, path } = await new Promise<WorkerInput>((resolve) => {
  const first = (message: { type?: string; input?: WorkerInput }) => {
    if (message.type !== 'start' || !message.input) return;
    process.off('message', first);
    resolve(message.input);
  };
  process.on('message', first);
});
const post = (message: WorkerMessage) => port.postMessage(message);

/** Forwards a reporter's calls; ticks are summed and sent at most every 100 ms. */
function forwarded(reporter: number): ProgressReporter {
  let pending = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending > 0) post({ type: 'progress', reporter, op: 'tick', n: pending });
    pending = 0;
  };
  return {
    start(total) {
      flush();
      post({ type: 'progress', reporter, op: 'start', total });
    },
    tick(n = 1) {
      pending += n;
      timer ??= setTimeout(flush, 100);
    },
    stop() {
      flush();
      post({ type: 'progress', reporter, op: 'stop' });
    },
  };
}

let reporters = 0;
const db = new Kysely<Database>({ dialect: remoteDialect(port) });
try {
  const outcome = await runImportJob(db, job, {
    path,
    progress: forwarded(0),
    progressFor: (label) => {
      const reporter = ++reporters;
      post({ type: 'reporter', reporter, label });
      return forwarded(reporter);
    },
  });
  post({ type: 'done', lines: outcome.lines });
} catch (error) {
  post({ type: 'failed', ...importFailure(error) });
}
// The owner ends this thread when it has the outcome (a stream may still hold the event loop).
