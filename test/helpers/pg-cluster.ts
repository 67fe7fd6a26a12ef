/**
 * A PostgreSQL primary and a streaming hot standby of its own, for the cluster test: initdb and
 * pg_basebackup in a temporary directory, each server on a free port. PostgreSQL refuses to run as root,
 * so as root (CI containers) the server binaries run as the `postgres` user on a directory it owns.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A port nobody listens on: from SERVICEATLAS_TEST_PORT_BASE upwards when set, else one the OS picks. */
let nextPort = Number(process.env.SERVICEATLAS_TEST_PORT_BASE ?? 0);
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const wanted = nextPort > 0 ? nextPort++ : 0;
    const port = await new Promise<number | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(wanted, '127.0.0.1', () => {
        const got = (server.address() as { port: number }).port;
        server.close(() => resolve(got));
      });
    });
    if (port !== null) return port;
  }
  throw new Error('no free port');
}

const asRoot = process.getuid?.() === 0;
let pgUid: number | null = null;
let pgGid: number | null = null;

async function pgCommand(bin: string, args: string[]): Promise<string> {
  const file = join(PG_BIN, bin);
  const { stdout } = asRoot
    ? await run('runuser', ['-u', 'postgres', '--', file, ...args], { timeout: 60_000 })
    : await run(file, args, { timeout: 60_000 });
  return stdout;
}

async function owned(path: string): Promise<void> {
  if (!asRoot) return;
  if (pgUid === null) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    pgUid = Number(stdout.trim());
    pgGid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  }
  chownSync(path, pgUid, pgGid!);
}

export interface PgServer {
  port: number;
  dir: string;
  url(database: string): string;
  start(): Promise<void>;
  /** pg_ctl stop: 'fast' disconnects clients and shuts down cleanly, 'immediate' is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  running: boolean;
}

function pgServer(dir: string, port: number, root: string): PgServer {
  const server: PgServer = {
    port,
    dir,
    running: false,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      await pgCommand('pg_ctl', ['-D', dir, '-l', `${dir}.log`, '-w', '-t', '60', 'start']);
      server.running = true;
    },
    async stop(mode = 'fast') {
      if (!server.running) return;
      server.running = false;
      await pgCommand('pg_ctl', ['-D', dir, '-m', mode, '-w', '-t', '60', 'stop']).catch(() => {});
    },
  };
  void root;
  return server;
}

export interface PgCluster {
  primary: PgServer;
  standby: PgServer;
  root: string;
  /** Stops both servers and removes the directory (safe to call twice, and after a failed start). */
  destroy(): Promise<void>;
}

/** initdb a primary (streaming replication on), create `database` with PostGIS, clone a hot standby. */
export async function createPgCluster(database: string): Promise<PgCluster> {
  const root = mkdtempSync(join(tmpdir(), 'sa-cluster-'));
  await owned(root);
  const primaryDir = join(root, 'primary');
  const standbyDir = join(root, 'standby');
  const primary = pgServer(primaryDir, await freePort(), root);
  const standby = pgServer(standbyDir, await freePort(), root);
  const cluster: PgCluster = {
    primary,
    standby,
    root,
    async destroy() {
      await standby.stop('immediate');
      await primary.stop('immediate');
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await pgCommand('initdb', [
      '-D',
      primaryDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-locale',
    ]);
    appendFileSync(
      join(primaryDir, 'postgresql.conf'),
      [
        `port = ${primary.port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${root}'`,
        'wal_level = replica',
        'max_wal_senders = 4',
        'hot_standby = on',
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'shared_buffers = 32MB',
        'max_connections = 80',
        '',
      ].join('\n'),
    );
    await primary.start();
    await pgCommand('psql', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-c',
      `CREATE DATABASE ${database}`,
    ]);
    await pgCommand('psql', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-d',
      database,
      '-c',
      'CREATE EXTENSION postgis',
    ]);
    await pgCommand('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primary.port),
      '-U',
      'postgres',
      '-D',
      standbyDir,
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
    ]);
    const conf = join(standbyDir, 'postgresql.auto.conf');
    appendFileSync(conf, `port = ${standby.port}\nhot_standby_feedback = on\n`);
    await standby.start();
    return cluster;
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
}
