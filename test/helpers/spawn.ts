/**
 * Real `serviceatlas` processes for the tests that are about processes (the data directory's one-writer
 * lock, signals): the CLI and the server as child processes on an environment of their own.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/serviceatlas.mjs');

export interface Spawned {
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout or stderr matches (rejects if the process exits first). */
  waitFor(pattern: RegExp): Promise<void>;
  /** Resolves with the exit code (or 128 + signal number, as a shell reports it). */
  exited: Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** Starts `serviceatlas …args` with `env`. */
export function spawnServiceatlas(env: NodeJS.ProcessEnv, args: string[]): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const watchers: { pattern: RegExp; resolve(): void; reject(e: Error): void }[] = [];
  const check = () => {
    for (const w of [...watchers]) {
      if (w.pattern.test(out) || w.pattern.test(err)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    check();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    check();
  });
  const exited = new Promise<{
    code: number;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolveExit) => {
    child.on('close', (code, signal) => {
      for (const w of watchers.splice(0))
        w.reject(new Error(`exited (${code ?? signal}) before ${w.pattern}:\n${out}\n${err}`));
      resolveExit({ code: code ?? 128, signal, stdout: out, stderr: err });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern) {
      return new Promise<void>((resolveWait, reject) => {
        watchers.push({ pattern, resolve: resolveWait, reject });
        check();
        if (child.exitCode !== null) reject(new Error(`already exited before ${pattern}`));
      });
    },
  };
}

/** Runs one CLI command to its end. */
export function cli(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return spawnServiceatlas(env, args).exited;
}

export interface ServerProcess extends Spawned {
  url: string;
  gql<T>(query: string): Promise<T>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** `serviceatlas serve --port 0` as a child process, once it says it is ready. */
export async function startServerProcess(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const server = spawnServiceatlas(env, ['serve', '--port', '0']);
  await server.waitFor(/Serviceatlas is ready: GraphQL at (http:\/\/localhost:\d+)\/graphql/);
  const url = /GraphQL at (http:\/\/localhost:\d+)\/graphql/.exec(server.stdout())![1]!;
  return {
    ...server,
    url,
    async gql<T>(query: string): Promise<T> {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      const body = (await res.json()) as { data?: T; errors?: unknown[] };
      if (!res.ok || body.errors) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body)}`);
      return body.data as T;
    },
    async stop(signal = 'SIGTERM') {
      server.child.kill(signal);
      return server.exited;
    },
  };
}
