/**
 * Capacity, need and shortfall over GraphQL on Dalarna's real 1 km grid 2025 (65+ as demand) and its 108
 * SCB tätorter 2020, with elderly-care homes GENERATED for the test (one per tätort of 1,500+ people,
 * capacity 1 place per 100 inhabitants of the tätort: a stated rule, not data). Oracles are plain sums over
 * the files and over the cells' stored centres with Turf distances.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distance } from '@turf/turf';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityToCsv } from '../../src/cli/analyse-capacity.js';
import { runImportJob } from '../../src/modules/imports/import-jobs.js';
import { aServicePoint, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { sharedDataFile } from '../helpers/shared-data.js';
import { decodedLayer, tileAndLocal } from '../tiles/decode.js';

const GRID = sharedDataFile('scb-befolkning-1km-dalarna-2025/befolkning_1km_2025_dalarna.csv');
const TATORTER = sharedDataFile('scb-tatorter-2020/tatorter_2020_points.csv');

const minutes = (a: [number, number], b: [number, number]) =>
  ((distance(a, b, { units: 'kilometers' }) * 1.35) / 70) * 60;

function csv(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const columns = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i]!, v])));
}

interface Area {
  areaCode: string;
  level: string;
  need: number | null;
  placesInside: number;
  placesReachable: number;
  shortfall: number | null;
  demand: number;
  populationBase: string;
}
interface Load {
  servicePoint: { id: string; name: string };
  capacity: number;
  demandInCatchment: number;
  ratio: number;
}

describe('capacityAccess for elderly care in Dalarna', () => {
  let server: TestServer;
  const cells = csv(GRID);
  const tatorter = csv(TATORTER).filter((t) => t.lanskod === '20');
  const homes = tatorter
    .filter((t) => Number(t.befolkning_2020) >= 1500)
    .map((t) => ({
      name: `Äldreboende ${t.tatort} (generated)`,
      municipalityCode: t.kommunkod!,
      at: [Number(t.lon), Number(t.lat)] as [number, number],
      capacity: Math.round(Number(t.befolkning_2020) / 100),
    }));
  let centres: { id: string; at: [number, number]; p65: number; municipality: string }[];
  let result: { method: string; points: Load[]; areas: Area[] };

  beforeAll(async () => {
    server = await startTestServer({ config: { maxPageSize: 500 } });
    const dir = mkdtempSync(join(tmpdir(), 'capacity-'));
    const tatortFile = join(dir, 'dalarna-tatorter.csv');
    const all = readFileSync(TATORTER, 'utf8').trim().split('\n');
    writeFileSync(tatortFile, [all[0], ...all.slice(1).filter((l) => l.split(',')[4] === '20')].join('\n'));
    await runImportJob(server.app.db, {
      kind: 'settlements',
      file: tatortFile,
      options: {
        map: 'name=tatort,population=befolkning_2020,municipalityCode=kommunkod,externalId=tatortskod',
      },
    });
    await runImportJob(server.app.db, {
      kind: 'grid',
      file: GRID,
      options: {
        map: 'population=befolkning_2025,population65Plus=befolkning_65_plus_2025,municipalityCode=kommunkod',
      },
    });
    await seed(server.app.db, {
      servicePoints: homes.map((h) =>
        aServicePoint({
          name: h.name,
          serviceTypes: ['ELDERLY_CARE'],
          municipalityCode: h.municipalityCode,
          capacity: h.capacity,
          lon: h.at[0],
          lat: h.at[1],
        }),
      ),
    });
    const stored = await sql<{ cell_id: string; lon: number; lat: number; p65: number; m: string }>`
      SELECT cell_id, ST_X(centroid) AS lon, ST_Y(centroid) AS lat, population_65_plus AS p65, municipality_code AS m
      FROM grid_cells`.execute(server.app.db);
    centres = stored.rows.map((r) => ({
      id: r.cell_id,
      at: [Number(r.lon), Number(r.lat)],
      p65: r.p65,
      municipality: r.m,
    }));
    const { data, errors } = await server.gql<{ capacityAccess: typeof result }>(
      `{ capacityAccess(serviceType: ELDERLY_CARE, area: { countyCode: "20" }) {
          method points { servicePoint { id name } capacity demandInCatchment ratio }
          areas { areaCode level need placesInside placesReachable shortfall demand populationBase } } }`,
    );
    expect(errors).toBeUndefined();
    result = data!.capacityAccess;
  }, 120_000);
  afterAll(async () => server.close());

  it('each home’s R_j is its capacity over the 65+ of the squares within 30 minutes (plain sum)', () => {
    expect(result.method).toMatch(/2SFCA.*AGE_65_PLUS.*grid cells/);
    expect(result.points).toHaveLength(homes.length);
    const byName = new Map(homes.map((h) => [h.name, h]));
    for (const load of result.points) {
      const home = byName.get(load.servicePoint.name)!;
      const demand = centres.filter((c) => minutes(c.at, home.at) <= 30).reduce((s, c) => s + c.p65, 0);
      expect(load.capacity).toBe(home.capacity);
      expect(load.demandInCatchment).toBe(demand);
      expect(load.ratio).toBeCloseTo(home.capacity / demand, 12);
    }
  });

  it('per municipality: need from the grid’s 65+ (4 per 100), places inside, shortfall = need − reachable', () => {
    const municipalities = result.areas.filter((a) => a.level === 'MUNICIPALITY');
    expect(municipalities).toHaveLength(15);
    for (const a of municipalities) {
      const p65 = cells
        .filter((c) => c.kommunkod === a.areaCode)
        .reduce((s, c) => s + Number(c.befolkning_65_plus_2025), 0);
      expect(a.populationBase).toBe('GRID');
      expect(a.demand).toBe(p65);
      expect(a.need).toBeCloseTo((p65 * 4) / 100, 9);
      const inside = homes
        .filter((h) => h.municipalityCode === a.areaCode)
        .reduce((s, h) => s + h.capacity, 0);
      expect(a.placesInside).toBe(inside);
      expect(a.shortfall).toBeCloseTo(a.need! - a.placesReachable, 9);
    }
  });

  it('places reachable count every place once: over the municipalities they add up to the county’s capacity', () => {
    const municipalities = result.areas.filter((a) => a.level === 'MUNICIPALITY');
    const county = result.areas.find((a) => a.level === 'COUNTY' && a.areaCode === '20')!;
    const capacity = homes.reduce((s, h) => s + h.capacity, 0);
    const reachable = municipalities.reduce((s, a) => s + a.placesReachable, 0);
    expect(reachable).toBeCloseTo(capacity, 6);
    expect(county.placesReachable).toBeCloseTo(capacity, 6);
    expect(county.demand).toBe(75_189); // SOURCE.md: Dalarna's 65+ over the grid, each resident once
    expect(county.placesInside).toBe(capacity);
  });

  it('a tätort’s own A_i is Σ R_j over the homes within 30 minutes of it', async () => {
    const ludvika = tatorter.find((t) => t.tatort === 'Ludvika')!;
    const { data } = await server.gql<{
      settlements: { nodes: { name: string; capacityAccess: number | null }[] };
    }>(
      `{ settlements(filter: { name: "Ludvika" }) { nodes { name capacityAccess(serviceType: ELDERLY_CARE) } } }`,
    );
    const node = data!.settlements.nodes.find((n) => n.name === 'Ludvika')!;
    const at: [number, number] = [Number(ludvika.lon), Number(ludvika.lat)];
    const ratios = new Map(result.points.map((p) => [p.servicePoint.name, p.ratio]));
    const expected = homes
      .filter((h) => minutes(at, h.at) <= 30)
      .reduce((s, h) => s + ratios.get(h.name)!, 0);
    expect(expected).toBeGreaterThan(0);
    expect(node.capacityAccess).toBeCloseTo(expected, 12);
  });

  it('the grid layer carries each square’s A_i (coverageLayer GRID_CELLS and the vector tile)', async () => {
    const { data, errors } = await server.gql<{
      coverageLayer: {
        features: { properties: { id: string; population: number; capacityAccess: number } }[];
      };
    }>(`{ coverageLayer(serviceType: ELDERLY_CARE, include: [GRID_CELLS]) }`);
    expect(errors).toBeUndefined();
    const features = data!.coverageLayer.features;
    expect(features).toHaveLength(cells.length);
    const ratios = new Map(result.points.map((p) => [p.servicePoint.name, p.ratio]));
    const byId = new Map(features.map((f) => [f.properties.id, f.properties]));
    for (const c of centres.slice(0, 300)) {
      const expected = homes
        .filter((h) => minutes(c.at, h.at) <= 30)
        .reduce((s, h) => s + ratios.get(h.name)!, 0);
      expect(byId.get(c.id)!.capacityAccess).toBeCloseTo(expected, 12);
    }
    const ludvika = tatorter.find((t) => t.tatort === 'Ludvika')!;
    const at = tileAndLocal(Number(ludvika.lon), Number(ludvika.lat), 9);
    const res = await fetch(`${server.url}/tiles/grid/9/${at.x}/${at.y}.mvt?serviceType=ELDERLY_CARE`);
    expect(res.status).toBe(200);
    const layer = decodedLayer(new Uint8Array(await res.arrayBuffer()), 'grid')!;
    expect(layer.length).toBeGreaterThan(10);
    expect(layer.feature(0).properties.capacityAccess).toBeTypeOf('number');
  });

  it('a shared home for Ludvika, Smedjebacken and Borlänge: the best site by brute force, shares summing to 1', async () => {
    const group = ['2085', '2061', '2081'];
    const { data, errors } = await server.gql<{
      jointFacility: {
        method: string;
        totalWeightedMinutes: number;
        sites: {
          settlement: { name: string };
          demand: number;
          users: { municipalityCode: string; share: number; expectedUsers: number }[];
        }[];
        costSplit: { municipalityCode: string; share: number; expectedUsers: number }[];
      };
    }>(
      `query ($group: [String!]!) { jointFacility(serviceType: ELDERLY_CARE, municipalityCodes: $group, count: 1, capacity: 60) {
        method totalWeightedMinutes sites { settlement { name } demand users { municipalityCode share expectedUsers } }
        costSplit { municipalityCode share expectedUsers } } }`,
      { group },
    );
    expect(errors).toBeUndefined();
    const joint = data!.jointFacility;
    expect(joint.method).toMatch(/exact/);
    // Oracle: every tätort of the group as the site, Σ 65+ × minutes over the group's squares.
    const groupCells = centres.filter((c) => group.includes(c.municipality));
    const candidates = tatorter.filter((t) => group.includes(t.kommunkod!));
    const scored = candidates.map((t) => {
      const at: [number, number] = [Number(t.lon), Number(t.lat)];
      return { name: t.tatort!, total: groupCells.reduce((s, c) => s + c.p65 * minutes(c.at, at), 0) };
    });
    scored.sort((a, b) => a.total - b.total);
    expect(joint.sites[0]!.settlement.name).toBe(scored[0]!.name);
    expect(joint.totalWeightedMinutes).toBeCloseTo(scored[0]!.total, 3);
    const shareSum = joint.costSplit.reduce((s, m) => s + m.share, 0);
    expect(shareSum).toBeCloseTo(1, 12);
    expect(joint.costSplit.reduce((s, m) => s + m.expectedUsers, 0)).toBeCloseTo(60, 9);
    for (const m of joint.costSplit) {
      const p65 = groupCells
        .filter((c) => c.municipality === m.municipalityCode)
        .reduce((s, c) => s + c.p65, 0);
      const all = groupCells.reduce((s, c) => s + c.p65, 0);
      expect(m.share).toBeCloseTo(p65 / all, 12);
    }
  });

  it('the CLI’s CSV has one row per area with the same figures', () => {
    const text = capacityToCsv(
      result.areas.map((a) => ({
        ...a,
        level: a.level as 'MUNICIPALITY',
        areaName: null,
        meanAccess: null,
        populationBase: 'GRID',
      })),
    );
    const lines = text.trim().split('\n');
    // The header first (GDAL and Python's csv read line 1 as the header): no comment line before it.
    expect(lines[0]).toBe(
      'level,areaCode,areaName,populationBase,demand,need,placesInside,placesReachable,shortfall,meanAccess',
    );
    expect(lines).toHaveLength(1 + result.areas.length);
    const ludvika = lines.find((l) => l.includes('"2085"'))!.split(',');
    const area = result.areas.find((a) => a.areaCode === '2085')!;
    expect(Number(ludvika[7])).toBeCloseTo(area.placesReachable, 2);
  });
});
