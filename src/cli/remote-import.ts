/**
 * The CLI side of an import sent through the running server that holds the embedded data directory:
 * uploads the file to the server's loopback-only internal endpoint (authenticated by the secret in the
 * lock file), prints the streamed progress and the same summary or error as a local run.
 */
import { createReadStream } from 'node:fs';
import { request } from 'node:http';
import type { LockHolder } from '../db/data-dir-lock.js';
import { describeHolder } from '../db/data-dir-lock.js';
// Light imports only: index.ts sends an import here without loading the importers or the application.
import type { ProgressReporter } from '../import/progress.js';
import { createProgressReporter } from '../import/progress.js';
import { fileSize } from '../import/source.js';
import type { ImportEvent, ImportRequestHeader } from '../http/internal-import-protocol.js';
import { IMPORT_JOB_HEADER, INTERNAL_IMPORT_PATH } from '../http/internal-import-protocol.js';
import type { ExitCode } from '../modules/imports/import-jobs.js';
import type { ImportJob } from '../modules/imports/import-job.js';

/** How to proceed when the server cannot take the import. */
export function serverAdvice(dataDir: string, holder: LockHolder): string {
  return (
    `stop the server (kill -TERM ${holder.pid}) and run the import again, ` +
    `or run the server and imports on PostgreSQL (DATABASE_URL) instead of ${dataDir}`
  );
}

/** Sends `job` to the server recorded in the lock; returns the exit code after printing like a local run. */
export async function importThroughServer(
  dataDir: string,
  holder: LockHolder,
  job: ImportJob,
  waitMs: number,
): Promise<ExitCode> {
  fileSize(job.file); // a missing file is the user's mistake, said the same way as locally (exit 1)
  console.error(
    `${dataDir} is held by ${describeHolder(holder)}: sending the import through it ` +
      `(http://127.0.0.1:${holder.port}).`,
  );
  const header: ImportRequestHeader = { job, waitMs };
  const progress = createProgressReporter(`Importing ${job.kind}`);
  let outcome: ExitCode | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: holder.port ?? 0,
          path: INTERNAL_IMPORT_PATH,
          method: 'POST',
          headers: {
            authorization: `Bearer ${holder.secret}`,
            'content-type': 'application/octet-stream',
            [IMPORT_JOB_HEADER]: Buffer.from(JSON.stringify(header)).toString('base64url'),
          },
        },
        (res) => {
          res.setEncoding('utf8');
          let buffer = '';
          let body = '';
          res.on('data', (chunk: string) => {
            if (res.statusCode !== 200) {
              body += chunk;
              return;
            }
            buffer += chunk;
            let newline = buffer.indexOf('\n');
            while (newline >= 0) {
              const line = buffer.slice(0, newline);
              buffer = buffer.slice(newline + 1);
              if (line.trim() !== '') outcome = onEvent(JSON.parse(line) as ImportEvent, progress) ?? outcome;
              newline = buffer.indexOf('\n');
            }
          });
          res.on('end', () => {
            if (res.statusCode !== 200) {
              let message = body;
              try {
                message = (JSON.parse(body) as { error: { message: string } }).error.message;
              } catch {}
              reject(new Error(`the server refused the import (HTTP ${res.statusCode}: ${message})`));
            } else resolve();
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      const file = createReadStream(job.file);
      file.on('error', (error) => req.destroy(error));
      file.pipe(req);
    });
  } catch (error) {
    progress.stop();
    console.error(
      `serviceatlas: ${dataDir} is in use by ${describeHolder(holder)}, and the import could not be sent ` +
        `through it: ${(error as Error).message}. Nothing was imported by this command. ` +
        `To proceed: ${serverAdvice(dataDir, holder)}.`,
    );
    return 3;
  }
  progress.stop();
  if (outcome === null) {
    console.error(
      'serviceatlas: the server closed the connection before reporting the outcome (was it stopped?); ' +
        'this command cannot tell whether the import was committed: look for it in import_runs.',
    );
    return 2;
  }
  return outcome;
}

/** Handles one streamed event; returns an exit code when the import has ended. */
function onEvent(event: ImportEvent, progress: ProgressReporter): ExitCode | null {
  switch (event.event) {
    case 'progress':
      if (event.op === 'start') progress.start(event.total);
      else if (event.op === 'tick') progress.tick(event.n);
      else progress.stop();
      return null;
    case 'waiting':
      console.error(event.message);
      return null;
    case 'done':
      progress.stop();
      for (const line of event.lines) console.log(line);
      return 0;
    case 'error':
      progress.stop();
      console.error(
        event.exit === 2
          ? `serviceatlas: internal error (in the server): ${event.message}`
          : `serviceatlas: ${event.message}`,
      );
      return event.exit;
  }
}
