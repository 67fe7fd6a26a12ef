// biome-ignore-all lint/suspicious/noExplicitAny: the test reads GeoJSON properties loosely and asserts on them
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImportJob } from '../../src/modules/imports/import-jobs.js';
import { backend, testConfig } from '../helpers/db.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { fetchOnce } from './fixture.js';

/**
 * The `grid` collection appears once a population grid is loaded, with each square's residents and access,
 * and the municipalities collection then counts residents from the grid (populationBase GRID), as
 * GraphQL accessIndicators does.
 */
describe(`OGC API grid collection (${backend})`, () => {
  let server: TestServer;
  // 20 one-km squares of 2085 in a line north from the pharmacy (SWEREF 99 TM, central meridian 15°E).
  const cells = Array.from({ length: 20 }, (_, k) => ({
    rutid: `500000${6654000 + k * 2000}`,
    population: 10 + k,
  }));

  beforeAll(async () => {
    // A generous time budget: the machines running the suite are shared and often loaded.
    server = await startTestServer({
      config: { limits: { ...testConfig().limits, requestTimeoutMs: 120_000 } },
    });
    await seed(server.app.db, {
      settlements: [
        aSettlement({ name: 'Town', population: 5000, municipalityCode: '2085', lon: 15, lat: 60 }),
        aSettlement({ name: 'Other', population: 700, municipalityCode: '2084', lon: 15.2, lat: 60 }),
      ],
      servicePoints: [aServicePoint({ serviceTypes: ['PHARMACY', 'GROCERY'], lon: 15, lat: 60 })],
    });
    const collections = (await (await fetchOnce(`${server.url}/ogc/collections`)).json()) as {
      collections: { id: string }[];
    };
    expect(collections.collections.map((c) => c.id)).not.toContain('grid');
    const file = join(mkdtempSync(join(tmpdir(), 'ogc-grid-')), 'cells.csv');
    writeFileSync(
      file,
      `rutid,pop,kommun\n${cells.map((c) => `${c.rutid},${c.population},2085`).join('\n')}\n`,
    );
    await runImportJob(server.app.db, {
      kind: 'grid',
      file,
      options: { map: 'population=pop,municipalityCode=kommun' },
    });
  });
  afterAll(async () => server?.close());

  it('lists grid squares with their residents and access; indicators count the grid', async () => {
    const collections = (await (await fetchOnce(`${server.url}/ogc/collections`)).json()) as {
      collections: { id: string }[];
    };
    expect(collections.collections.map((c) => c.id)).toContain('grid');
    const res = await fetchOnce(`${server.url}/ogc/collections/grid/items?serviceType=PHARMACY&limit=100`);
    expect(res.status).toBe(200);
    const grid = (await res.json()) as {
      numberMatched: number;
      features: { id: string; geometry: { type: string }; properties: Record<string, any> }[];
    };
    expect(grid.numberMatched).toBe(cells.length);
    for (const c of cells) {
      const f = grid.features.find((x) => x.properties.cellId === c.rutid)!;
      expect(f.geometry.type).toBe('Polygon');
      expect(f.properties.population).toBe(c.population);
      expect(f.properties.serviceType).toBe('PHARMACY');
      expect(f.properties.within).toBe(
        f.properties.minutes !== null && f.properties.minutes <= f.properties.thresholdMinutes,
      );
    }
    // Squares further north are further from the pharmacy: some within, some not.
    const within = grid.features.filter((f) => f.properties.within).length;
    expect(within).toBeGreaterThan(0);
    expect(within).toBeLessThan(cells.length);
    const filtered = await (
      await fetchOnce(
        `${server.url}/ogc/collections/grid/items?serviceType=PHARMACY&filter=within%20%3D%20false`,
      )
    ).json();
    expect((filtered as { numberMatched: number }).numberMatched).toBe(cells.length - within);

    const gql = await server.gql<{
      accessIndicators: { areaCode: string; population: number; populationBase: string }[];
    }>(
      '{ accessIndicators(groupBy: MUNICIPALITY, serviceTypes: [PHARMACY]) { areaCode population populationBase } }',
    );
    const m = (await (await fetchOnce(`${server.url}/ogc/collections/municipalities/items`)).json()) as {
      features: { id: string; properties: Record<string, unknown> }[];
    };
    for (const row of gql.data!.accessIndicators) {
      const f = m.features.find((x) => x.id === row.areaCode)!;
      expect(f.properties.population).toBe(row.population);
      expect(f.properties.populationBase).toBe(row.populationBase);
    }
    expect(m.features.find((x) => x.id === '2085')!.properties.populationBase).toBe('GRID');
    expect(m.features.find((x) => x.id === '2085')!.properties.population).toBe(
      cells.reduce((s, c) => s + c.population, 0),
    );
  });
});
