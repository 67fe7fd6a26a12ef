import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataVersions } from '../../src/db/data-version.js';
import type { StandbyHandle } from '../../src/db/read-replicas.js';
import { ReadRouter } from '../../src/db/read-replicas.js';
import type { TestDatabase } from '../helpers/db.js';
import { freshDatabase } from '../helpers/db.js';

/**
 * The read router's choices (src/db/read-replicas.ts), on either backend: three databases stand in for a
 * primary and two standbys, their `data_version` rows set by hand, the clock injected. Real streaming
 * replication is test/postgres/cluster.test.ts.
 */
let primary: TestDatabase;
let standbyA: TestDatabase;
let gone: TestDatabase;
let clock = 1_000_000;
const MAX_LAG = 1_000;

const setWrites = (db: TestDatabase, writes: number) =>
  sql`UPDATE data_version SET writes = ${writes}, version = ${writes} WHERE id = 1`.execute(db.handle.db);

const handle = (name: string, db: TestDatabase): StandbyHandle => ({
  name,
  db: db.handle.db,
  close: async () => {},
});

beforeAll(async () => {
  [primary, standbyA, gone] = await Promise.all([freshDatabase(), freshDatabase(), freshDatabase()]);
  await gone.close();
});
afterAll(async () => {
  await primary?.close();
  await standbyA?.close();
});

const newRouter = () =>
  new ReadRouter(primary.handle.db, [handle('standby-a', standbyA), handle('gone', gone)], {
    maxLagMs: MAX_LAG,
    pollMs: 100,
    now: () => clock,
  });

describe('the read router', () => {
  it('reads from a standby that has the primary’s writes, and reports a dead one as down', async () => {
    await setWrites(primary, 10);
    await setWrites(standbyA, 10);
    const router = newRouter();
    await router.poll();
    expect(router.pick().name).toBe('standby-a');
    const status = router.status();
    expect(status.reads).toBe('standby-a');
    expect(status.standbys.map((s) => [s.name, s.state, s.lagMs])).toEqual([
      ['standby-a', 'ok', 0],
      ['gone', 'down', null],
    ]);
    expect(router.prometheus()).toContain('serviceatlas_read_database{database="standby-a"} 1');
  });

  it('keeps a lagging standby until it is further behind than the limit, then reads on the primary', async () => {
    await setWrites(primary, 20);
    await setWrites(standbyA, 20);
    const router = newRouter();
    await router.poll();
    await setWrites(primary, 21);
    await router.poll();
    // Behind, but for less than the limit: the standby answers its (older) version.
    clock += MAX_LAG / 2;
    await router.poll();
    expect(router.status().standbys[0]).toMatchObject({ state: 'ok', lagMs: MAX_LAG / 2, writes: 20 });
    const onStandby = await router.versionsOn(readDataVersions);
    expect([onStandby.target.name, onStandby.versions.writes]).toEqual(['standby-a', 20]);
    clock += MAX_LAG;
    await router.poll();
    expect(router.status().standbys[0]).toMatchObject({ state: 'lagging', lagMs: MAX_LAG * 1.5 });
    const onPrimary = await router.versionsOn(readDataVersions);
    expect([onPrimary.target.name, onPrimary.versions.writes]).toEqual(['primary', 21]);
    // Caught up: back to the standby.
    await setWrites(standbyA, 21);
    await router.poll();
    expect(router.pick().name).toBe('standby-a');
  });

  it('never goes back to a version older than one it served, and honours a minimum version', async () => {
    await setWrites(primary, 30);
    await setWrites(standbyA, 30);
    const router = newRouter();
    await router.poll();
    // A client that wrote version 31 (primary) asks for it: the standby has not got it.
    await setWrites(primary, 31);
    const mine = await router.versionsOn(readDataVersions, 31);
    expect([mine.target.name, mine.versions.writes]).toEqual(['primary', 31]);
    // Having served 31, the process does not read version 30 on the standby again.
    expect(router.pick().name).toBe('primary');
    await setWrites(standbyA, 31);
    await router.poll();
    expect(router.pick().name).toBe('standby-a');
  });

  it('moves a read whose standby fails to the primary, with no error', async () => {
    await setWrites(primary, 40);
    await setWrites(standbyA, 40);
    const router = newRouter();
    await router.poll();
    let calls = 0;
    const failOnStandby = async (db: typeof primary.handle.db) => {
      calls++;
      if (db === standbyA.handle.db) throw new Error('connection refused');
      return readDataVersions(db);
    };
    const read = await router.versionsOn(failOnStandby);
    expect([read.target.name, read.versions.writes, calls]).toEqual(['primary', 40, 2]);
    expect(router.status().standbys[0]).toMatchObject({ state: 'down', error: 'connection refused' });
    expect(router.pick().name).toBe('primary');
  });
});
