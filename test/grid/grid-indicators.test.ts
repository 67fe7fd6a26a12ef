import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImportJob } from '../../src/modules/imports/import-jobs.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { minutesBetween } from '../support/oracles.js';

interface Row {
  areaCode: string;
  population: number;
  population65Plus: number | null;
  populationBeyondThreshold: number;
  settlementsBeyondThreshold: number;
  meanMinutesPopulationWeighted: number | null;
  populationBase: string;
}

const QUERY = `query ($groupBy: AreaLevel!, $area: AreaInput) {
  accessIndicators(serviceTypes: [PHARMACY], groupBy: $groupBy, area: $area) {
    areaCode population population65Plus populationBeyondThreshold settlementsBeyondThreshold
    meanMinutesPopulationWeighted populationBase
  }
}`;

describe('indicators count every resident once where a grid covers a municipality', () => {
  let server: TestServer;
  const pharmacy: [number, number] = [15, 60];
  // Settlements: two in municipality 2085 (which the grid covers), two in 2084 (no grid).
  const places = [
    { name: 'Town', population: 5000, municipalityCode: '2085', at: [15, 60] as [number, number] },
    { name: 'Village', population: 300, municipalityCode: '2085', at: [15, 60.5] as [number, number] },
    { name: 'Other', population: 700, municipalityCode: '2084', at: [15.2, 60] as [number, number] },
    { name: 'Far', population: 100, municipalityCode: '2084', at: [15.5, 60.4] as [number, number] },
  ];
  // 30 one-km squares of 2085 in a line north from the pharmacy (SWEREF 99 TM, central meridian 15°E).
  const cells = Array.from({ length: 30 }, (_, k) => ({
    rutid: `500000${6654000 + k * 2000}`,
    population: 10 + k,
    p65: k,
  }));
  let centres: Map<string, [number, number]>;

  beforeAll(async () => {
    server = await startTestServer();
    await seed(server.app.db, {
      settlements: places.map((p) =>
        aSettlement({
          name: p.name,
          population: p.population,
          municipalityCode: p.municipalityCode,
          countyCode: '20',
          lon: p.at[0],
          lat: p.at[1],
        }),
      ),
      servicePoints: [aServicePoint({ serviceTypes: ['PHARMACY'], lon: pharmacy[0], lat: pharmacy[1] })],
    });
    const file = join(mkdtempSync(join(tmpdir(), 'grid-ind-')), 'cells.csv');
    writeFileSync(
      file,
      `rutid,pop,p65,kommun\n${cells.map((c) => `${c.rutid},${c.population},${c.p65},2085`).join('\n')}\n`,
    );
    await runImportJob(server.app.db, {
      kind: 'grid',
      file,
      options: { map: 'population=pop,population65Plus=p65,municipalityCode=kommun' },
    });
    // Each square's centre as PostGIS transforms it (the oracle's origins).
    const rows = await sql<{ cell_id: string; lon: number; lat: number }>`
      SELECT cell_id, ST_X(ST_Transform(ST_SetSRID(ST_MakePoint(left(cell_id, 6)::float8 + 500, right(cell_id, 7)::float8 + 500), 3006), 4326)) AS lon,
             ST_Y(ST_Transform(ST_SetSRID(ST_MakePoint(left(cell_id, 6)::float8 + 500, right(cell_id, 7)::float8 + 500), 3006), 4326)) AS lat
      FROM grid_cells`.execute(server.app.db);
    centres = new Map(rows.rows.map((r) => [r.cell_id, [Number(r.lon), Number(r.lat)]]));
  });
  afterAll(async () => server.close());

  /** The oracle: a plain sum over the grid's squares. */
  function gridOracle() {
    let population = 0;
    let p65 = 0;
    let beyond = 0;
    let weighted = 0;
    for (const c of cells) {
      const minutes = minutesBetween(centres.get(c.rutid)!, pharmacy);
      population += c.population;
      p65 += c.p65;
      if (minutes > 20) beyond += c.population;
      weighted += c.population * minutes;
    }
    return { population, p65, beyond, mean: weighted / population };
  }

  it('a covered municipality’s population, deserts in people and mean minutes are the sums over its squares', async () => {
    const { data, errors } = await server.gql<{ accessIndicators: Row[] }>(QUERY, {
      groupBy: 'MUNICIPALITY',
    });
    expect(errors).toBeUndefined();
    const rows = new Map(data!.accessIndicators.map((r) => [r.areaCode, r]));
    const oracle = gridOracle();
    const covered = rows.get('2085')!;
    expect(covered.populationBase).toBe('GRID');
    expect(covered.population).toBe(oracle.population);
    expect(covered.population65Plus).toBe(oracle.p65);
    expect(covered.populationBeyondThreshold).toBe(oracle.beyond);
    expect(covered.meanMinutesPopulationWeighted).toBeCloseTo(oracle.mean, 6);
    // Settlement counts stay per settlement: the Village (55 km away) is the one desert.
    const desertPlaces = places.filter(
      (p) => p.municipalityCode === '2085' && minutesBetween(p.at, pharmacy) > 20,
    );
    expect(covered.settlementsBeyondThreshold).toBe(desertPlaces.length);
    expect(desertPlaces.map((p) => p.name)).toEqual(['Village']);

    const uncovered = rows.get('2084')!;
    const own = places.filter((p) => p.municipalityCode === '2084');
    expect(uncovered.populationBase).toBe('SETTLEMENTS');
    expect(uncovered.population).toBe(own.reduce((s, p) => s + p.population, 0));
    expect(uncovered.populationBeyondThreshold).toBe(
      own.filter((p) => minutesBetween(p.at, pharmacy) > 20).reduce((s, p) => s + p.population, 0),
    );
  });

  it('the municipal service plan counts the same residents: its grid population and indicators equal the API', async () => {
    const res = await fetch(`${server.url}/reports/municipality/2085`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
    const report = JSON.parse(json!.replaceAll('\\u003c', '<')) as {
      grid: { cells: number; population: number; population65Plus: number } | null;
      indicators: { serviceType: string; municipality: Row | null; county: Row | null }[];
    };
    const oracle = gridOracle();
    expect(report.grid).toMatchObject({
      cells: cells.length,
      population: oracle.population,
      population65Plus: oracle.p65,
    });
    const api = async (groupBy: string) =>
      (await server.gql<{ accessIndicators: Row[] }>(QUERY, { groupBy, area: { municipalityCode: '2085' } }))
        .data!.accessIndicators[0]!;
    const pharmacy = report.indicators.find((i) => i.serviceType === 'PHARMACY')!;
    const municipality = await api('MUNICIPALITY');
    expect(municipality.populationBase).toBe('GRID');
    expect(pharmacy.municipality).toMatchObject({
      population: municipality.population,
      populationBeyondThreshold: municipality.populationBeyondThreshold,
      populationBase: 'GRID',
    });
    const county = (
      await server.gql<{ accessIndicators: Row[] }>(QUERY, { groupBy: 'COUNTY', area: { countyCode: '20' } })
    ).data!.accessIndicators[0]!;
    expect(pharmacy.county).toMatchObject({
      population: county.population,
      populationBase: county.populationBase,
    });
  });

  it('site suggestions over grid residents refuse a bad count like the settlement path does', async () => {
    for (const count of [0, 1000]) {
      const res = await server.gql(
        `{ siteSuggestions(serviceTypes: [PHARMACY], count: ${count}) { populationCoveredAfter } }`,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(/count must be a whole number/);
    }
  });

  it('a county half covered counts the grid’s residents and the other municipality’s settlements, nobody twice', async () => {
    const { data } = await server.gql<{ accessIndicators: Row[] }>(QUERY, { groupBy: 'COUNTY' });
    const [county] = data!.accessIndicators;
    const gridPeople = gridOracle().population;
    const otherPeople = places
      .filter((p) => p.municipalityCode === '2084')
      .reduce((s, p) => s + p.population, 0);
    expect(county!.populationBase).toBe('MIXED');
    expect(county!.population).toBe(gridPeople + otherPeople);
    // Not the settlements of 2085 on top of its squares (5,300 people counted twice).
    expect(county!.population).not.toBe(gridPeople + otherPeople + 5300);
  });

  it('site suggestions count demand from the squares (and the settlements outside the grid), each resident once', async () => {
    const { data, errors } = await server.gql<{
      siteSuggestions: {
        populationBase: string;
        populationCoveredBefore: number;
        sites: { marginalPopulation: number; gridCellsServed: number; settlement: { name: string } }[];
      };
    }>(`{ siteSuggestions(serviceTypes: [PHARMACY], count: 1) {
        populationBase populationCoveredBefore sites { marginalPopulation gridCellsServed settlement { name } } } }`);
    expect(errors).toBeUndefined();
    const result = data!.siteSuggestions;
    // Residents: the squares, and the settlements of 2084 (no grid there).
    const residents = [
      ...cells.map((c) => ({ at: centres.get(c.rutid)!, population: c.population, grid: true })),
      ...places
        .filter((p) => p.municipalityCode === '2084')
        .map((p) => ({ at: p.at, population: p.population, grid: false })),
    ];
    const covered = (r: (typeof residents)[number]) => minutesBetween(r.at, pharmacy) <= 20;
    expect(result.populationBase).toBe('MIXED');
    expect(result.populationCoveredBefore).toBe(
      residents.filter(covered).reduce((s, r) => s + r.population, 0),
    );
    // The best candidate (a settlement) by brute force: the most uncovered residents within 20 minutes.
    const gains = places.map((p) => ({
      name: p.name,
      gain: residents
        .filter((r) => !covered(r) && minutesBetween(r.at, p.at) <= 20)
        .reduce((s, r) => s + r.population, 0),
      cells: residents.filter((r) => r.grid && !covered(r) && minutesBetween(r.at, p.at) <= 20).length,
    }));
    const best = gains.sort((a, b) => b.gain - a.gain)[0]!;
    expect(result.sites[0]!.marginalPopulation).toBe(best.gain);
    expect(result.sites[0]!.settlement.name).toBe(best.name);
    expect(result.sites[0]!.gridCellsServed).toBe(best.cells);
  });

  it('an area filter takes the squares whose centre lies in it', async () => {
    const { data } = await server.gql<{ accessIndicators: Row[] }>(QUERY, {
      groupBy: 'MUNICIPALITY',
      area: { bbox: { minLon: 14.9, minLat: 59.9, maxLon: 15.1, maxLat: 60.2 } },
    });
    const row = data!.accessIndicators.find((r) => r.areaCode === '2085')!;
    const inside = cells.filter((c) => {
      const [, lat] = centres.get(c.rutid)!;
      return lat >= 59.9 && lat <= 60.2;
    });
    expect(row.population).toBe(inside.reduce((s, c) => s + c.population, 0));
    expect(inside.length).toBeGreaterThan(5);
    expect(inside.length).toBeLessThan(cells.length);
  });
});
