import pg from 'pg';
import type { DataVersions } from './data-version.js';
import { DATA_VERSION_CHANNEL } from './data-version.js';

/**
 * The primary's write announcements, on PostgreSQL (DATABASE_URL): one dedicated connection LISTENs on
 * DATA_VERSION_CHANNEL, where the data_version trigger NOTIFYs `snapshot:writes` inside every writing
 * transaction (delivered when it commits, migration 2026-11-30T0007). So a replica learns of another
 * replica's write within milliseconds, without a request, and reloads its snapshot ahead of the next one.
 *
 * The connection is re-made when it breaks (backoff 250 ms → 5 s) or stops answering a heartbeat; after
 * each (re)connect the current versions are read once, so a write made while it was down is not missed.
 * While it is down nothing is lost: every request still checks the version (data-version.ts), which is
 * what keeps "a write is seen by the very next read on any replica" exact — a notification reaches other
 * sessions only after the commit, so it cannot replace that check, only get ahead of it.
 *
 * PostgreSQL only: LISTEN is refused on a hot standby (so it is the primary's), and the embedded database
 * already hears its own trigger in-process (data-version.ts, NotifiedVersions).
 */
export interface VersionListenerOptions {
  retryMs?: number;
  maxRetryMs?: number;
  heartbeatMs?: number;
}

export type ListenerState = 'listening' | 'reconnecting' | 'closed';

export class VersionListener {
  state: ListenerState = 'reconnecting';
  /** The newest versions announced (or read at a connect); null before the first. */
  latest: DataVersions | null = null;
  notifications = 0;
  connects = 0;
  #client: pg.Client | null = null;
  #retry: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #delay: number;
  readonly #options: Required<VersionListenerOptions>;

  constructor(
    private readonly url: string,
    private readonly onVersions: (versions: DataVersions) => void,
    private readonly say: (line: string) => void = () => {},
    options: VersionListenerOptions = {},
  ) {
    this.#options = { retryMs: 250, maxRetryMs: 5_000, heartbeatMs: 5_000, ...options };
    this.#delay = this.#options.retryMs;
  }

  /** Connects (a failure only schedules the next attempt: the per-request check covers the gap). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async close(): Promise<void> {
    this.state = 'closed';
    if (this.#retry) clearTimeout(this.#retry);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  #announce(versions: DataVersions): void {
    const l = this.latest;
    if (l && l.writes >= versions.writes && l.snapshot >= versions.snapshot) return;
    this.latest = l
      ? { snapshot: Math.max(l.snapshot, versions.snapshot), writes: Math.max(l.writes, versions.writes) }
      : versions;
    this.onVersions(this.latest);
  }

  async #connect(): Promise<void> {
    if (this.state === 'closed') return;
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      connectionTimeoutMillis: 2_000,
    });
    this.#client = client;
    let failed = false;
    const lost = (why: string) => {
      if (failed || this.state === 'closed' || this.#client !== client) return;
      failed = true;
      this.#lost(client, why);
    };
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('connection ended'));
    client.on('notification', (message) => {
      if (message.channel !== DATA_VERSION_CHANNEL || !message.payload) return;
      const m = /^(\d+):(\d+)$/.exec(message.payload);
      if (!m) return;
      this.notifications++;
      this.#announce({ snapshot: Number(m[1]), writes: Number(m[2]) });
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${DATA_VERSION_CHANNEL}`);
      // Writes committed while no one listened: the versions as of now.
      const { rows } = await client.query<{ version: number; writes: number }>(
        'SELECT version, writes FROM data_version WHERE id = 1',
      );
      if (this.#client !== client || failed) return;
      this.connects++;
      if (this.state !== 'listening') this.say(`listening for the primary's write notifications`);
      this.state = 'listening';
      this.#delay = this.#options.retryMs;
      if (rows[0]) this.#announce({ snapshot: Number(rows[0].version), writes: Number(rows[0].writes) });
      this.#heartbeat = setInterval(() => {
        const timer = setTimeout(() => lost('no answer to the heartbeat'), this.#options.heartbeatMs);
        client.query('SELECT 1').then(
          () => clearTimeout(timer),
          (error: Error) => {
            clearTimeout(timer);
            lost(error.message);
          },
        );
      }, this.#options.heartbeatMs);
      this.#heartbeat.unref();
    } catch (error) {
      lost((error as Error).message);
    }
  }

  #lost(client: pg.Client, why: string): void {
    if (this.state === 'listening') this.say(`write notifications lost (${why}); reconnecting`);
    this.state = 'reconnecting';
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    this.#client = null;
    client.end().catch(() => {});
    const delay = this.#delay;
    this.#delay = Math.min(this.#options.maxRetryMs, this.#delay * 2);
    this.#retry = setTimeout(() => void this.#connect(), delay);
    this.#retry.unref();
  }

  /** Prometheus lines: whether the listener is up, and the notifications it has had. */
  prometheus(): string {
    return [
      "# HELP serviceatlas_version_listener_up Whether this replica listens for the primary's write notifications.",
      '# TYPE serviceatlas_version_listener_up gauge',
      `serviceatlas_version_listener_up ${this.state === 'listening' ? 1 : 0}`,
      '# HELP serviceatlas_version_notifications_total Write notifications received from the primary.',
      '# TYPE serviceatlas_version_notifications_total counter',
      `serviceatlas_version_notifications_total ${this.notifications}`,
      '',
    ].join('\n');
  }
}
