/**
 * The GraphQL response cache (src/graphql/response-cache.ts): identical reads are answered from it, and
 * never after a write that changes the answer — for every kind of write (a service point created and
 * closed, a settlement updated, a scenario saved and deleted). Mutations, errors and answers for one key
 * are never served to another. Asserted on answers and on the cache's counters, not on timings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import type { TestKeys } from '../writes/fixtures.js';
import {
  CLOSE,
  CREATE,
  PLACES,
  UPDATE_SETTLEMENT,
  createKeys,
  seedAreas,
  seedGrangardeAndFalunPost,
} from '../writes/fixtures.js';

const ACCESS = `query($id: ID!) { settlement(id: $id) { population access(serviceTypes: ["POST"]) {
  servicePoint { name } withinThreshold } } }`;
const SCENARIOS = '{ scenarios { id name } }';
const AUDIT = '{ auditLog(first: 50) { totalCount nodes { action actor } } }';
const SAVE = `mutation($n: String!) { saveScenario(name: $n, changes: { closeServicePointIds: [] }) { id } }`;

interface Access {
  settlement: {
    population: number;
    access: { servicePoint: { name: string } | null; withinThreshold: boolean }[];
  };
}

describe('the GraphQL response cache', () => {
  let server: TestServer;
  let keys: TestKeys;
  let grangarde: string;
  const at = { lon: PLACES.grangarde.lon, lat: PLACES.grangarde.lat };

  beforeAll(async () => {
    server = await startTestServer();
    await seedAreas(server.app.db);
    keys = await createKeys(server.app.db);
    grangarde = await seedGrangardeAndFalunPost(server.app.db);
  });
  afterAll(() => server?.close());

  const stats = () => ({ ...server.running.responseCache.stats });
  const access = async () => {
    const r = await server.gql<Access>(ACCESS, { id: grangarde });
    expect(r.errors).toBeUndefined();
    return r.data!.settlement;
  };
  const scenarioNames = async () => {
    const r = await server.gql<{ scenarios: { id: string; name: string }[] }>(SCENARIOS);
    expect(r.errors).toBeUndefined();
    return r.data!.scenarios.map((s) => s.name);
  };

  it('answers an identical read from the cache (the same answer, one execution)', async () => {
    const before = stats();
    const first = await access();
    const second = await access();
    expect(second).toEqual(first);
    const after = stats();
    expect(after.misses - before.misses).toBe(1);
    expect(after.hits - before.hits).toBe(1);
  });

  it('a kept answer is compressed for clients that ask (the same JSON, compressed once)', async () => {
    const post = (encoding: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-encoding': encoding },
        body: JSON.stringify({ query: '{ __schema { types { name description } } }' }),
      });
    const plain = await post('identity');
    const bodies: unknown[] = [await plain.json()];
    for (const encoding of ['br', 'gzip', 'br', 'gzip']) {
      const res = await post(encoding);
      expect(res.headers.get('content-encoding')).toBe(encoding);
      bodies.push(await res.json());
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
  });

  it('concurrent identical misses execute once', async () => {
    const before = stats();
    const all = await Promise.all(
      Array.from({ length: 6 }, () =>
        server.gql<Access>(`${ACCESS} # concurrent`, { id: grangarde }).then((r) => r.data),
      ),
    );
    expect(new Set(all.map((d) => JSON.stringify(d))).size).toBe(1);
    // Whether the others waited for the first or came after it, only one request executed.
    expect(stats().misses - before.misses).toBe(1);
  });

  it('a created service point (a snapshot input) is seen by the next identical read', async () => {
    expect((await access()).access[0]).toMatchObject({
      servicePoint: { name: 'Falun post' },
      withinThreshold: false,
    });
    const created = await server.gql<{
      createServicePoint: { servicePoint: { id: string }; errors: unknown[] };
    }>(
      CREATE,
      { input: { name: 'Paketskåp Grangärde', serviceTypes: ['POST'], location: at } },
      { token: keys.plannerLudvika },
    );
    expect(created.data!.createServicePoint.errors).toEqual([]);
    expect((await access()).access[0]).toMatchObject({
      servicePoint: { name: 'Paketskåp Grangärde' },
      withinThreshold: true,
    });
    // ...and so is its closing.
    const closed = await server.gql<{ closeServicePoint: { errors: unknown[] } }>(
      CLOSE,
      { id: created.data!.createServicePoint.servicePoint.id },
      { token: keys.plannerLudvika },
    );
    expect(closed.data!.closeServicePoint.errors).toEqual([]);
    expect((await access()).access[0]).toMatchObject({ servicePoint: { name: 'Falun post' } });
  });

  it('an updated settlement is seen by the next identical read', async () => {
    expect((await access()).population).toBe(800);
    const updated = await server.gql<{ updateSettlement: { errors: unknown[] } }>(
      UPDATE_SETTLEMENT,
      { id: grangarde, input: { population: 900 } },
      { token: keys.plannerLudvika },
    );
    expect(updated.data!.updateSettlement.errors).toEqual([]);
    expect((await access()).population).toBe(900);
  });

  it('a saved and a deleted scenario are seen by the next identical read (no snapshot reload needed)', async () => {
    const names = await scenarioNames();
    expect(await scenarioNames()).toEqual(names);
    const saved = await server.gql<{ saveScenario: { id: string } }>(
      SAVE,
      { n: 'cached?' },
      { token: keys.admin },
    );
    expect(saved.errors).toBeUndefined();
    expect(await scenarioNames()).toEqual([...names, 'cached?']);
    const deleted = await server.gql(
      'mutation($id: ID!) { deleteScenario(id: $id) }',
      { id: saved.data!.saveScenario.id },
      { token: keys.admin },
    );
    expect(deleted.errors).toBeUndefined();
    expect(await scenarioNames()).toEqual(names);
  });

  it('never keeps a mutation', async () => {
    const before = stats();
    const a = await server.gql<{ saveScenario: { id: string } }>(SAVE, { n: 'twice' }, { token: keys.admin });
    const b = await server.gql<{ saveScenario: { id: string } }>(SAVE, { n: 'twice' }, { token: keys.admin });
    expect(a.data!.saveScenario.id).not.toBe(b.data!.saveScenario.id);
    expect(stats().stored).toBe(before.stored);
  });

  it('never keeps an answer with errors', async () => {
    const before = stats();
    const bad = '{ settlements(first: -1) { nodes { id } } }';
    const first = await server.gql(bad);
    const second = await server.gql(bad);
    expect(first.errors?.length).toBeGreaterThan(0);
    expect(second.errors?.length).toBeGreaterThan(0);
    const after = stats();
    expect(after.stored).toBe(before.stored);
    expect(after.hits).toBe(before.hits);
  });

  it("never gives one key's answer to another key or to an anonymous caller", async () => {
    const admin = await server.gql<{ auditLog: { totalCount: number } }>(AUDIT, undefined, {
      token: keys.admin,
    });
    expect(admin.errors).toBeUndefined();
    expect(admin.data!.auditLog.totalCount).toBeGreaterThan(0);
    const again = await server.gql(AUDIT, undefined, { token: keys.admin });
    expect(again.data).toEqual(admin.data);
    const before = stats();
    const anonymous = await server.gql(AUDIT);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const reader = await server.gql(AUDIT, undefined, { token: keys.reader });
    // The reader's answer is its own (executed, not the admin's kept one), whatever its role may see.
    expect(stats().hits).toBe(before.hits);
    expect(reader).not.toBe(admin);
  });
});
