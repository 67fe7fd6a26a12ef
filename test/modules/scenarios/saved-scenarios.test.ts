import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aServicePoint, aSettlement, seed } from '../../helpers/seed.js';
import type { TestServer } from '../../helpers/server.js';
import { startTestServer } from '../../helpers/server.js';
import { LON, idsByName, latAt } from '../../support/meridian.js';

const TOKEN = 'test-writer';
const SAVE = `mutation($name: String!, $description: String, $changes: ScenarioInput!) {
  saveScenario(name: $name, description: $description, changes: $changes) {
    id name description changes createdBy createdAt
    evaluation { populationLosingAccess }
  } }`;
const DELETE = 'mutation($id: ID!) { deleteScenario(id: $id) }';
const ONE = `query($id: ID!) { scenario(id: $id) {
  id name evaluation { populationLosingAccess ignoredServicePointIds closedServicePoints { name }
                       byServiceType { losingAccess { settlement { name } } } } } }`;
const LIST = '{ scenarios { id name } }';

interface Saved {
  saveScenario: {
    id: string;
    name: string;
    description: string | null;
    changes: unknown;
    createdBy: string | null;
    createdAt: string;
    evaluation: { populationLosingAccess: number };
  };
}
interface One {
  scenario: {
    id: string;
    name: string;
    evaluation: {
      populationLosingAccess: number;
      ignoredServicePointIds: string[];
      closedServicePoints: { name: string }[];
      byServiceType: { losingAccess: { settlement: { name: string } }[] }[];
    };
  } | null;
}

/*
 * Grocery stores at km 0 (G1) and km 6 (G2); S2 at km 10 (200 people) and S3 at km 12 (300) depend on G2
 * (their next store, G1, is 11.6 and 13.9 min away; the threshold is 10). Closing G2 costs 500 people access.
 */
describe('saved scenarios over GraphQL', () => {
  let server: TestServer;
  let g2: string;

  beforeAll(async () => {
    server = await startTestServer();
    await seed(server.app.db, {
      settlements: [
        aSettlement({ name: 'S2', lon: LON, lat: latAt(10), population: 200 }),
        aSettlement({ name: 'S3', lon: LON, lat: latAt(12), population: 300 }),
      ],
      servicePoints: [
        aServicePoint({ name: 'G1', lon: LON, lat: latAt(0), externalId: 'test:g1' }),
        aServicePoint({ name: 'G2', lon: LON, lat: latAt(6), externalId: 'test:g2' }),
      ],
    });
    g2 = (await idsByName(server, 'servicePoints')).get('G2')!;
  });
  afterAll(() => server?.close());

  const closeG2 = () => ({ closeServicePointIds: [g2] });
  const auditRows = () =>
    server.app.db.selectFrom('audit_log').select(['actor', 'action', 'target']).orderBy('id').execute();

  it('refuses to save without a valid write token (UNAUTHENTICATED) and saves nothing', async () => {
    const none = await server.gql(SAVE, { name: 'Close G2', changes: closeG2() });
    expect(none.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const wrong = await server.gql(SAVE, { name: 'Close G2', changes: closeG2() }, { token: 'not-a-token' });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await server.gql<{ scenarios: unknown[] }>(LIST)).data!.scenarios).toEqual([]);
    expect(await auditRows()).toEqual([]);
  });

  let id: string;

  it('saves with a write token, evaluates, lists it and audits the write', async () => {
    const r = await server.gql<Saved>(
      SAVE,
      { name: '  Close G2 ', description: 'What if the store at km 6 closes?', changes: closeG2() },
      { token: TOKEN },
    );
    expect(r.errors).toBeUndefined();
    const saved = r.data!.saveScenario;
    id = saved.id;
    expect(saved.name).toBe('Close G2');
    expect(saved.description).toBe('What if the store at km 6 closes?');
    expect(saved.changes).toEqual({ closeServicePointIds: [g2], addServicePoints: [], thresholdMinutes: [] });
    // The actor id of the legacy token (its position in SERVICEATLAS_WRITE_TOKENS), never a hash of it.
    expect(saved.createdBy).toBe('write-token#1');
    expect(Number.isNaN(Date.parse(saved.createdAt))).toBe(false);
    expect(saved.evaluation.populationLosingAccess).toBe(500);

    expect((await server.gql<{ scenarios: unknown[] }>(LIST)).data!.scenarios).toEqual([
      { id, name: 'Close G2' },
    ]);
    const one = await server.gql<One>(ONE, { id });
    expect(
      one.data!.scenario!.evaluation.byServiceType[0]!.losingAccess.map((c) => c.settlement.name),
    ).toEqual(['S2', 'S3']);
    expect(await auditRows()).toEqual([
      { actor: saved.createdBy, action: 'scenario.save', target: `scenario:${id}` },
    ]);
  });

  it('refuses to save changes that do not fit the current data (BAD_USER_INPUT), saving nothing', async () => {
    const r = await server.gql(
      SAVE,
      { name: 'Bad', changes: { closeServicePointIds: ['424242'] } },
      { token: TOKEN },
    );
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toContain('424242');
    const blank = await server.gql(SAVE, { name: '   ', changes: closeG2() }, { token: TOKEN });
    expect(blank.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await server.gql<{ scenarios: unknown[] }>(LIST)).data!.scenarios).toHaveLength(1);
  });

  it('re-evaluates a saved scenario on the current data', async () => {
    // A new store at km 11 serves S2 (1 km) and S3 (1 km): closing G2 no longer costs anyone access.
    await seed(server.app.db, {
      servicePoints: [aServicePoint({ name: 'G4', lon: LON, lat: latAt(11), externalId: 'test:g4' })],
    });
    const after = await server.gql<One>(ONE, { id });
    expect(after.errors).toBeUndefined();
    expect(after.data!.scenario!.evaluation.populationLosingAccess).toBe(0);
    expect(after.data!.scenario!.evaluation.closedServicePoints).toEqual([{ name: 'G2' }]);

    // G2 itself closes for real: the saved change is left out and reported, not an error.
    await seed(server.app.db, {
      servicePoints: [
        aServicePoint({ name: 'G2', lon: LON, lat: latAt(6), externalId: 'test:g2', status: 'CLOSED' }),
      ],
    });
    const gone = await server.gql<One>(ONE, { id });
    expect(gone.errors).toBeUndefined();
    expect(gone.data!.scenario!.evaluation.ignoredServicePointIds).toEqual([g2]);
    expect(gone.data!.scenario!.evaluation.closedServicePoints).toEqual([]);
  });

  it('deletes only with a write token, audits it, and answers false for a missing scenario', async () => {
    const anonymous = await server.gql(DELETE, { id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await server.gql<One>(ONE, { id })).data!.scenario).not.toBeNull();

    const r = await server.gql<{ deleteScenario: boolean }>(DELETE, { id }, { token: TOKEN });
    expect(r.data!.deleteScenario).toBe(true);
    expect((await server.gql<One>(ONE, { id })).data!.scenario).toBeNull();
    expect(
      (await server.gql<{ deleteScenario: boolean }>(DELETE, { id }, { token: TOKEN })).data!.deleteScenario,
    ).toBe(false);
    expect((await auditRows()).map((a) => [a.action, a.target])).toEqual([
      ['scenario.save', `scenario:${id}`],
      ['scenario.delete', `scenario:${id}`],
    ]);
  });

  it('answers null for an id that cannot exist', async () => {
    const r = await server.gql<One>(ONE, { id: 'not-an-id' });
    expect(r.errors).toBeUndefined();
    expect(r.data!.scenario).toBeNull();
  });
});

describe('saved scenarios on a server without write tokens', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { writeTokens: [] } });
  });
  afterAll(() => server?.close());

  it('refuses a token that is no longer configured as UNAUTHENTICATED (writes need an API key then)', async () => {
    const r = await server.gql(SAVE, { name: 'x', changes: {} }, { token: TOKEN });
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
