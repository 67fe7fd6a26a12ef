// Entry of the embedded database's worker thread: loads the TypeScript sources through tsx (as
// bin/serviceatlas.mjs does), then runs the worker (pglite-worker.ts).
import { register } from 'tsx/esm/api';

register();
await import('./pglite-worker.ts');
