/**
 * A restart on an existing data directory: `serviceatlas serve` (bin/serviceatlas.mjs, as `npm start`)
 * from the process start to the first 200 of /readyz, then the first 500 × 9 access page. Prints wall time
 * and the server's CPU time (user + system of all its threads, from /proc) beside the load average, and
 * the server's own SERVICEATLAS_TIMINGS phases. The data directory must exist (start the server once).
 *
 *   npx tsx bench/restart.bench.ts [--data-dir ./.serviceatlas] [--runs 2]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const DATA_DIR = resolve(arg('--data-dir', './.serviceatlas'));
const RUNS = Number(arg('--runs', '2'));
const BIN = resolve(import.meta.dirname, '../bin/serviceatlas.mjs');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** User + system seconds of a process (all threads), from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const PAGE = `{ settlements(first: 500) { nodes { id access { serviceType travelMinutes straightLineKm
  withinThreshold method servicePoint { id name } } } } }`;

async function once(): Promise<void> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, SERVICEATLAS_DATA_DIR: DATA_DIR, PORT: '0', SERVICEATLAS_TIMINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d;
  });
  try {
    let url: string | null = null;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited: ${output.slice(-2000)}`);
      url ??= /GraphQL at (http:\/\/[^/\s]+)\/graphql/.exec(output)?.[1] ?? null;
      if (url) {
        const ready = await fetch(`${url}/readyz`).catch(() => null);
        if (ready?.status === 200) break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const readyMs = performance.now() - started;
    const readyCpu = cpuSeconds(child.pid!);
    const s = performance.now();
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PAGE }),
    });
    const body = await res.text();
    if (res.status !== 200 || body.includes('"errors"')) throw new Error(body.slice(0, 500));
    const pageMs = performance.now() - s;
    for (const line of output.split('\n')) if (line.startsWith('[timings]')) console.log(`  ${line}`);
    console.log(
      `/readyz ${(readyMs / 1000).toFixed(2)} s after start (server CPU ${readyCpu.toFixed(2)} s); first 500 × 9 page ${pageMs.toFixed(0)} ms later; load average ${load()}`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function main(): Promise<void> {
  console.log(`restart of ${DATA_DIR}, ${RUNS} runs; load average ${load()}`);
  for (let i = 0; i < RUNS; i++) await once();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
