/**
 * The embedded database's own thread (pglite-remote.ts starts it): it owns the PGlite instance, so its SQL
 * (PostGIS tests on a polygon, a snapshot reload after a write) runs here and the main thread's event loop
 * only waits for the rows. Messages: see pglite-remote.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import type { PgliteStart } from './pglite-start.js';
import { startPglite } from './pglite-start.js';
import type { ToMain, ToWorker, WireError } from './pglite-remote.js';

const port = parentPort;
if (!port) throw new Error('pglite-worker.ts runs in a worker thread');
const post = (message: ToMain) => port.postMessage(message);

/** An error as plain data: its message and every field pg-protocol's DatabaseError carries (code, …). */
function wire(error: unknown): WireError {
  if (!(error instanceof Error)) return { message: String(error), name: 'Error', fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error))
    if (value === undefined || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  return { message: error.message, name: error.name, fields };
}

const start = workerData as Omit<PgliteStart, 'loadDataDir'> & { loadDataDir?: ArrayBuffer };
let pglite: PGlite;
try {
  pglite = await startPglite(
    { ...start, loadDataDir: start.loadDataDir ? new Blob([start.loadDataDir]) : undefined },
    (line) => post({ type: 'say', line }),
  );
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', error: wire(error) });
  throw error;
}

port.on('message', async (message: ToWorker) => {
  try {
    switch (message.type) {
      case 'query': {
        const result = await pglite.query<Record<string, unknown>>(message.sql, message.parameters);
        post({ type: 'result', id: message.id, rows: result.rows, affectedRows: result.affectedRows });
        break;
      }
      case 'listen':
        await pglite.listen(message.channel, (payload) =>
          post({ type: 'notify', channel: message.channel, payload }),
        );
        post({ type: 'result', id: message.id, rows: [] });
        break;
      case 'dump': {
        const blob = await pglite.dumpDataDir(message.compression);
        const bytes = await blob.arrayBuffer();
        port.postMessage({ type: 'dumped', id: message.id, bytes } satisfies ToMain, [bytes]);
        break;
      }
      case 'close':
        if (!pglite.closed) await pglite.close();
        post({ type: 'result', id: message.id, rows: [] });
        break;
    }
  } catch (error) {
    post({ type: 'error', id: message.id, error: wire(error) });
  }
});
