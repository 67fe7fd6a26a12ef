/**
 * The data directory's lock file on its own (no database): who counts as a live holder, who is taken
 * over, how waiting ends. Plain files, so it runs the same on both backends.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LockHolder } from '../../src/db/data-dir-lock.js';
import {
  DataDirBusyError,
  LOCK_FILE,
  acquireDataDirLock,
  readLockHolder,
} from '../../src/db/data-dir-lock.js';

const root = mkdtempSync(join(tmpdir(), 'serviceatlas-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${n++}`);

/** A pid that is certainly dead: a child that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

function writeHolder(dir: string, holder: Partial<LockHolder>): void {
  const full: LockHolder = {
    pid: 1,
    hostname: hostname(),
    bootId: null,
    procStart: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    command: 'import settlements',
    port: null,
    secret: 'someone-else',
    ...holder,
  };
  spawnSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(full), { mode: 0o600 });
}

describe('the data directory lock', () => {
  it('is a 0600 file naming this process; a second opener in the same process is refused; release frees it', async () => {
    const dir = freshDir();
    const lock = await acquireDataDirLock(dir, { command: 'serve', waitMs: 0 });
    const path = join(dir, LOCK_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'serve',
      port: null,
    });
    const second = acquireDataDirLock(dir, { command: 'import settlements', waitMs: 0 });
    await expect(second).rejects.toBeInstanceOf(DataDirBusyError);
    await expect(second).rejects.toThrow(/in use by the Serviceatlas server \(pid \d+, still starting/);
    lock.setPort(4321);
    expect(readLockHolder(dir)).toMatchObject({ pid: process.pid, port: 4321, secret: lock.secret });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    lock.release();
    expect(existsSync(path)).toBe(false);
    (await acquireDataDirLock(dir, { command: 'serve', waitMs: 0 })).release();
  });

  it('takes over the lock of a dead process, saying whose it was', async () => {
    const dir = freshDir();
    const pid = deadPid();
    writeHolder(dir, { pid });
    const stale: (LockHolder | null)[] = [];
    const lock = await acquireDataDirLock(dir, { command: 'open', waitMs: 0, onStale: (h) => stale.push(h) });
    expect(stale.map((h) => h?.pid)).toEqual([pid]);
    expect(readLockHolder(dir)?.pid).toBe(process.pid);
    lock.release();
  });

  it('takes over a lock naming its own pid that this process does not hold (a restarted container’s PID 1)', async () => {
    const dir = freshDir();
    writeHolder(dir, { pid: process.pid, secret: 'a previous run' });
    const lock = await acquireDataDirLock(dir, { command: 'serve', waitMs: 0 });
    lock.release();
  });

  it('a live pid with another start time or boot is a reused pid (Linux /proc); the real start time is live', async () => {
    const dir = freshDir();
    const proc = existsSync('/proc/self/stat');
    const parent = process.ppid; // alive for the whole test
    writeHolder(dir, { pid: parent, procStart: '1' });
    if (proc) (await acquireDataDirLock(dir, { command: 'open', waitMs: 0 })).release();
    else
      await expect(acquireDataDirLock(dir, { command: 'open', waitMs: 0 })).rejects.toThrow(DataDirBusyError);

    const stat = proc ? readFileSync(`/proc/${parent}/stat`, 'utf8') : '';
    const start = proc ? stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]! : null;
    writeHolder(dir, { pid: parent, procStart: start });
    await expect(acquireDataDirLock(dir, { command: 'open', waitMs: 0 })).rejects.toThrow(
      new RegExp(`pid ${parent}\\b`),
    );
    if (proc) {
      writeHolder(dir, { pid: parent, procStart: start, bootId: 'another-boot' });
      (await acquireDataDirLock(dir, { command: 'open', waitMs: 0 })).release();
    }
  });

  it('never takes over a lock from another host (its liveness cannot be checked from here)', async () => {
    const dir = freshDir();
    writeHolder(dir, { pid: deadPid(), hostname: 'some-other-host' });
    await expect(acquireDataDirLock(dir, { command: 'open', waitMs: 0 })).rejects.toThrow(
      /on host some-other-host/,
    );
  });

  it('a half-written lock is live while fresh, and stale once old (a crash between create and write)', async () => {
    const dir = freshDir();
    spawnSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    await expect(acquireDataDirLock(dir, { command: 'open', waitMs: 0 })).rejects.toThrow(DataDirBusyError);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, LOCK_FILE), old, old);
    (await acquireDataDirLock(dir, { command: 'open', waitMs: 0 })).release();
  });

  it('waits for a live holder to let go, and stops waiting at once for a holder it should not wait for', async () => {
    const dir = freshDir();
    const first = await acquireDataDirLock(dir, { command: 'import settlements', waitMs: 0 });
    const waited: (LockHolder | null)[] = [];
    const second = acquireDataDirLock(dir, {
      command: 'import areas',
      waitMs: 60_000,
      onWait: (h) => {
        waited.push(h);
        first.release();
      },
    });
    const lock = await second;
    expect(waited.map((h) => h?.command)).toEqual(['import settlements']);
    await expect(
      acquireDataDirLock(dir, {
        command: 'open',
        waitMs: 60_000,
        stopWaitingFor: (h) => h.command === 'import areas',
      }),
    ).rejects.toThrow(/`serviceatlas import areas` \(pid \d+/);
    lock.release();
  });

  it('several processes taking over one dead lock at once: exactly one holds it at a time', async () => {
    const dir = freshDir();
    writeHolder(dir, { pid: deadPid() });
    const script = `
      const { acquireDataDirLock } = await import(${JSON.stringify(new URL('../../src/db/data-dir-lock.ts', import.meta.url).pathname)});
      const { appendFileSync } = await import('node:fs');
      const lock = await acquireDataDirLock(process.argv[1], { command: 'open', waitMs: 60000 });
      appendFileSync(process.argv[2], 'in ' + process.pid + '\\n');
      await new Promise((r) => setTimeout(r, 200));
      appendFileSync(process.argv[2], 'out ' + process.pid + '\\n');
      lock.release();`;
    const log = join(root, `takeover-${n}.log`);
    writeFileSync(log, '');
    const { spawn } = await import('node:child_process');
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir, log], {
        stdio: 'inherit',
      }),
    );
    const codes = await Promise.all(children.map((c) => new Promise((r) => c.on('exit', r))));
    expect(codes).toEqual([0, 0, 0, 0]);
    const events = readFileSync(log, 'utf8').trim().split('\n');
    expect(events).toHaveLength(8);
    // Strictly alternating in/out of the same pid: never two holders at once.
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i]!.startsWith('in ')).toBe(true);
      expect(events[i + 1]).toBe(events[i]!.replace('in ', 'out '));
    }
  }, 120_000);
});
