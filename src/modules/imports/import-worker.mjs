// Entry of an import child process (isolated-import.ts): loads the TypeScript sources through tsx (as
// bin/serviceatlas.mjs does), then runs the job.
import { register } from 'tsx/esm/api';

register();
await import('./import-worker.ts');
