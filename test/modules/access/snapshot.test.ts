import { describe, expect, it } from 'vitest';
import { readCatalogue } from '../../../src/catalogue.js';
import { seededRandom } from '../../../src/demo/random.js';
import { AccessEngine, computeAccessTable } from '../../../src/engine/access.js';
import { AnalysisSnapshot } from '../../../src/modules/access/snapshot.js';
import type { ServicePoint } from '../../../src/modules/service-points/service-point.repository.js';
import type { Settlement } from '../../../src/modules/settlements/settlement.repository.js';
import { storedServicePoint, storedSettlement } from '../../engine/helpers/builders.js';
import type { EngineGridCell } from '../../../src/engine/population-base.js';
import { EstimatedTravelCost } from '../../../src/engine/travel/estimated.js';
import {
  buildRoadNetwork,
  DEFAULT_NETWORK_OPTIONS,
  NetworkTravelCost,
} from '../../../src/engine/travel/network.js';
import { buildEdges, randomNetwork } from '../../engine/network/helpers.js';

const catalogue = readCatalogue();
const random = seededRandom(11);
const settlements: Settlement[] = Array.from({ length: 400 }, (_, i) => {
  const lon = 14 + random() * 2;
  const lat = 60 + random() * 1.5;
  return storedSettlement(String(i + 1), `S${i}`, lon, lat, 10 + Math.floor(random() * 500));
});
const points: ServicePoint[] = Array.from({ length: 60 }, (_, i) => {
  const lon = 14 + random() * 2;
  const lat = 60 + random() * 1.5;
  return storedServicePoint(`p${i}`, `P${i}`, lon, lat, [catalogue[i % catalogue.length]!.code]);
});

describe('the analysis snapshot’s access tables', () => {
  const snapshot = new AnalysisSnapshot(1, settlements, points, catalogue);
  const oracleEngine = new AccessEngine(points, catalogue);
  const models = [
    { circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 0 },
    { circuityFactor: 1.2, speedKmh: 90, fixedMinutes: 3 },
  ];

  it('equal a fresh computeAccessTable for every type, model and threshold (derived minutes included)', () => {
    for (const model of models) {
      for (const threshold of [undefined, 7, 45]) {
        for (const { code } of catalogue) {
          const got = snapshot.table(code, model, threshold);
          const want = computeAccessTable(settlements, oracleEngine, code, {
            model,
            thresholdMinutes: threshold,
            k: 2,
          });
          expect(got.thresholdMinutes).toBe(want.thresholdMinutes);
          expect([...got.pointIndex]).toEqual([...want.pointIndex]);
          expect([...got.secondPointIndex!]).toEqual([...want.secondPointIndex!]);
          for (let i = 0; i < settlements.length; i++) {
            expect(got.minutes[i]).toBeCloseTo(want.minutes[i]!, 9);
            expect(got.secondMinutes![i]).toBeCloseTo(want.secondMinutes![i]!, 9);
          }
        }
      }
    }
  });

  it('keeps a bounded number of derived tables however many thresholds are asked for', () => {
    const s = new AnalysisSnapshot(2, settlements, points, catalogue);
    const first = s.table('GROCERY', models[0]!, 1);
    for (let m = 2; m < 200; m++) s.table('GROCERY', models[0]!, m);
    // The first one was evicted: asking again builds a new (equal) table object.
    const again = s.table('GROCERY', models[0]!, 1);
    expect(again).not.toBe(first);
    expect([...again.minutes]).toEqual([...first.minutes]);
  });
});

describe('the snapshot of the points open at an instant', () => {
  // Half the points keep weekday shop hours, the rest have none (always open).
  const hoursOf = (i: number) => (i % 2 === 0 ? 'Mo-Fr 08:00-17:00' : null);
  const withHours = points.map((p, i) => ({ ...p, openingHours: hoursOf(i) }));
  const snapshot = new AnalysisSnapshot(1, settlements, withHours, catalogue);

  it('holds exactly the points whose hours say open then', () => {
    const at = new Date('2026-06-09T10:00:00+02:00'); // Tuesday 10:00
    const night = new Date('2026-06-09T22:00:00+02:00');
    expect(snapshot.openAt(at).openPoints.map((p) => p.id)).toEqual(withHours.map((p) => p.id));
    expect(snapshot.openAt(night).openPoints.map((p) => p.id)).toEqual(
      withHours.filter((_, i) => hoursOf(i) === null).map((p) => p.id),
    );
  });

  it('is one snapshot (tables included) for every instant with the same points open', () => {
    const tuesday = snapshot.openAt(new Date('2026-06-09T10:00:00+02:00'));
    const table = tuesday.table(catalogue[0]!.code, { circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 0 });
    const wednesday = snapshot.openAt(new Date('2026-06-10T11:37:00+02:00'));
    expect(wednesday).toBe(tuesday);
    expect(wednesday.table(catalogue[0]!.code, { circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 0 })).toBe(
      table,
    );
    const night = snapshot.openAt(new Date('2026-06-10T23:37:00+02:00'));
    expect(night).not.toBe(tuesday);
    expect(snapshot.openAt(new Date('2026-06-13T12:00:00+02:00'))).toBe(night); // Saturday: shops shut
  });
});

describe('the resident tables (grid squares and settlements outside the grid)', () => {
  // A 1 km grid over the western half of the settlements' area, in municipality 2085 like them.
  const grid: EngineGridCell[] = Array.from({ length: 300 }, (_, i) => ({
    id: `cell${i}`,
    sizeM: 1000,
    lon: 14 + random(),
    lat: 60 + random() * 1.5,
    population: 1 + Math.floor(random() * 80),
    population65Plus: null,
    population80Plus: null,
    municipalityCode: '2085',
    countyCode: '20',
  }));
  const snapshot = new AnalysisSnapshot(
    1,
    settlements,
    points,
    catalogue,
    null,
    undefined,
    null,
    undefined,
    grid,
  );
  const model = { circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 0 };

  it('answer another threshold exactly as a fresh search at that threshold', () => {
    for (const { code } of catalogue) {
      for (const threshold of [3, 12.5, 60]) {
        const got = snapshot.residentTable(code, model, threshold);
        const want = snapshot.residentTravel(model).table(code, { thresholdMinutes: threshold });
        expect(got.thresholdMinutes).toBe(threshold);
        expect([...got.pointIndex]).toEqual([...want.pointIndex]);
        expect([...got.within]).toEqual([...want.within]);
        for (let i = 0; i < got.minutes.length; i++) expect(got.minutes[i]).toBeCloseTo(want.minutes[i]!, 9);
      }
    }
  });
});

describe('the snapshot’s one provider factory (NETWORK, with a population grid)', () => {
  const model = { circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 0 };
  const r = seededRandom(23);
  const { nodes, specs } = randomNetwork(r, 10);
  const place = () => ({ lon: 15 + r() * 0.18, lat: 60 + r() * 0.09 });
  const onRoads: Settlement[] = Array.from({ length: 80 }, (_, i) => ({
    ...settlements[i]!,
    ...place(),
    municipalityCode: i % 2 === 0 ? '2085' : '2080',
  }));
  const grid: EngineGridCell[] = Array.from({ length: 60 }, (_, i) => ({
    id: `cell${i}`,
    sizeM: 1000,
    ...place(),
    population: 5 + i,
    population65Plus: null,
    population80Plus: null,
    municipalityCode: '2085',
    countyCode: '20',
  }));
  // Half the shops keep weekday hours (closed on Sunday 6 December 2026), half have no known hours (open).
  const shops: ServicePoint[] = Array.from({ length: 12 }, (_, i) => {
    const p = place();
    const shop = storedServicePoint(`g${i}`, `G${i}`, p.lon, p.lat, ['GROCERY']);
    return { ...shop, openingHours: i % 2 === 0 ? 'Mo-Fr 08:00-17:00' : null };
  });
  const sunday = new Date('2026-12-06T12:00:00Z');

  it('an `at:` request over the grid derives from its parent and leaves the kept labels to the data version', () => {
    const network = buildRoadNetwork(buildEdges(nodes, specs), 'factory-drift');
    const version = (v: number) =>
      new AnalysisSnapshot(
        v,
        onRoads,
        shops,
        catalogue,
        network,
        DEFAULT_NETWORK_OPTIONS,
        null,
        undefined,
        grid,
      );
    const first = version(1);
    first.travel(model).table('GROCERY');
    expect(first.travel(model).labelSourceOf?.('GROCERY')).toBe('FULL');
    const child = first.openAt(sunday);
    expect(child.openPoints.length).toBe(6);
    const atSunday = child.residentTravel(model).table('GROCERY', { k: 2 });
    // Exact: the same rows as a provider built from scratch over the open shops.
    const scratch = new NetworkTravelCost(
      first.residents().origins,
      new AccessEngine(child.openPoints, catalogue),
      model,
      buildRoadNetwork(buildEdges(nodes, specs), 'factory-drift-oracle'),
    ).table('GROCERY', { k: 2 });
    expect([...atSunday.pointIndex]).toEqual([...scratch.pointIndex]);
    expect([...atSunday.minutes]).toEqual([...scratch.minutes]);
    expect([...atSunday.secondPointIndex!]).toEqual([...scratch.secondPointIndex!]);
    expect([...atSunday.within]).toEqual([...scratch.within]);
    expect(atSunday.within.some((w) => w === 1)).toBe(true);
    // The next data version, with the same shops, takes the first version's labels as they are: the
    // Sunday child's labels (6 shops) did not overwrite them.
    const second = version(2);
    second.travel(model).table('GROCERY');
    expect(second.travel(model).labelSourceOf?.('GROCERY')).toBe('REUSED');
    second.residentTravel(model).table('GROCERY');
    expect(second.residentTravel(model).labelSourceOf?.('GROCERY')).toBe('REUSED');
  });

  it('a child’s resident provider is its parent’s over the child’s points (ESTIMATED too)', () => {
    const first = new AnalysisSnapshot(
      3,
      onRoads,
      shops,
      catalogue,
      null,
      DEFAULT_NETWORK_OPTIONS,
      null,
      undefined,
      grid,
    );
    const child = first.openAt(sunday);
    const got = child.residentTravel(model).table('GROCERY');
    const want = new EstimatedTravelCost(
      first.residents().origins,
      new AccessEngine(child.openPoints, catalogue),
      model,
    ).table('GROCERY');
    expect(got.pointIndex.length).toBe(
      grid.length + onRoads.filter((s) => s.municipalityCode !== '2085').length,
    );
    expect([...got.pointIndex]).toEqual([...want.pointIndex]);
    expect([...got.minutes]).toEqual([...want.minutes]);
  });
});
