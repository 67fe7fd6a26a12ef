// Entry of an analysis worker thread: loads the TypeScript sources through tsx (as bin/serviceatlas.mjs
// does), then hands Piscina the task function.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./analysis-worker.ts');
export default worker.default;
