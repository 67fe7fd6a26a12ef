/**
 * The embedded database in a worker thread of its own (SERVICEATLAS_PGLITE_WORKER=on; src/db/pglite-remote.ts):
 * the same Kysely code path, answers and errors as in-process, transactions pinned, the data-dir lock held
 * by the opening thread — and the event loop free while a query runs (issue 19: PGlite's SQL blocked
 * /healthz). Embedded only by nature: it runs the same whichever backend the suite is on.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DbHandle } from '../../src/db/client.js';
import { createDb } from '../../src/db/client.js';
import { DataDirBusyError } from '../../src/db/data-dir-lock.js';

const template = () => new Blob([readFileSync(inject('pgliteTemplate'))]);

describe('PGlite in its worker thread', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createDb({ loadDataDir: template(), pgliteWorker: true });
  }, 180_000);
  afterAll(() => handle?.close());

  it('runs parameterised queries with PostGIS and returns typed rows', async () => {
    expect(handle.pglite).toBeUndefined(); // not in this thread
    const { rows } = await sql<{ n: number; at: Date; bytes: Uint8Array; doc: unknown; wkt: string }>`
      select ${41}::int + 1 as n, ${new Date('2026-03-01T00:00:00Z')}::timestamptz as at,
             ${new Uint8Array([1, 2, 255])}::bytea as bytes, ${JSON.stringify({ a: [1, 'å'] })}::jsonb as doc,
             ST_AsText(ST_Transform(ST_SetSRID(ST_MakePoint(${15.0}, ${60.0}), 4326), 3006)) as wkt`.execute(
      handle.db,
    );
    expect(rows[0]!.n).toBe(42);
    expect(rows[0]!.at).toEqual(new Date('2026-03-01T00:00:00Z'));
    expect([...rows[0]!.bytes]).toEqual([1, 2, 255]);
    expect(rows[0]!.doc).toEqual({ a: [1, 'å'] });
    expect(rows[0]!.wkt).toMatch(/^POINT\(5\d{5}\.\d+ 66\d{5}\.\d+\)$/);
    // The Kysely query builder too (the migrated template's catalogue).
    const types = await handle.db.selectFrom('service_types').select('code').orderBy('code').execute();
    expect(types.length).toBeGreaterThan(0);
  });

  it('keeps the SQLSTATE code and fields of an error', async () => {
    await sql`create table w (id int primary key)`.execute(handle.db);
    await sql`insert into w values (${1})`.execute(handle.db);
    const error = await sql`insert into w values (${1})`.execute(handle.db).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: '23505', constraint: 'w_pkey' });
    expect((error as Error).message).toMatch(/duplicate key/);
    await expect(sql`select * from nowhere`.execute(handle.db)).rejects.toMatchObject({ code: '42P01' });
    // The connection is usable after an error.
    expect((await sql<{ n: number }>`select count(*)::int as n from w`.execute(handle.db)).rows).toEqual([
      { n: 1 },
    ]);
  });

  it('pins a transaction to the one connection: nothing slips between BEGIN and COMMIT; a rollback undoes', async () => {
    const seen: string[] = [];
    const tx = handle.db.transaction().execute(async (t) => {
      await sql`insert into w values (${2})`.execute(t);
      await new Promise((r) => setTimeout(r, 50));
      seen.push('tx');
      await sql`insert into w values (${3})`.execute(t);
    });
    const outside = sql<{ n: number }>`select count(*)::int as n from w`.execute(handle.db).then((r) => {
      seen.push('outside');
      return r.rows[0]!.n;
    });
    await tx;
    expect(await outside).toBe(3); // it waited for the commit
    expect(seen).toEqual(['tx', 'outside']);
    await expect(
      handle.db.transaction().execute(async (t) => {
        await sql`insert into w values (${4})`.execute(t);
        await sql`insert into w values (${4})`.execute(t);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const { rows } = await sql<{ id: number }>`select id from w order by id`.execute(handle.db);
    expect(rows.map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('leaves the event loop free while a query runs (a timer fires before a long query answers)', async () => {
    const order: string[] = [];
    const long =
      sql`select sum(ST_Area(ST_Buffer(ST_MakePoint(g, g), 1, 64))) from generate_series(1, 4000) g`
        .execute(handle.db)
        .then(() => order.push('query'));
    await new Promise((r) => setTimeout(r, 0));
    order.push('timer');
    await long;
    expect(order).toEqual(['timer', 'query']);
  });

  it('dumps the data directory (tests’ template)', async () => {
    const dump = await handle.dumpDataDir!('gzip');
    expect(dump.size).toBeGreaterThan(1_000_000);
  });
});

describe('PGlite in its worker thread on a data directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'serviceatlas-pglite-worker-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('holds the directory’s lock while open, keeps what was written after close and reopen', async () => {
    const dir = join(root, 'db');
    const first = await createDb({ dataDir: dir, loadDataDir: template(), pgliteWorker: true });
    try {
      await sql`create table kept (v text)`.execute(first.db);
      await sql`insert into kept values (${'written in the worker'})`.execute(first.db);
      await expect(createDb({ dataDir: dir, lock: { waitMs: 0 } })).rejects.toBeInstanceOf(DataDirBusyError);
    } finally {
      await first.close();
    }
    const second = await createDb({ dataDir: dir, pgliteWorker: false });
    try {
      const { rows } = await sql<{ v: string }>`select v from kept`.execute(second.db);
      expect(rows).toEqual([{ v: 'written in the worker' }]);
    } finally {
      await second.close();
    }
  }, 240_000);
});
