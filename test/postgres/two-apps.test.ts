import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { openApp } from '../../src/app.js';
import { createDb } from '../../src/db/client.js';
import { importFile } from '../../src/modules/imports/import.service.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../../src/server.js';
import { testConfig } from '../helpers/db.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

/**
 * Two API processes on one PostgreSQL database (two apps, each with its own connection pool, caches and
 * analysis snapshot — what two processes behind a load balancer hold): a write through A is seen by the
 * very next read through B, because every request checks the data version (src/db/data-version.ts).
 * PostgreSQL-only: vitest.config.ts collects test/postgres/ only when DATABASE_URL is set.
 */
let a: TestServer;
let appB: App;
let b: RunningServer;

const gql = async <T>(url: string, query: string, variables?: Record<string, unknown>, token?: string) => {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data as T;
};

beforeAll(async () => {
  a = await startTestServer();
  await seed(a.app.db, {
    settlements: [
      aSettlement({ name: 'Norrby', lon: 15, lat: 60, population: 1200 }),
      aSettlement({ name: 'Söderby', lon: 15, lat: 60.5, population: 800 }),
    ],
    servicePoints: [aServicePoint({ name: 'Norrby livs', lon: 15, lat: 60.01, serviceTypes: ['GROCERY'] })],
  });
  const handle = await createDb({ databaseUrl: a.database.url! });
  appB = await openApp(testConfig(), { handle });
  b = await startServer({ app: appB, config: appB.config, port: 0 });
}, 180_000);

afterAll(async () => {
  await b?.close();
  await appB?.close();
  await a?.close();
});

interface Indicators {
  accessIndicators: { population: number; populationBeyondThreshold: number }[];
  settlements: { totalCount: number };
}
const INDICATORS = `{ accessIndicators(serviceTypes: [GROCERY], groupBy: COUNTY) { population populationBeyondThreshold }
  settlements(first: 1) { totalCount } }`;

describe('two API processes on one PostgreSQL database', () => {
  it('B lists a scenario saved through A at once, and evaluates it', async () => {
    expect((await gql<{ scenarios: unknown[] }>(b.url, '{ scenarios { id } }')).scenarios).toEqual([]);
    const saved = await gql<{ saveScenario: { id: string } }>(
      a.url,
      `mutation($changes: ScenarioInput!) { saveScenario(name: "Ny butik i Söderby", changes: $changes) { id } }`,
      {
        changes: {
          addServicePoints: [{ name: 'Ny', location: { lon: 15, lat: 60.5 }, serviceTypes: ['GROCERY'] }],
        },
      },
      'test-writer',
    );
    const listed = await gql<{ scenarios: { id: string; name: string }[] }>(
      b.url,
      '{ scenarios { id name } }',
    );
    expect(listed.scenarios).toEqual([{ id: saved.saveScenario.id, name: 'Ny butik i Söderby' }]);
    const evaluated = await gql<{ scenario: { evaluation: { populationGainingAccess: number } } }>(
      b.url,
      `query($id: ID!) { scenario(id: $id) { evaluation { populationGainingAccess } } }`,
      { id: saved.saveScenario.id },
    );
    // Söderby (800) is 55 km from the only grocery and gets one at its own location.
    expect(evaluated.scenario.evaluation.populationGainingAccess).toBe(800);
  });

  it('B’s analyses include rows imported through A at once (its snapshot rebuilds on the new data version)', async () => {
    const before = await gql<Indicators>(b.url, INDICATORS);
    const versionBefore = await b.services.dataVersion();
    const dir = mkdtempSync(join(tmpdir(), 'sa-two-apps-'));
    const file = join(dir, 'places.csv');
    // Three places far from any grocery (all beyond the threshold): 300 + 400 + 500 people.
    writeFileSync(
      file,
      'externalId,name,population,lon,lat,municipalityCode,countyCode\n' +
        'two:1,Ett,300,17,63,2283,22\ntwo:2,Två,400,17.2,63.1,2283,22\ntwo:3,Tre,500,17.4,63.2,2283,22\n',
    );
    const summary = await importFile(a.app.db, { kind: 'settlements', file, crs: 'EPSG:4326' }).finally(() =>
      rmSync(dir, { recursive: true, force: true }),
    );
    expect(summary.inserted).toBe(3);
    const after = await gql<Indicators>(b.url, INDICATORS);
    expect(after.settlements.totalCount).toBe(before.settlements.totalCount + 3);
    const sum = (rows: Indicators['accessIndicators'], k: 'population' | 'populationBeyondThreshold') =>
      rows.reduce((s, r) => s + r[k], 0);
    expect(sum(after.accessIndicators, 'population')).toBe(sum(before.accessIndicators, 'population') + 1200);
    expect(sum(after.accessIndicators, 'populationBeyondThreshold')).toBe(
      sum(before.accessIndicators, 'populationBeyondThreshold') + 1200,
    );
    expect(await b.services.dataVersion()).toBe(versionBefore + 1);
    expect((await b.services.snapshot()).version).toBe(versionBefore + 1);
  });

  it('A sees a service point B’s writer added (both directions)', async () => {
    const q = `{ settlements(first: 10, filter: { name: "Ett" }) { nodes { access(serviceTypes: [GROCERY]) { straightLineKm } } } }`;
    type Access = { settlements: { nodes: { access: { straightLineKm: number | null }[] }[] } };
    const far = (await gql<Access>(a.url, q)).settlements.nodes[0]!.access[0]!.straightLineKm;
    expect(far).toBeGreaterThan(100);
    await seed(appB.db, {
      servicePoints: [aServicePoint({ name: 'Ett livs', lon: 17, lat: 63, serviceTypes: ['GROCERY'] })],
    });
    const near = (await gql<Access>(a.url, q)).settlements.nodes[0]!.access[0]!.straightLineKm;
    expect(near).toBeCloseTo(0, 6);
  });
});
