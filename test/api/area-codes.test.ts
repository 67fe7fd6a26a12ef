import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAreas } from '../../src/modules/areas/area.repository.js';
import { aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

/**
 * An area argument naming a municipality or county the database does not know is NOT_FOUND on its field,
 * not an empty answer that reads as "nobody lives there" (issue 19). A code is known by an imported area,
 * a settlement, a grid cell or a service point filed under it.
 */
const DESERTS = `query($area: AreaInput) {
  serviceDeserts(serviceType: GROCERY, area: $area, first: 10) { totalCount } }`;
const INDICATORS = `query($area: AreaInput) {
  accessIndicators(serviceTypes: [GROCERY], groupBy: MUNICIPALITY, area: $area) { areaCode population } }`;

describe('unknown area codes', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await seed(server.app.db, {
      settlements: [
        aSettlement({ municipalityCode: '2085', countyCode: '20', population: 1200 }),
        aSettlement({ municipalityCode: '2085', countyCode: '20', population: 300 }),
      ],
    });
    // A municipality known only by its imported area (no settlement there): an empty answer is right.
    await upsertAreas(server.app.db, [
      { code: '2084', level: 'MUNICIPALITY', name: 'Avesta', parentCode: '20', geometry: null },
    ]);
  });
  afterAll(() => server.close());

  it('answers NOT_FOUND on area.municipalityCode / area.countyCode for 9999 and 99', async () => {
    for (const [area, field] of [
      [{ municipalityCode: '9999' }, 'area.municipalityCode'],
      [{ countyCode: '99' }, 'area.countyCode'],
    ] as const) {
      for (const query of [DESERTS, INDICATORS]) {
        const res = await server.gql(query, { area });
        expect(res.data).toBeNull();
        expect(res.errors).toHaveLength(1);
        expect(res.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND', field });
        expect(res.errors![0]!.message).toMatch(/is not known/);
      }
    }
  });

  it('answers known codes as before: with data, and empty where the area has no settlement', async () => {
    const ludvika = await server.gql<{ serviceDeserts: { totalCount: number } }>(DESERTS, {
      area: { municipalityCode: '2085' },
    });
    expect(ludvika.errors).toBeUndefined();
    expect(ludvika.data!.serviceDeserts.totalCount).toBe(2);
    const dalarna = await server.gql<{ accessIndicators: { population: number }[] }>(INDICATORS, {
      area: { countyCode: '20' },
    });
    expect(dalarna.data!.accessIndicators.map((r) => r.population)).toEqual([1500]);
    const avesta = await server.gql<{ serviceDeserts: { totalCount: number } }>(DESERTS, {
      area: { municipalityCode: '2084' },
    });
    expect(avesta.errors).toBeUndefined();
    expect(avesta.data!.serviceDeserts.totalCount).toBe(0);
  });

  it('still answers a malformed code with BAD_USER_INPUT before looking it up', async () => {
    const res = await server.gql(DESERTS, { area: { municipalityCode: '999' } });
    expect(res.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'area.municipalityCode' });
  });
});
