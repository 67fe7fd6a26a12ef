/**
 * The two data versions (src/db/data-version.ts): a saved scenario moves only `writes`, so it does not
 * reload the analysis snapshot (asserted on Services.snapshotLoads, not on timing); a write to a snapshot
 * input moves both and reloads it. On the embedded database the versions come from the commit
 * notifications, with no version query per request; on PostgreSQL one query per request (shared by
 * concurrent requests), so other processes' writes are seen at once (test/postgres/two-apps.test.ts).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { versionSourceFor } from '../../src/db/data-version.js';
import { backend } from '../helpers/db.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

const SAVE = `mutation($n: String!) { saveScenario(name: $n, changes: { closeServicePointIds: [] }) { id } }`;
const DELETE = `mutation($id: ID!) { deleteScenario(id: $id) }`;
const CLOSE = `mutation($id: ID!) { closeServicePoint(id: $id) { errors { code } } }`;
const ACCESS =
  '{ settlements(first: 10) { nodes { name access(serviceTypes: ["POST"]) { servicePoint { name } } } } }';
const TOKEN = { token: 'test-writer' };

describe('data versions: what a write invalidates', () => {
  let server: TestServer;
  let pointIds: string[];

  beforeAll(async () => {
    server = await startTestServer();
    await seed(server.app.db, {
      settlements: [aSettlement({ name: 'Grangärde', lon: 14.88, lat: 60.26 })],
      servicePoints: [
        aServicePoint({ name: 'Near post', serviceTypes: ['POST'], lon: 14.89, lat: 60.26 }),
        aServicePoint({ name: 'Far post', serviceTypes: ['POST'], lon: 15.63, lat: 60.6 }),
      ],
    });
    pointIds = (await server.app.db.selectFrom('service_points').select('id').orderBy('id').execute()).map(
      (r) => String(r.id),
    );
  });
  afterAll(() => server?.close());

  const services = () => server.running.services;

  it('loads the analysis snapshot before the port opens, so no first request loads it', async () => {
    const fresh = await startTestServer();
    try {
      const started = fresh.running.services;
      expect(started.snapshotLoads).toBe(1);
      expect(started.loadedSnapshot((await started.versions()).snapshot)).not.toBeNull();
      expect((await fresh.gql(ACCESS)).errors).toBeUndefined();
      expect(started.snapshotLoads).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('a saved (and a deleted) scenario moves `writes` but does not reload the snapshot', async () => {
    expect((await server.gql(ACCESS)).errors).toBeUndefined();
    const loads = services().snapshotLoads;
    const before = await services().versions();
    const saved = await server.gql<{ saveScenario: { id: string } }>(SAVE, { n: 'no change' }, TOKEN);
    expect(saved.errors).toBeUndefined();
    const afterSave = await services().versions();
    expect(afterSave.writes).toBe(before.writes + 1);
    expect(afterSave.snapshot).toBe(before.snapshot);
    expect((await server.gql(ACCESS)).errors).toBeUndefined();
    const deleted = await server.gql(DELETE, { id: saved.data!.saveScenario.id }, TOKEN);
    expect(deleted.errors).toBeUndefined();
    expect((await services().versions()).writes).toBe(before.writes + 2);
    expect((await server.gql(ACCESS)).errors).toBeUndefined();
    expect(services().snapshotLoads).toBe(loads);
  });

  it('a write to a snapshot input moves both versions and the next read sees it', async () => {
    const first = await server.gql<{
      settlements: { nodes: { access: { servicePoint: { name: string } }[] }[] };
    }>(ACCESS);
    expect(first.data!.settlements.nodes[0]!.access[0]!.servicePoint.name).toBe('Near post');
    const loads = services().snapshotLoads;
    const before = await services().versions();
    const closed = await server.gql<{ closeServicePoint: { errors: unknown[] } }>(
      CLOSE,
      { id: pointIds[0] },
      TOKEN,
    );
    expect(closed.data!.closeServicePoint.errors).toEqual([]);
    const after = await services().versions();
    expect(after.snapshot).toBe(before.snapshot + 1);
    expect(after.writes).toBe(before.writes + 1);
    const next = await server.gql<typeof first.data>(ACCESS);
    expect(next.data!.settlements.nodes[0]!.access[0]!.servicePoint.name).toBe('Far post');
    expect(services().snapshotLoads).toBe(loads + 1);
  });

  it('a deleted scenario is gone from the coverage layer at once (its map data is not kept)', async () => {
    const coverage = `query($id: ID!) { coverageLayer(serviceType: POST, scenario: $id) }`;
    const saved = await server.gql<{ saveScenario: { id: string } }>(SAVE, { n: 'to delete' }, TOKEN);
    const id = saved.data!.saveScenario.id;
    expect((await server.gql(coverage, { id })).errors).toBeUndefined();
    expect((await server.gql(DELETE, { id }, TOKEN)).errors).toBeUndefined();
    const gone = await server.gql(coverage, { id });
    expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  // Each backend has its own way of learning the versions: the test of the other is not registered
  // (a skipped test fails CI), as test/postgres/ is collected only with DATABASE_URL.
  if (backend === 'pglite')
    it('on the embedded database, writes (also by SQL) are known from their commit notification, with no version query', async () => {
      const source = versionSourceFor(server.app.db);
      expect(source.kind).toBe('notified');
      const before = await services().versions();
      const queries = source.queries;
      await server.gql(SAVE, { n: 'notified' }, TOKEN);
      await sql`UPDATE data_version SET version = version + 1, writes = writes + 1`.execute(server.app.db);
      await server.gql(ACCESS);
      const after = await services().versions();
      expect(after).toEqual({ snapshot: before.snapshot + 1, writes: before.writes + 2 });
      expect(source.queries).toBe(queries);
    });

  if (backend === 'postgres')
    it('on PostgreSQL, every read asks (so a write by another process is seen), concurrent reads share a query', async () => {
      const source = versionSourceFor(server.app.db);
      expect(source.kind).toBe('queried');
      const before = await source.read();
      // A write this process does not make: straight to the table.
      await sql`UPDATE data_version SET writes = writes + 1`.execute(server.app.db);
      expect((await source.read()).writes).toBe(before.writes + 1);
      const queries = source.queries;
      const all = await Promise.all(Array.from({ length: 20 }, () => source.read()));
      expect(new Set(all.map((v) => v.writes))).toEqual(new Set([before.writes + 1]));
      expect(source.queries - queries).toBeLessThanOrEqual(2);
    });
});
