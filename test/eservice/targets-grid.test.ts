import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImportJob } from '../../src/modules/imports/import-jobs.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { decodedLayer, tileAndLocal } from '../tiles/decode.js';
import { minutesBetween } from '../support/oracles.js';

interface Target {
  rank: number;
  originId: string;
  originKind: string;
  name: string;
  municipalityCode: string;
  population: number;
  population65Plus: number | null;
  travelMinutes: number;
  connectivityKnown: boolean;
  potentialUsers: number;
  connectivity: { level: string | null; broadbandShare: number | null };
}
interface Total {
  municipalityCode: string;
  populationBeyondThreshold: number;
  population65PlusBeyondThreshold: number | null;
  targets: number;
  targetPopulation: number;
  targetPopulationConnectivityUnknown: number;
  populationPoorConnectivity: number;
  potentialUsers: number;
  populationBase: string;
}
interface Result {
  populationBase: string;
  eService: string;
  targets: { totalCount: number; nodes: Target[] };
  municipalities: Total[];
}
const QUERY = `query($known: Boolean, $area: AreaInput) {
  eServiceTargets(serviceType: PHARMACY, area: $area, knownConnectivityOnly: $known, first: 500) {
    populationBase eService
    targets { totalCount nodes { rank originId originKind name municipalityCode population population65Plus
      travelMinutes connectivityKnown potentialUsers connectivity { level broadbandShare } } }
    municipalities { municipalityCode populationBeyondThreshold population65PlusBeyondThreshold targets
      targetPopulation targetPopulationConnectivityUnknown populationPoorConnectivity potentialUsers populationBase }
  } }`;

/*
 * A pharmacy at (15, 60). Municipality 2085 is covered by a 1 km grid (30 squares in a line north, 2 km apart):
 * its settlement "Town" is no origin of its own (its people are in the squares). 2084 has no grid: its
 * settlements are the origins ("Near" within 20 min, "Far" beyond it). Connectivity: 2085 at 0.9; squares
 * k = 20..24 at 0.5 (GRID, finer, poor), k = 25 at 0.95 (GRID); 2084 unknown. The oracle: Turf minutes from
 * PostGIS-transformed square centres, the same rule by hand.
 */
describe('e-service targets over the resident origins: grid squares where a grid is loaded, settlements elsewhere', () => {
  let server: TestServer;
  const pharmacy: [number, number] = [15, 60];
  const cells = Array.from({ length: 30 }, (_, k) => ({
    rutid: `500000${6654000 + k * 2000}`,
    population: 10 + k,
    p65: k,
    k,
  }));
  const gridShare = (k: number) => (k >= 20 && k <= 24 ? 0.5 : k === 25 ? 0.95 : null);
  const far = { name: 'Far', population: 100, at: [15.5, 60.4] as [number, number] };
  let centres: Map<string, [number, number]>;

  beforeAll(async () => {
    server = await startTestServer();
    await seed(server.app.db, {
      settlements: [
        aSettlement({ name: 'Town', population: 5000, municipalityCode: '2085', lon: 15, lat: 60 }),
        aSettlement({ name: 'Near', population: 700, municipalityCode: '2084', lon: 15.2, lat: 60 }),
        aSettlement({
          name: far.name,
          population: far.population,
          municipalityCode: '2084',
          lon: far.at[0],
          lat: far.at[1],
        }),
      ],
      servicePoints: [aServicePoint({ serviceTypes: ['PHARMACY'], lon: pharmacy[0], lat: pharmacy[1] })],
    });
    const dir = mkdtempSync(join(tmpdir(), 'sa-targets-'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    await runImportJob(server.app.db, {
      kind: 'grid',
      file: write(
        'cells.csv',
        `rutid,pop,p65,kommun\n${cells.map((c) => `${c.rutid},${c.population},${c.p65},2085`).join('\n')}\n`,
      ),
      options: { map: 'population=pop,population65Plus=p65,municipalityCode=kommun' },
    });
    await runImportJob(server.app.db, {
      kind: 'connectivity',
      file: write('kommun.csv', 'municipalityCode,broadbandShare\n2085,0.9\n'),
      options: { level: 'MUNICIPALITY' },
    });
    const gridRows = cells.filter((c) => gridShare(c.k) !== null);
    await runImportJob(server.app.db, {
      kind: 'connectivity',
      file: write(
        'rutor.csv',
        `rutid,broadbandShare\n${gridRows.map((c) => `${c.rutid},${gridShare(c.k)}`).join('\n')}\n`,
      ),
      options: { level: 'GRID' },
    });
    const rows = await sql<{ cell_id: string; lon: number; lat: number }>`
      SELECT cell_id, ST_X(ST_Transform(ST_SetSRID(ST_MakePoint(left(cell_id, 6)::float8 + 500, right(cell_id, 7)::float8 + 500), 3006), 4326)) AS lon,
             ST_Y(ST_Transform(ST_SetSRID(ST_MakePoint(left(cell_id, 6)::float8 + 500, right(cell_id, 7)::float8 + 500), 3006), 4326)) AS lat
      FROM grid_cells`.execute(server.app.db);
    centres = new Map(rows.rows.map((r) => [r.cell_id, [Number(r.lon), Number(r.lat)]]));
  });
  afterAll(() => server?.close());

  /** The oracle: every origin's verdict and connectivity by hand. */
  function expected(knownOnly: boolean) {
    const deserts = cells
      .map((c) => ({ ...c, minutes: minutesBetween(centres.get(c.rutid)!, pharmacy) }))
      .filter((c) => c.minutes > 20);
    const targets: { id: string; potential: number; known: boolean; level: string | null }[] = [];
    let poor = 0;
    for (const c of deserts) {
      const share = gridShare(c.k) ?? 0.9;
      if (share < 0.8) poor += c.population;
      else
        targets.push({
          id: c.rutid,
          potential: c.population * share,
          known: true,
          level: gridShare(c.k) === null ? 'MUNICIPALITY' : 'GRID',
        });
    }
    expect(minutesBetween(far.at, pharmacy)).toBeGreaterThan(20);
    if (!knownOnly) targets.push({ id: 'Far', potential: far.population, known: false, level: null });
    targets.sort((a, b) => b.potential - a.potential);
    return { deserts, targets, poor };
  }

  it('names the squares beyond the threshold and the settlement outside the grid, ranked, each with its connectivity', async () => {
    const r = await server.gql<{ eServiceTargets: Result }>(QUERY, {});
    expect(r.errors).toBeUndefined();
    const result = r.data!.eServiceTargets;
    expect(result.populationBase).toBe('MIXED');
    expect(result.eService).toBe('Online pharmacy with delivery');
    const oracle = expected(false);
    expect(oracle.deserts.length).toBeGreaterThan(5);
    const got = result.targets.nodes;
    expect(result.targets.totalCount).toBe(oracle.targets.length);
    expect(got.map((t) => (t.originKind === 'SETTLEMENT' ? t.name : t.originId))).toEqual(
      oracle.targets.map((t) => t.id),
    );
    got.forEach((t, i) => {
      expect(t.rank).toBe(i + 1);
      expect(t.potentialUsers).toBeCloseTo(oracle.targets[i]!.potential, 9);
      expect(t.connectivityKnown).toBe(oracle.targets[i]!.known);
      expect(t.connectivity.level).toBe(oracle.targets[i]!.level);
    });
    // Town's people live in the squares: it is never an origin; Near is within reach.
    expect(got.some((t) => t.name === 'Town' || t.name === 'Near')).toBe(false);
    const farTarget = got.find((t) => t.name === 'Far')!;
    expect(farTarget.originKind).toBe('SETTLEMENT');
    expect(farTarget.travelMinutes).toBeCloseTo(minutesBetween(far.at, pharmacy), 6);
    const square = got.find((t) => t.originKind === 'GRID_CELL')!;
    expect(square.travelMinutes).toBeCloseTo(minutesBetween(centres.get(square.originId)!, pharmacy), 6);
  });

  it('sums per municipality: everyone beyond the threshold, the targets, poor and unknown connectivity', async () => {
    const r = await server.gql<{ eServiceTargets: Result }>(QUERY, {});
    const oracle = expected(false);
    const byCode = new Map(r.data!.eServiceTargets.municipalities.map((m) => [m.municipalityCode, m]));
    const gridTargets = oracle.targets.filter((t) => t.id !== 'Far');
    expect(byCode.get('2085')).toMatchObject({
      populationBeyondThreshold: oracle.deserts.reduce((s, c) => s + c.population, 0),
      population65PlusBeyondThreshold: oracle.deserts.reduce((s, c) => s + c.p65, 0),
      targets: gridTargets.length,
      targetPopulation: oracle.deserts
        .filter((c) => (gridShare(c.k) ?? 0.9) >= 0.8)
        .reduce((s, c) => s + c.population, 0),
      targetPopulationConnectivityUnknown: 0,
      populationPoorConnectivity: oracle.poor,
      populationBase: 'GRID',
    });
    expect(byCode.get('2085')!.potentialUsers).toBeCloseTo(
      gridTargets.reduce((s, t) => s + t.potential, 0),
      9,
    );
    expect(oracle.poor).toBeGreaterThan(0);
    expect(byCode.get('2084')).toMatchObject({
      populationBeyondThreshold: 100,
      targets: 1,
      targetPopulation: 100,
      targetPopulationConnectivityUnknown: 100,
      populationPoorConnectivity: 0,
      populationBase: 'SETTLEMENTS',
    });
  });

  it('leaves out unknown connectivity only when asked (knownConnectivityOnly), and narrows to an area', async () => {
    const r = await server.gql<{ eServiceTargets: Result }>(QUERY, { known: true });
    const oracle = expected(true);
    expect(r.data!.eServiceTargets.targets.nodes.map((t) => t.originId)).toEqual(
      oracle.targets.map((t) => t.id),
    );
    const area = await server.gql<{ eServiceTargets: Result }>(QUERY, { area: { municipalityCode: '2084' } });
    expect(area.data!.eServiceTargets.populationBase).toBe('SETTLEMENTS');
    expect(area.data!.eServiceTargets.targets.nodes.map((t) => t.name)).toEqual(['Far']);
    const bad = await server.gql(QUERY.replace('first: 500', 'first: 5, minBroadbandShare: 2'), {});
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('serves the same targets as the eservice-targets tile layer, typed in TileJSON', async () => {
    const tilejson = (await (
      await fetch(`${server.url}/tiles/eservice-targets.json?serviceType=PHARMACY`)
    ).json()) as {
      vector_layers: { id: string; fields: Record<string, string> }[];
    };
    const layer = tilejson.vector_layers.find((l) => l.id === 'eservice-targets')!;
    expect(layer.fields).toMatchObject({
      connectivityKnown: 'Boolean',
      potentialUsers: 'Number',
      originId: 'String',
    });
    const oracle = expected(false);
    const at = tileAndLocal(15.2, 60.2, 6);
    const res = await fetch(
      `${server.url}/tiles/eservice-targets/6/${at.x}/${at.y}.mvt?serviceType=PHARMACY`,
    );
    expect(res.status).toBe(200);
    const decoded = decodedLayer(new Uint8Array(await res.arrayBuffer()), 'eservice-targets')!;
    expect(decoded.length).toBe(oracle.targets.length);
    const features = Array.from({ length: decoded.length }, (_, i) => decoded.feature(i).properties);
    const byId = new Map(features.map((p) => [p.originKind === 'SETTLEMENT' ? p.name : p.originId, p]));
    for (const t of oracle.targets) {
      const p = byId.get(t.id)!;
      expect(p.connectivityKnown).toBe(t.known);
      expect(p.potentialUsers).toBeCloseTo(t.potential, 1);
    }
  });
});
