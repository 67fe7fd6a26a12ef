import type { App } from '../app.js';
import { openApp } from '../app.js';
import { loadConfig } from '../config.js';
import { DataDirBusyError, describeHolder } from '../db/data-dir-lock.js';
import { createProgressReporter } from '../import/index.js';
import type { ExitCode } from '../modules/imports/import-jobs.js';
import type { ImportCliOptions } from './import-job.js';
import { importJobOf, parseWait } from './import-job.js';
import { ImportFailure, runImportIsolated } from '../modules/imports/isolated-import.js';
import { isReadyServer } from './through-server.js';
import { importThroughServer } from './remote-import.js';
import { resolveRoadSource } from './roads-source.js';

export { isReadyServer } from './through-server.js';
export type { ImportCliOptions } from './import-job.js';
export { parseWait } from './import-job.js';

/**
 * Opens the database for a CLI command. With the embedded data directory, takes its lock, waiting up to
 * `waitMs` for another CLI command; a ready server ends the wait at once (the caller decides: imports go
 * through it, analyses refuse). DataDirBusyError when the directory stays held.
 */
export async function openForCli(
  command: string,
  waitMs: number,
  extra: { sharedBuffers?: string } = {},
): Promise<App> {
  const config = loadConfig();
  const say = (line: string) => console.error(line);
  return openApp(config, {
    ...extra,
    demo: false,
    progress: say,
    // A CLI command has no event loop to keep answering: its SQL stays in this thread (no second isolate,
    // ~100 MB less resident memory than with the database's worker).
    pgliteWorker: false,
    lock: {
      command,
      waitMs,
      stopWaitingFor: isReadyServer,
      onWait: (holder) =>
        say(
          `${config.dataDir} is in use by ${describeHolder(holder)}; waiting up to ${waitMs / 1000} s for it to finish…`,
        ),
    },
  });
}

/** `serviceatlas import <kind> <file> [options]`: here, or through the server holding the data directory. */
export async function runImport(kind: string, file: string, values: ImportCliOptions): Promise<ExitCode> {
  // Roads: an https URL is downloaded first, --sha256 checked, a --clip file made absolute.
  if (kind === 'roads')
    ({
      file,
      clip: values.clip,
      source: values.source,
    } = await resolveRoadSource(file, values, loadConfig().dataDir));
  const job = importJobOf(kind, file, values);
  const config = loadConfig();
  const waitMs = parseWait(values.wait, config.lockWaitSeconds);
  let app: App;
  try {
    app = await openForCli(`import ${kind}`, waitMs);
  } catch (error) {
    if (!(error instanceof DataDirBusyError)) throw error;
    if (isReadyServer(error.holder)) return importThroughServer(config.dataDir, error.holder, job, waitMs);
    const starting = error.holder?.command === 'serve';
    throw new DataDirBusyError(
      error.dataDir,
      error.holder,
      `${error.message}; nothing was imported. ` +
        (starting
          ? 'Run the import again once the server is ready (it will go through the server).'
          : `Run the import again when it has finished, or pass --wait <seconds> (waited ${waitMs / 1000} s).`),
    );
  }
  try {
    // In a child process with a heap cap, as a server runs it: whatever the file does ends there, and
    // comes back as one line naming the file (exit 1), never a stack.
    const outcome = await runImportIsolated(app.db, job, {
      progress: createProgressReporter(`Importing ${kind}`),
      progressFor: (label) => createProgressReporter(label),
    });
    for (const line of outcome.lines) console.log(line);
    return 0;
  } catch (error) {
    if (!(error instanceof ImportFailure)) throw error;
    console.error(
      error.exit === 2 ? `serviceatlas: internal error: ${error.message}` : `serviceatlas: ${error.message}`,
    );
    return error.exit;
  } finally {
    await app.close();
  }
}
