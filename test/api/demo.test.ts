import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

/** The vendored files, read plainly (the oracle; the demo loader is not used here). */
const csv = (name: string) =>
  parse(readFileSync(new URL(`../../data/open/${name}`, import.meta.url), 'utf8'), {
    columns: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
const tatorter = csv('scb-tatorter-2020/tatorter_2020_points.csv');
const grid = csv('scb-befolkning-1km-dalarna-2025/befolkning_1km_2025_dalarna.csv');
const osm = csv('osm-sweden-health-facilities-2020/osm_health_nodes_sweden_2020.csv');

describe('the demo region', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ demo: true, config: { maxPageSize: 500 } });
  }, 120_000);
  afterAll(() => server?.close());

  it('serves SCB’s 2,017 tätorter 2020 with their populations and municipality codes', async () => {
    for (const name of ['Ludvika', 'Borlänge', 'Avesta']) {
      const row = tatorter.find((t) => t.tatort === name)!;
      const r = await server.gql<{
        settlements: {
          nodes: { name: string; population: number; municipalityCode: string; countyCode: string }[];
        };
      }>(
        'query($name: String) { settlements(filter: { name: $name }) { nodes { name population municipalityCode countyCode } } }',
        { name },
      );
      const node = r.data!.settlements.nodes.find((n) => n.name === name)!;
      expect(node.population).toBe(Number(row.befolkning_2020));
      expect(node.municipalityCode).toBe(row.kommunkod);
      expect(node.countyCode).toBe(row.lanskod);
    }
    const all = await server.gql<{ settlements: { totalCount: number } }>('{ settlements { totalCount } }');
    expect(all.data!.settlements.totalCount).toBe(tatorter.length);
    expect(tatorter.length).toBe(2017);
  });

  it('takes pharmacies and clinics from OpenStreetMap (ODbL, said in source) and labels the rest as generated', async () => {
    const pharmacies = osm.filter((r) => r.amenity === 'pharmacy').length;
    const real = await server.gql<{
      servicePoints: { totalCount: number; nodes: { source: string; generated: boolean }[] };
    }>(
      '{ servicePoints(filter: { serviceType: PHARMACY }, first: 500) { totalCount nodes { source generated } } }',
    );
    expect(real.data!.servicePoints.totalCount).toBe(pharmacies);
    for (const p of real.data!.servicePoints.nodes) {
      expect(p.generated).toBe(false);
      expect(p.source).toMatch(/OpenStreetMap contributors \(ODbL/);
    }
    const care = await server.gql<{ servicePoints: { totalCount: number } }>(
      '{ servicePoints(filter: { serviceType: PRIMARY_CARE }) { totalCount } }',
    );
    expect(care.data!.servicePoints.totalCount).toBe(
      osm.filter((r) => r.amenity === 'clinic' || r.amenity === 'doctors').length,
    );
    const generated = await server.gql<{
      servicePoints: { totalCount: number; nodes: { name: string; source: string; generated: boolean }[] };
    }>(
      '{ servicePoints(filter: { serviceType: GROCERY }, first: 500) { totalCount nodes { name source generated } } }',
    );
    expect(generated.data!.servicePoints.totalCount).toBeGreaterThan(1000);
    for (const p of generated.data!.servicePoints.nodes) {
      expect(p.generated).toBe(true);
      expect(p.name).toMatch(/\(generated\)$/);
      expect(p.source).toMatch(/^GENERATED/);
    }
  });

  it('counts every Dalarna resident of the grid once (population base GRID)', async () => {
    const r = await server.gql<{
      accessIndicators: { areaCode: string; population: number; populationBase: string }[];
    }>(
      '{ accessIndicators(serviceTypes: [PHARMACY], groupBy: COUNTY, area: { countyCode: "20" }) { areaCode population populationBase } }',
    );
    const [dalarna] = r.data!.accessIndicators;
    expect(dalarna).toEqual({
      areaCode: '20',
      population: grid.reduce((s, c) => s + Number(c.befolkning_2025), 0),
      populationBase: 'GRID',
    });
    expect(dalarna!.population).toBe(285_587);
  });

  it('gives a Dalarna planner need, places and shortfall for elderly care, and a shared site with its cost split', async () => {
    const r = await server.gql<{
      capacityAccess: {
        areas: {
          areaCode: string;
          level: string;
          need: number;
          placesInside: number;
          placesReachable: number;
          shortfall: number;
        }[];
      };
      servicePoints: { nodes: { municipalityCode: string; capacity: number }[] };
      jointFacility: {
        sites: { settlement: { name: string } }[];
        costSplit: { municipalityCode: string; share: number }[];
      };
    }>(`{
      capacityAccess(serviceType: ELDERLY_CARE, area: { countyCode: "20" }) {
        areas { areaCode level need placesInside placesReachable shortfall } }
      servicePoints(filter: { serviceType: ELDERLY_CARE, countyCode: "20" }, first: 500) { nodes { municipalityCode capacity } }
      jointFacility(serviceType: ELDERLY_CARE, municipalityCodes: ["2085", "2061", "2081"], count: 1, capacity: 60) {
        sites { settlement { name } } costSplit { municipalityCode share } }
    }`);
    expect(r.errors).toBeUndefined();
    const municipalities = r.data!.capacityAccess.areas.filter((a) => a.level === 'MUNICIPALITY');
    expect(municipalities).toHaveLength(15);
    for (const a of municipalities) {
      const p65 = grid
        .filter((c) => c.kommunkod === a.areaCode)
        .reduce((s, c) => s + Number(c.befolkning_65_plus_2025), 0);
      expect(a.need).toBeCloseTo((p65 * 4) / 100, 9);
      const inside = r
        .data!.servicePoints.nodes.filter((p) => p.municipalityCode === a.areaCode)
        .reduce((s, p) => s + p.capacity, 0);
      expect(a.placesInside).toBe(inside);
      expect(a.shortfall).toBeCloseTo(a.need - a.placesReachable, 9);
    }
    const joint = r.data!.jointFacility;
    expect(joint.sites).toHaveLength(1);
    expect(joint.costSplit.map((m) => m.municipalityCode)).toEqual(['2085', '2061', '2081']);
    expect(joint.costSplit.reduce((s, m) => s + m.share, 0)).toBeCloseTo(1, 12);
  });
  it('answers e-service developers on the demo: candidates in Dalarna, their connectivity labelled GENERATED', async () => {
    const r = await server.gql<{
      eServicePotential: {
        settlement: { name: string; municipalityCode: string };
        connectivityKnown: boolean;
        connectivity: { level: string; generated: boolean; source: string };
      }[];
      eServiceTargets: {
        populationBase: string;
        targets: {
          totalCount: number;
          nodes: {
            originKind: string;
            originId: string;
            population: number;
            connectivity: { level: string; generated: boolean };
          }[];
        };
        municipalities: { municipalityCode: string; targetPopulation: number }[];
      };
    }>(`{
      eServicePotential(serviceType: PHARMACY, area: { countyCode: "20" }, first: 500) {
        settlement { name municipalityCode } connectivityKnown connectivity { level generated source } }
      eServiceTargets(serviceType: PHARMACY, area: { countyCode: "20" }, first: 500) {
        populationBase targets { totalCount nodes { originKind originId population connectivity { level generated } } }
        municipalities { municipalityCode targetPopulation } }
    }`);
    expect(r.errors).toBeUndefined();
    const potential = r.data!.eServicePotential;
    expect(potential.length).toBeGreaterThan(0);
    for (const p of potential) {
      expect(p.settlement.municipalityCode.startsWith('20')).toBe(true);
      expect(p.connectivity.generated).toBe(true);
      expect(p.connectivity.source).toMatch(/^GENERATED demo connectivity/);
    }
    const targets = r.data!.eServiceTargets;
    expect(targets.populationBase).toBe('GRID');
    expect(targets.targets.totalCount).toBeGreaterThan(0);
    const cellIds = new Set(grid.map((c) => c.rutid));
    for (const t of targets.targets.nodes) {
      expect(t.originKind).toBe('GRID_CELL');
      expect(cellIds.has(t.originId)).toBe(true);
      expect(t.connectivity).toEqual({ level: 'GRID', generated: true });
    }
    const total = targets.municipalities.reduce((s, m) => s + m.targetPopulation, 0);
    expect(targets.targets.totalCount).toBeLessThanOrEqual(500); // one page holds them all
    expect(total).toBe(targets.targets.nodes.reduce((s, t) => s + t.population, 0));
  });
});
