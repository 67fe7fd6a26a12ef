#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader, so no build step is needed.
import { register } from 'tsx/esm/api';

// Production unless told otherwise: graphql-js then skips its development-only checks (an instanceof
// check on every type look-up, ~8% of a large page's time); the landing page and introspection are
// configured explicitly, so they do not change with it.
process.env.NODE_ENV ??= 'production';
register();
const { runCli } = await import('../src/cli/index.ts');
const code = await runCli(process.argv.slice(2));
if (code >= 0) process.exit(code);
