/**
 * One writer per embedded data directory. PGlite is a single-process database: two processes opening
 * the same directory (a server and `serviceatlas import`, or two imports) each cache pages of their own
 * and overwrite each other's files, so rows vanish and the cluster ends up unopenable. Every process that
 * opens the directory first takes this lock, an O_EXCL file in the directory itself:
 *
 *   <dataDir>/serviceatlas.lock  (mode 0600)  {pid, hostname, bootId, procStart, startedAt, command, port, secret}
 *
 * Why not proper-lockfile: it judges staleness by the lock's mtime, refreshed on a timer; a process whose
 * event loop is blocked (a long PGlite transaction, a heavy analysis) stops refreshing and its live lock
 * would be taken over, i.e. two writers. A holder is judged here by whether its process still exists:
 * the pid answers `kill(pid, 0)`, and on Linux the pid's start time and the boot id still match the
 * recorded ones (so a reused pid, e.g. PID 1 in a restarted container, is not mistaken for the holder).
 * The file also tells the CLI where a running server listens (port) and the secret for its internal
 * import endpoint, which is why it is readable by the owner only.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'serviceatlas.lock';

/** What the lock file records about the process holding the directory. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** Linux /proc/sys/kernel/random/boot_id: a pid from another boot is never the holder. */
  bootId: string | null;
  /** Field 22 of /proc/<pid>/stat (start time since boot): a reused pid has another one. */
  procStart: string | null;
  startedAt: string;
  /** `serve`, `import settlements`, `analyse deserts`… */
  command: string;
  /** The port a server listens on once it is ready; null for CLI commands and a starting server. */
  port: number | null;
  /** Per-run random secret: the bearer token of the server's internal import endpoint. */
  secret: string;
}

/** The directory is held by another live process (after waiting, if asked to). */
export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
    message?: string,
  ) {
    super(message ?? `${dataDir} is in use by ${describeHolder(holder)}`);
  }
}

/** "the Serviceatlas server (pid 123, port 4000, since …)" / "`serviceatlas import settlements` (pid 123, since …)". */
export function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'another process (its lock file is unreadable or being written)';
  const host = holder.hostname === hostname() ? '' : ` on host ${holder.hostname}`;
  const since = `since ${holder.startedAt}`;
  if (holder.command === 'serve') {
    const port = holder.port === null ? 'still starting' : `port ${holder.port}`;
    return `the Serviceatlas server (pid ${holder.pid}${host}, ${port}, ${since})`;
  }
  if (holder.command === 'open')
    return `a process that opened the database (pid ${holder.pid}${host}, ${since})`;
  return `\`serviceatlas ${holder.command}\` (pid ${holder.pid}${host}, ${since})`;
}

export interface AcquireOptions {
  /** Recorded for the messages other processes print. */
  command: string;
  /** How long to wait for a live holder to let go (0 = refuse at once). */
  waitMs: number;
  /** Stop waiting at once for such a holder (the CLI routes imports to a ready server). */
  stopWaitingFor?: (holder: LockHolder) => boolean;
  /** Called once when the lock is busy and we start waiting. */
  onWait?: (holder: LockHolder | null) => void;
  /** Called when a dead holder's lock is taken over. */
  onStale?: (holder: LockHolder | null) => void;
}

/** A held lock: released on close, and at process exit whatever the path (uncaught error included). */
export interface DataDirLock {
  readonly path: string;
  readonly secret: string;
  readonly holder: LockHolder;
  /** Records the port a server listens on (atomically: write a temp file, rename over the lock). */
  setPort(port: number): void;
  release(): void;
}

/** Locks held by this process, by secret: a lock naming our own pid but not listed here is stale. */
const heldHere = new Map<string, DataDirLock>();
let exitHookInstalled = false;

const POLL_MS = 100;
/** A lock file still empty or half-written after this long was left by a crash between create and write. */
const INCOMPLETE_STALE_MS = 10_000;

/** Takes the directory's lock, waiting up to `waitMs` for a live holder; a dead holder's lock is taken over. */
export async function acquireDataDirLock(dataDir: string, options: AcquireOptions): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const deadline = Date.now() + options.waitMs;
  let waiting = false;
  for (;;) {
    const holder = ownHolder(options.command);
    if (tryCreate(path, holder)) return register(path, holder);
    const seen = readLock(path);
    if (seen === 'absent') continue; // released between our create and read: try again at once
    if (isStale(seen)) {
      options.onStale?.(seen.holder);
      breakStale(path, seen.raw);
      continue;
    }
    if (seen.holder && options.stopWaitingFor?.(seen.holder))
      throw new DataDirBusyError(dataDir, seen.holder);
    const left = deadline - Date.now();
    if (left <= 0) throw new DataDirBusyError(dataDir, seen.holder);
    if (!waiting) options.onWait?.(seen.holder);
    waiting = true;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
  }
}

/** The holder recorded in a directory's lock, or null when nobody holds it (or the holder is dead). */
export function readLockHolder(dataDir: string): LockHolder | null {
  const seen = readLock(join(dataDir, LOCK_FILE));
  if (seen === 'absent' || isStale(seen)) return null;
  return seen.holder;
}

interface SeenLock {
  raw: string;
  holder: LockHolder | null;
  ageMs: number;
  /** Not readable by us (another user's 0600 lock): cannot be judged, so it counts as live. */
  unreadable?: boolean;
}

function readLock(path: string): SeenLock | 'absent' {
  let raw: string;
  let ageMs: number;
  try {
    ageMs = Date.now() - statSync(path).mtimeMs;
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    return { raw: '', holder: null, ageMs: 0, unreadable: true };
  }
  try {
    const holder = JSON.parse(raw) as LockHolder;
    return typeof holder.pid === 'number' ? { raw, holder, ageMs } : { raw, holder: null, ageMs };
  } catch {
    return { raw, holder: null, ageMs };
  }
}

function isStale(seen: SeenLock): boolean {
  const holder = seen.holder;
  if (seen.unreadable) return false;
  if (!holder) return seen.ageMs > INCOMPLETE_STALE_MS;
  if (holder.hostname !== hostname()) return false; // another machine's process: we cannot tell
  if (holder.pid === process.pid) return !heldHere.has(holder.secret);
  const bootId = readBootId();
  if (holder.bootId && bootId && holder.bootId !== bootId) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const stat = procStat(holder.pid);
  if (stat === null) return false; // no /proc (macOS…): the pid answered, so assume it is the holder
  if (stat.state === 'Z' || stat.state === 'X') return true; // exited, not yet reaped
  return holder.procStart !== null && stat.start !== holder.procStart;
}

/**
 * Removes a dead holder's lock. Two processes may find it stale at once; a second O_EXCL file makes the
 * check-and-remove one step, so one of them cannot remove the fresh lock the other just created.
 */
function breakStale(path: string, staleRaw: string): void {
  const guard = `${path}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o600);
  } catch {
    // Someone else is taking over. A guard whose writer died (crash within this function) is removed.
    try {
      const pid = Number(readFileSync(guard, 'utf8'));
      const age = Date.now() - statSync(guard).mtimeMs;
      if (age > INCOMPLETE_STALE_MS || (pid > 0 && !pidExists(pid))) unlinkSync(guard);
    } catch {}
    return;
  }
  try {
    writeSync(fd, String(process.pid));
    closeSync(fd);
    let current: string | null = null;
    try {
      current = readFileSync(path, 'utf8');
    } catch {}
    if (current === staleRaw) unlinkSync(path);
  } finally {
    try {
      unlinkSync(guard);
    } catch {}
  }
}

function tryCreate(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(holder));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function register(path: string, initial: LockHolder): DataDirLock {
  let holder = initial;
  let released = false;
  const lock: DataDirLock = {
    path,
    secret: initial.secret,
    get holder() {
      return holder;
    },
    setPort(port: number) {
      if (released) return;
      holder = { ...holder, port };
      const temp = `${path}.${process.pid}.tmp`;
      const fd = openSync(temp, 'w', 0o600);
      try {
        writeSync(fd, JSON.stringify(holder));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, path);
    },
    release() {
      if (released) return;
      released = true;
      heldHere.delete(initial.secret);
      try {
        const current = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
        if (current.secret === initial.secret) unlinkSync(path);
      } catch {}
    },
  };
  heldHere.set(initial.secret, lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Runs on process.exit and uncaught errors (not on SIGKILL: the next opener sees a dead pid instead).
    process.on('exit', () => {
      for (const held of [...heldHere.values()]) held.release();
    });
  }
  return lock;
}

function ownHolder(command: string): LockHolder {
  return {
    pid: process.pid,
    hostname: hostname(),
    bootId: readBootId(),
    procStart: procStat(process.pid)?.start ?? null,
    startedAt: new Date().toISOString(),
    command,
    port: null,
    secret: randomBytes(32).toString('base64url'),
  };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

let bootIdCache: string | null | undefined;
function readBootId(): string | null {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache;
}

/** State and start time of a process from /proc (Linux); null elsewhere or when it is gone. */
function procStat(pid: number): { state: string; start: string } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const start = fields[19];
    return state && start ? { state, start } : null;
  } catch {
    return null;
  }
}
