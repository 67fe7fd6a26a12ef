// Compiles src/ to plain JavaScript in dist/ (same layout, so paths relative to a module still point at
// data/ and public/), for bin/serviceatlas.mjs to run without tsx's loader: a CLI command or a start then
// loads ~300 modules from plain files instead of through tsx's hooks thread, source maps and transform
// cache (issue 25: CLI memory and start time). bin/serviceatlas.mjs builds it when src/ has changed;
// `node scripts/build.mjs` builds it by hand. dist/ is not committed.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');

function walk(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

/** A fingerprint of src/: every file's path, size and modification time. */
export function sourceStamp() {
  const hash = createHash('sha1');
  for (const file of walk(SRC).sort()) {
    const s = statSync(file);
    hash.update(`${relative(SRC, file)}|${s.size}|${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** True when dist/ was built from src/ as it is now. */
export function distIsCurrent(stamp = sourceStamp()) {
  try {
    return readFileSync(join(DIST, '.stamp'), 'utf8') === stamp;
  } catch {
    return false;
  }
}

/** Builds dist/ from src/ (into a temporary directory, then renamed into place). */
export async function build() {
  const stamp = sourceStamp();
  const { build: esbuild } = await import('esbuild');
  const files = walk(SRC);
  const tmp = join(ROOT, `.dist-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  await esbuild({
    entryPoints: files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
    outdir: tmp,
    outbase: SRC,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    logLevel: 'error',
  });
  // The worker entries load the sources through tsx; their compiled twins load the compiled modules.
  for (const file of files.filter((f) => f.endsWith('.mjs'))) {
    const text = readFileSync(file, 'utf8')
      .replace(/^import \{ register \} from 'tsx\/esm\/api';\n/m, '')
      .replace(/^register\(\);\n/m, '')
      .replace(/(import\('\.\/[^']+)\.ts'\)/g, "$1.js')");
    writeFileSync(join(tmp, relative(SRC, file)), text);
  }
  writeFileSync(join(tmp, '.stamp'), stamp);
  // Another process (a test run starts several CLIs at once) may have put the same build in place: keep
  // it, since it may be loading its modules from it.
  if (distIsCurrent(stamp)) {
    rmSync(tmp, { recursive: true, force: true });
    return;
  }
  const old = join(ROOT, `.dist-old-${process.pid}`);
  if (existsSync(DIST)) renameSync(DIST, old);
  try {
    renameSync(tmp, DIST);
  } catch (error) {
    // Another process put its build in place first.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(DIST)) throw error;
  }
  rmSync(old, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t = performance.now();
  await build();
  console.log(`dist/ built from src/ in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
