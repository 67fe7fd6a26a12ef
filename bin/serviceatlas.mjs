#!/usr/bin/env node
// Runs the CLI from dist/, the sources compiled to plain JavaScript (scripts/build.mjs), built here when
// src/ has changed since (a second or two), so no build step is needed; SERVICEATLAS_TSX=1, or a dist/
// that cannot be built or loaded (a read-only install), runs the TypeScript through tsx's loader instead.
// Why not always tsx: its loader thread, source maps and per-module hooks were ~70 MB of a CLI command's
// memory and about half the CPU of loading the modules at a start (issue 25).

// Production unless told otherwise: graphql-js then skips its development-only checks (an instanceof
// check on every type look-up, ~8% of a large page's time); the landing page and introspection are
// configured explicitly, so they do not change with it.
process.env.NODE_ENV ??= 'production';

async function loadCli() {
  if (process.env.SERVICEATLAS_TSX !== '1') {
    try {
      const { build, distIsCurrent } = await import('../scripts/build.mjs');
      if (!distIsCurrent()) await build();
      return await import('../dist/cli/index.js');
    } catch {
      // Falls back to the sources, below.
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import('../src/cli/index.ts');
}

const { runCli } = await loadCli();
const code = await runCli(process.argv.slice(2));
if (code >= 0) process.exit(code);
