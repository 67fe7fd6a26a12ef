import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/serviceatlas.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (bin/serviceatlas.mjs) in a child process; never throws on a non-zero exit. */
export async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/**
 * Runs many command lines that open no database through the real runCli in ONE child process (see
 * batch-driver.ts): the same output and exit codes, without a Node start per command line.
 */
export async function cliBatch(env: NodeJS.ProcessEnv, cases: string[][]): Promise<CliResult[]> {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'serviceatlas-cli-batch-'));
  try {
    const out = join(dir, 'results.json');
    const driver = resolve(import.meta.dirname, 'batch-driver.ts');
    await run(process.execPath, ['--import', 'tsx', driver, out, JSON.stringify(cases)], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return JSON.parse(readFileSync(out, 'utf8')) as CliResult[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
