/**
 * Runs an import job in a child process of its own, with a heap cap (--max-old-space-size), so that nothing a file does — a
 * corrupt stream that throws where no caller catches it, a parser bug, a file that needs more memory
 * than allowed — can stop the process that sent it (the server keeps serving; the CLI prints one line).
 * The worker's queries run on the caller's database handle (remote-db.ts): the embedded PGlite has one
 * session, owned by this thread. Each kind still writes in one transaction; if the worker dies, the
 * transaction it left open is rolled back here: nothing is half-written.
 *
 * Every failure ends as `{ exit, message }` naming the file: 1 for the file (unreadable, corrupt, over
 * a cap, over the memory cap, the worker died on it), 2 for an internal error of ours, 3 for busy.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';
import type { ProgressReporter } from '../../import/index.js';
import { silentProgress } from '../../import/index.js';
import type { ImportJob, ImportOutcome } from './import-jobs.js';
import type { WorkerInput, WorkerMessage } from './import-worker.js';
import type { DbEnvelope } from './remote-db.js';
import { serveDatabase } from './remote-db.js';

const WORKER_FILE = fileURLToPath(new URL('./import-worker.mjs', import.meta.url));

/** The default heap cap of an import worker, in MB (SERVICEATLAS_IMPORT_MEMORY_MB). */
export const DEFAULT_IMPORT_MEMORY_MB = 4096;

/** The heap cap of an import worker from SERVICEATLAS_IMPORT_MEMORY_MB (MB, ≥ 64). */
export function importMemoryMb(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SERVICEATLAS_IMPORT_MEMORY_MB;
  if (raw === undefined || raw.trim() === '') return DEFAULT_IMPORT_MEMORY_MB;
  const mb = Number(raw);
  if (!Number.isInteger(mb) || mb < 64)
    throw new Error(`SERVICEATLAS_IMPORT_MEMORY_MB must be an integer number of MB ≥ 64, got "${raw}"`);
  return mb;
}

/** A failed isolated import: what the CLI prints and its exit code. */
export class ImportFailure extends Error {
  override name = 'ImportFailure';
  constructor(
    readonly exit: 1 | 2 | 3,
    message: string,
  ) {
    super(message);
  }
}

export interface IsolatedImportContext {
  /** Where the bytes are when not at `job.file` (the server's copy of an upload). */
  path?: string;
  progress?: ProgressReporter;
  progressFor?: (label: string) => ProgressReporter;
  /** The worker's heap cap in MB (default: SERVICEATLAS_IMPORT_MEMORY_MB, else 4096). */
  memoryMb?: number;
}

/**
 * Runs `job` in a child process on `db`. Resolves with the outcome once committed; rejects with an
 * {@link ImportFailure} (never anything else) when nothing was imported.
 */
export async function runImportIsolated(
  db: Kysely<Database>,
  job: ImportJob,
  context: IsolatedImportContext = {},
): Promise<ImportOutcome> {
  const memoryMb = context.memoryMb ?? importMemoryMb();
  const reporters = new Map<number, ProgressReporter>([[0, context.progress ?? silentProgress]]);
  const database = serveDatabase(db);
  // A child process, not a worker thread: V8 may end a whole process when a heap runs out (a worker's
  // resourceLimits did take the server down with it in testing), and a process is what can be lost.
  const worker = fork(WORKER_FILE, [], {
    serialization: 'advanced',
    execArgv: [`--max-old-space-size=${memoryMb}`],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: process.env,
  });
  let stderr = '';
  worker.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 65_536) stderr += chunk;
  });
  worker.send({ type: 'start', input: { job, path: context.path } satisfies WorkerInput });

  let settled = false;
  let outcome: { lines: string[] } | { exit: 1 | 2 | 3; message: string } | null = null;
  const ended = new Promise<void>((resolve) => {
    const finish = () => {
      if (!settled) {
        settled = true;
        resolve();
      }
    };
    worker.on('message', (message: WorkerMessage | DbEnvelope) => {
      switch (message.type) {
        case 'db':
          void database.handle(message.request).then((response) => {
            if (!settled && worker.connected) worker.send({ type: 'db-response', response });
          });
          return;
        case 'reporter':
          reporters.set(message.reporter, context.progressFor?.(message.label) ?? silentProgress);
          return;
        case 'progress': {
          const reporter = reporters.get(message.reporter) ?? silentProgress;
          if (message.op === 'start') reporter.start(message.total);
          else if (message.op === 'tick') reporter.tick(message.n);
          else reporter.stop();
          return;
        }
        case 'done':
          outcome = { lines: message.lines };
          finish();
          return;
        case 'failed':
          outcome = { exit: message.exit, message: message.message };
          finish();
          return;
      }
    });
    worker.on('error', (error: Error) => {
      outcome ??= {
        exit: 1,
        message: `${job.file}: the import stopped on this file: ${error.message}; nothing was imported`,
      };
      finish();
    });
    worker.on('exit', (code, signal) => {
      const uncaught = /^(\w*Error[^\n]*)/m.exec(stderr)?.[1];
      outcome ??= {
        exit: 1,
        message: /heap out of memory|Reached heap limit|Allocation failed/i.test(stderr)
          ? `${job.file}: the import needs more memory than its cap of ${memoryMb} MB ` +
            '(SERVICEATLAS_IMPORT_MEMORY_MB); nothing was imported'
          : `${job.file}: the import stopped on this file (${uncaught ?? `its process ended with ${signal ?? `code ${code}`}`}); nothing was imported`,
      };
      finish();
    });
  });

  await ended;
  for (const reporter of reporters.values()) reporter.stop();
  if (worker.exitCode === null && worker.signalCode === null) {
    const gone = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGKILL');
    await gone;
  }
  // A worker that died mid-transaction left it open on our connection: roll it back, release it.
  await database.abandon();
  const result = outcome as { lines: string[] } | { exit: 1 | 2 | 3; message: string } | null;
  if (result && 'lines' in result) return { lines: result.lines };
  let message = result?.message ?? `${job.file}: the import ended without an outcome`;
  // A reader that was handed the server's copy of an upload names it; the user knows their own name.
  if (context.path) message = message.split(context.path).join(job.file);
  throw new ImportFailure(result?.exit ?? 2, message);
}
