/**
 * A read standby that dies in the middle of a request (src/db/read-replicas.ts, FallbackDriver): the
 * request's later page queries, which go to the standby it was given, run on the primary instead of
 * failing, and the standby is marked down (reads move to the primary until a poll finds it again). A
 * transaction on the dead standby fails whole (its caller, the snapshot load, moves to the primary).
 * The "standby" is the test database behind a TCP relay this test cuts (a stand-in for a machine that
 * dies: connections reset, new ones refused). PostgreSQL-only.
 */
import type { Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadRouter } from '../../src/db/read-replicas.js';
import { readRouterFor } from '../../src/db/read-replicas.js';
import type { TestDatabase } from '../helpers/db.js';
import { freshDatabase } from '../helpers/db.js';
import { aSettlement, seed } from '../helpers/seed.js';

let database: TestDatabase;
let relay: Server;
const sockets = new Set<Socket>();
let router: ReadRouter;

/** A TCP relay to the database server; cut() resets every connection and refuses new ones. */
function startRelay(host: string, port: number): Promise<number> {
  relay = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  return new Promise((resolve) =>
    relay.listen(0, '127.0.0.1', () => resolve((relay.address() as { port: number }).port)),
  );
}

function cut(): Promise<void> {
  for (const s of sockets) s.resetAndDestroy();
  sockets.clear();
  return new Promise((resolve) => relay.close(() => resolve()));
}

const count = async (db: ReadRouter['primary']['db']) =>
  Number(
    (
      await db
        .selectFrom('settlements')
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  database = await freshDatabase();
  await seed(database.handle.db, {
    settlements: [aSettlement({ name: 'Norrby' }), aSettlement({ name: 'Söderby' })],
  });
  const url = new URL(database.url!);
  const port = await startRelay(url.hostname, Number(url.port || 5432));
  const standby = new URL(database.url!);
  standby.hostname = '127.0.0.1';
  standby.port = String(port);
  router = readRouterFor(database.handle.db, [standby.toString()], { maxLagMs: 60_000, pollMs: 60_000 });
  await router.start();
}, 120_000);

afterAll(async () => {
  await router?.close();
  if (relay?.listening) await cut();
  await database?.close();
});

describe('a read standby dying in the middle of a request', () => {
  it('moves the request’s later queries to the primary, with the same answers, and marks the standby down', async () => {
    const { target } = await router.versionsOn(async (db) => {
      const row = await db.selectFrom('data_version').select(['version', 'writes']).executeTakeFirstOrThrow();
      return { snapshot: row.version, writes: row.writes };
    });
    expect(target.role).toBe('standby');
    // The request's first page, on the standby…
    expect(await count(target.db)).toBe(2);
    expect(sockets.size).toBeGreaterThan(0);
    await cut();
    // …then the standby dies: the next pages of the same request (same target) still answer.
    expect(await count(target.db)).toBe(2);
    expect(await count(target.db)).toBe(2);
    expect(router.status().standbys[0]!.state).toBe('down');
    expect(router.pick().role).toBe('primary');
    // A transaction must not be split between two databases: it fails, and its caller moves.
    await expect(
      target.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute((trx) => count(trx as unknown as ReadRouter['primary']['db'])),
    ).rejects.toThrow();
  });
});
