/**
 * The server side of `serviceatlas import` while a server holds the embedded data directory: the CLI may
 * not open the directory (one writer), so it uploads the file here and the server runs the same import
 * job in a child process of its own (isolated-import.ts: a heap cap, queries sent back to this process's
 * database handle), streaming progress and the outcome back as NDJSON.
 *
 * Only for that CLI: the request must come over loopback, carry no proxy forwarding headers, and bear
 * the per-run secret the server wrote into its lock file (mode 0600, readable by its own user).
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { internalGate, refuseInternal } from './internal-auth.js';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import type { ProgressReporter } from '../import/index.js';
import type { ImportJob } from '../modules/imports/import-jobs.js';
import { isImportKind } from '../modules/imports/import-jobs.js';
import type { ImportEvent, ImportRequestHeader } from './internal-import-protocol.js';
import { IMPORT_JOB_HEADER } from './internal-import-protocol.js';
import { ImportFailure, runImportIsolated } from '../modules/imports/isolated-import.js';

export type { ImportEvent, ImportRequestHeader } from './internal-import-protocol.js';
export { IMPORT_JOB_HEADER, INTERNAL_IMPORT_PATH } from './internal-import-protocol.js';

interface Logger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** The endpoint's handler, bound to the server's database and its lock secret. */
export function createInternalImport(options: { db: Kysely<Database>; secret: string; log: Logger }) {
  const slot = new ImportSlot();
  const admitted = internalGate(options.secret, 'import');

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!admitted(req, res)) return;
    const request = parseHeader(req.headers[IMPORT_JOB_HEADER]);
    if (!request) return refuse(res, 400, 'BAD_REQUEST', `missing or malformed ${IMPORT_JOB_HEADER}`);
    const { job, waitMs } = request;

    // The upload keeps the user's file name (format detection by extension, `.gz`); messages and
    // import_runs name the user's path, the readers read this copy.
    const dir = mkdtempSync(join(tmpdir(), 'serviceatlas-upload-'));
    const path = join(dir, basename(job.file) || 'upload');
    let release: (() => void) | null = null;
    res.on('error', () => {}); // the CLI went away: the import still finishes (or rolls back) here
    try {
      await pipeline(req, createWriteStream(path, { mode: 0o600 }));
      res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
      const send = (event: ImportEvent) => {
        if (!res.destroyed) res.write(`${JSON.stringify(event)}\n`);
      };
      const running = slot.current;
      if (running) send({ event: 'waiting', message: `the server is running ${running}; waiting…` });
      release = await slot.acquire(waitMs, describeJob(job));
      if (!release) {
        send({
          event: 'error',
          exit: 3,
          message:
            `the server is still running ${slot.current ?? 'another import'}; nothing was imported. ` +
            'Run the import again when it has finished, or pass --wait <seconds>.',
        });
        return;
      }
      options.log.info({ job: describeJob(job) }, 'import through the server');
      try {
        // In a child process with a heap cap: a corrupt or hostile file ends that process, not the server.
        const started = Date.now();
        const outcome = await runImportIsolated(options.db, job, { path, progress: progressEvents(send) });
        options.log.info(
          { job: describeJob(job), ms: Date.now() - started },
          'import through the server done',
        );
        send({ event: 'done', lines: outcome.lines });
      } catch (error) {
        const failure =
          error instanceof ImportFailure
            ? { exit: error.exit, message: error.message }
            : { exit: 2 as const, message: (error as Error).message };
        if (failure.exit === 2) options.log.error({ err: error }, 'import through the server failed');
        else options.log.info({ job: describeJob(job), reason: failure.message }, 'import refused');
        send({ event: 'error', ...failure });
      }
    } catch (error) {
      // The upload broke off (the CLI was interrupted): nothing was imported.
      options.log.error({ err: error }, 'import upload failed');
      if (!res.headersSent) refuse(res, 400, 'BAD_REQUEST', 'the upload broke off');
    } finally {
      release?.();
      rmSync(dir, { recursive: true, force: true });
      if (!res.writableEnded) res.end();
    }
  };
}

function describeJob(job: ImportJob): string {
  return `\`import ${job.kind} ${job.file}\``;
}

function parseHeader(value: string | string[] | undefined): ImportRequestHeader | null {
  if (typeof value !== 'string') return null;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as ImportRequestHeader;
    const { job, waitMs } = parsed;
    if (!isImportKind(job?.kind) || typeof job.file !== 'string' || job.file === '') return null;
    if (typeof waitMs !== 'number' || !(waitMs >= 0)) return null;
    const options = job.options ?? {};
    for (const v of Object.values(options)) if (v !== undefined && typeof v !== 'string') return null;
    return { job: { kind: job.kind, file: job.file, options }, waitMs };
  } catch {
    return null;
  }
}

/** Forwards reader progress to the CLI, ticks batched to at most ten lines a second. */
function progressEvents(send: (event: ImportEvent) => void): ProgressReporter {
  let pending = 0;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending > 0) send({ event: 'progress', op: 'tick', n: pending });
    pending = 0;
  };
  return {
    start(total) {
      flush();
      send({ event: 'progress', op: 'start', total });
    },
    tick(n = 1) {
      pending += n;
      timer ??= setTimeout(flush, 100);
    },
    stop() {
      flush();
      send({ event: 'progress', op: 'stop' });
    },
  };
}

/**
 * One import at a time in the server, first come first served; a waiter gives up after its wait. (The
 * database would serialise the transactions anyway; this keeps the second import's answer honest and
 * its wait bounded.)
 */
class ImportSlot {
  private tail: Promise<void> = Promise.resolve();
  current: string | null = null;

  async acquire(waitMs: number, label: string): Promise<(() => void) | null> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.tail;
    this.tail = previous.then(() => mine);
    const turn = previous.then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    const got = await Promise.race([turn, timeout]);
    clearTimeout(timer);
    if (!got) {
      void turn.then(() => release()); // pass the turn on when it comes
      return null;
    }
    this.current = label;
    return () => {
      this.current = null;
      release();
    };
  }
}

const refuse = refuseInternal;
