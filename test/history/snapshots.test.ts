import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportOptionError } from '../../src/import/index.js';
import { runImportJob } from '../../src/modules/imports/import-jobs.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

// Two yearly snapshots of a small valley (15°E; 0.045° of latitude ≈ 5 km ≈ 5.8 estimated minutes).
// 2024 → 2026: Alby grows, Berga shrinks, Ceder disappears, Dala appears; the shop by Ceder closes, a shop
// opens by Dala; the pharmacy stays. Each date's answers must equal a fresh database holding only that
// year's files: the oracle is the existing, undated import path, not the history code.
const dir = mkdtempSync(join(tmpdir(), 'sa-history-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const SETTLEMENTS_2024 = file(
  'tatorter-2024.csv',
  'externalId,name,population,population65Plus,municipalityCode,countyCode,lon,lat\n' +
    'T1,Alby,1000,200,2085,20,15,60\nT2,Berga,500,150,2085,20,15,60.2\nT3,Ceder,300,120,2085,20,15,60.4\n' +
    'T5,Ekby,250,100,2085,20,15.3,60.2\n',
);
const SETTLEMENTS_2026 = file(
  'tatorter-2026.csv',
  'externalId,name,population,population65Plus,municipalityCode,countyCode,lon,lat\n' +
    'T1,Alby,1100,260,2085,20,15,60\nT2,Berga,450,160,2085,20,15,60.2\nT4,Dala,200,90,2085,20,15.3,60.4\n' +
    'T5,Ekby,250,100,2085,20,15.3,60.2\n',
);
const POINTS_2024 = file(
  'shops-2024.csv',
  'externalId,name,serviceTypes,municipalityCode,lon,lat\n' +
    'P1,Alby shop,GROCERY,2085,15,60.045\nP2,Ceder shop,GROCERY,2085,15,60.4\nP3,Alby pharmacy,PHARMACY,2085,15,60.01\n' +
    'P5,Berga shop,GROCERY,2085,15,60.2\n',
);
const POINTS_2026 = file(
  'shops-2026.csv',
  'externalId,name,serviceTypes,municipalityCode,lon,lat\n' +
    'P1,Alby shop,GROCERY,2085,15,60.045\nP4,Dala shop,GROCERY,2085,15.3,60.41\nP3,Alby pharmacy,PHARMACY,2085,15,60.01\n' +
    'P6,Ekby shop,GROCERY,2085,15.3,60.2\n',
);

const importInto = (
  server: TestServer,
  kind: 'settlements' | 'service-points',
  path: string,
  asOf?: string,
) => runImportJob(server.app.db, { kind, file: path, options: asOf === undefined ? {} : { asOf } });

/** Everything a date's answer holds, keyed by names (ids differ between databases). */
const QUESTION = `query($asOf: Date) {
  settlements(first: 100, asOf: $asOf) { totalCount nodes { name population population65Plus
    access(serviceTypes: [GROCERY, PHARMACY]) { serviceType servicePoint { name } travelMinutes withinThreshold } } }
  servicePoints(first: 100, asOf: $asOf) { totalCount nodes { name serviceTypes status } }
  openShops: servicePoints(first: 100, asOf: $asOf, filter: { serviceType: GROCERY, status: OPEN }) {
    totalCount nodes { name status } }
  serviceDeserts(serviceType: GROCERY, asOf: $asOf) { totalCount nodes { name } }
  accessIndicators(serviceTypes: [GROCERY], groupBy: MUNICIPALITY, asOf: $asOf) {
    areaCode population population65Plus populationBeyondThreshold population65PlusBeyondThreshold
    settlementsBeyondThreshold meanMinutesPopulationWeighted shareWithin { minutes share } }
}`;

type Named = { name: string };
async function answer(server: TestServer, asOf: string | null) {
  const res = await server.gql<{
    settlements: { nodes: Named[] };
    servicePoints: { nodes: Named[] };
    openShops: { nodes: Named[] };
  }>(QUESTION, { asOf });
  expect(res.errors).toBeUndefined();
  // Ids (and so the id order of the lists) differ between databases: compare by name.
  const byName = (a: Named, b: Named) => a.name.localeCompare(b.name);
  res.data!.settlements.nodes.sort(byName);
  res.data!.servicePoints.nodes.sort(byName);
  res.data!.openShops.nodes.sort(byName);
  return res.data;
}

describe('yearly snapshots: each date answers like a database holding only that year', () => {
  let history: TestServer;
  let only2024: TestServer;
  let only2026: TestServer;

  beforeAll(async () => {
    [history, only2024, only2026] = await Promise.all([
      startTestServer(),
      startTestServer(),
      startTestServer(),
    ]);
    await importInto(history, 'settlements', SETTLEMENTS_2024, '2024-01-01');
    await importInto(history, 'service-points', POINTS_2024, '2024-01-01');
    await importInto(history, 'settlements', SETTLEMENTS_2026, '2026-01-01');
    await importInto(history, 'service-points', POINTS_2026, '2026-01-01');
    await importInto(only2024, 'settlements', SETTLEMENTS_2024);
    await importInto(only2024, 'service-points', POINTS_2024);
    await importInto(only2026, 'settlements', SETTLEMENTS_2026);
    await importInto(only2026, 'service-points', POINTS_2026);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([history?.close(), only2024?.close(), only2026?.close()]);
  });

  it('answers 2024 and mid-2025 as the 2024 files alone', async () => {
    const oracle = await answer(only2024, null);
    expect(await answer(history, '2024-01-01')).toEqual(oracle);
    expect(await answer(history, '2025-06-30')).toEqual(oracle);
  });

  it('loads one snapshot per validity period, whatever dates a client sends inside it', async () => {
    const services = history.running.services;
    const datedIn2024 = ['2024-02-03', '2024-09-10', '2025-04-05', '2025-12-31'];
    await services.snapshotFor({ asOf: datedIn2024[0]! });
    const loads = services.datedLoads;
    for (const asOf of datedIn2024) await services.snapshotFor({ asOf });
    expect(services.datedLoads).toBe(loads);
    // The next period (the 2026 snapshot) is another load.
    await services.snapshotFor({ asOf: '2026-03-03' });
    expect(services.datedLoads).toBe(loads + 1);
    // And each date still answers as that year's files alone (the oracle of the tests around this one).
    expect(await answer(history, '2025-04-05')).toEqual(await answer(only2024, null));
  });

  it('answers 2026 and today as the 2026 files alone', async () => {
    const oracle = await answer(only2026, null);
    expect(await answer(history, '2026-01-01')).toEqual(oracle);
    expect(await answer(history, '2026-06-30')).toEqual(oracle);
    // Today: the same, except that the plain service-point list also shows the closed shop (with its dates).
    const today = await answer(history, null);
    expect({ ...today, servicePoints: null }).toEqual({ ...oracle, servicePoints: null });
  });

  it('knows nothing before the first snapshot', async () => {
    const before = (await answer(history, '2023-12-31')) as unknown as {
      settlements: { totalCount: number };
      servicePoints: { totalCount: number };
    };
    expect(before.settlements.totalCount).toBe(0);
    expect(before.servicePoints.totalCount).toBe(0);
  });

  it('keeps the closed shop with its closing date, and the grown population beside the old one', async () => {
    const res = await history.gql<{
      servicePoints: {
        nodes: { name: string; status: string; validFrom: string | null; validTo: string | null }[];
      };
    }>('{ servicePoints(first: 10) { nodes { name status validFrom validTo } } }');
    expect(res.data!.servicePoints.nodes).toEqual(
      expect.arrayContaining([
        { name: 'Ceder shop', status: 'CLOSED', validFrom: '2024-01-01', validTo: '2026-01-01' },
        { name: 'Dala shop', status: 'OPEN', validFrom: '2026-01-01', validTo: null },
        { name: 'Alby shop', status: 'OPEN', validFrom: '2024-01-01', validTo: null },
      ]),
    );
    const alby = async (asOf: string) =>
      (
        await history.gql<{ settlements: { nodes: { population: number; population65Plus: number }[] } }>(
          'query($asOf: Date) { settlements(filter: { name: "alb" }, asOf: $asOf) { nodes { population population65Plus } } }',
          { asOf },
        )
      ).data!.settlements.nodes;
    expect(await alby('2025-12-31')).toEqual([{ population: 1000, population65Plus: 200 }]);
    expect(await alby('2026-01-01')).toEqual([{ population: 1100, population65Plus: 260 }]);
  });

  it('reads a dated page as the rows stood then: status, the status filter and totalCount on asOf', async () => {
    const page = async (asOf: string, status: string) =>
      (
        await history.gql<{
          servicePoints: { totalCount: number; nodes: { name: string; status: string }[] };
        }>(
          `query($asOf: Date) { servicePoints(first: 100, asOf: $asOf, filter: { serviceType: GROCERY, status: ${status} }) {
            totalCount nodes { name status validFrom validTo } } }`,
          { asOf },
        )
      ).data!.servicePoints;
    // On 2024-06-01 the three 2024 shops were open, the two closed by the 2026 snapshot included.
    const open2024 = await page('2024-06-01', 'OPEN');
    expect(open2024.totalCount).toBe(3);
    expect(open2024.nodes.map((n) => n.name).sort()).toEqual(['Alby shop', 'Berga shop', 'Ceder shop']);
    expect(open2024.nodes.map((n) => n.status)).toEqual(['OPEN', 'OPEN', 'OPEN']);
    expect(open2024.nodes.find((n) => n.name === 'Ceder shop')).toMatchObject({
      validFrom: '2024-01-01',
      validTo: '2026-01-01',
    });
    // None was closed that day; today's CLOSED rows are not "closed on 2024-06-01".
    expect((await page('2024-06-01', 'CLOSED')).totalCount).toBe(0);
    // Without a date the same filter reads today's rows: the two closed shops are CLOSED now.
    const closedToday = await history.gql<{ servicePoints: { totalCount: number } }>(
      '{ servicePoints(filter: { serviceType: GROCERY, status: CLOSED }) { totalCount } }',
    );
    expect(closedToday.data!.servicePoints.totalCount).toBe(2);
  });

  it('re-imports the same year without changing any answer', async () => {
    const before = [await answer(history, '2024-01-01'), await answer(history, '2026-06-30')];
    const again = await importInto(history, 'service-points', POINTS_2026, '2026-01-01');
    expect(again.lines.join('\n')).toContain('0 service points of its scope missing from it');
    await importInto(history, 'settlements', SETTLEMENTS_2026, '2026-01-01');
    expect([await answer(history, '2024-01-01'), await answer(history, '2026-06-30')]).toEqual(before);
  });

  it('tells what changed between the snapshots, as the two single-year databases differ', async () => {
    type Row = {
      name: string;
      population: number;
      population65Plus: number | null;
      access: { serviceType: string; withinThreshold: boolean }[];
    };
    type Answer = {
      settlements: { nodes: Row[] };
      servicePoints: { nodes: { name: string; serviceTypes: string[] }[] };
      accessIndicators: { areaCode: string; populationBeyondThreshold: number }[];
    };
    const old = (await answer(only2024, null)) as unknown as Answer;
    const now = (await answer(only2026, null)) as unknown as Answer;
    const within = (a: Answer) =>
      new Map(
        a.settlements.nodes.map((s) => [
          s.name,
          s.access.find((x) => x.serviceType === 'GROCERY')!.withinThreshold,
        ]),
      );
    const [wasWithin, isWithin] = [within(old), within(now)];
    const both = now.settlements.nodes.filter((s) => wasWithin.has(s.name));
    const losing = both.filter((s) => wasWithin.get(s.name) && !isWithin.get(s.name));
    const gaining = both.filter((s) => !wasWithin.get(s.name) && isWithin.get(s.name));
    const groceries = (a: Answer) =>
      a.servicePoints.nodes.filter((p) => p.serviceTypes.includes('GROCERY')).map((p) => p.name);
    const res = await history.gql<{
      accessChanges: Record<string, unknown> & {
        indicatorDeltas: { areaCode: string; populationBeyondThresholdDelta: number }[];
      };
    }>(
      `{ accessChanges(serviceType: GROCERY, from: "2024-01-01", to: "2026-01-01", area: { municipalityCode: "2085" }) {
          pointsOpened { name } pointsClosed { name }
          settlementsLosingAccess { name } settlementsGainingAccess { name }
          populationLosingAccess populationGainingAccess population65PlusLosingAccess
          indicatorDeltas { areaCode populationBeyondThresholdDelta } } }`,
    );
    expect(res.errors).toBeUndefined();
    const changes = res.data!.accessChanges;
    const names = (list: unknown) => (list as { name: string }[]).map((x) => x.name).sort();
    expect(names(changes.pointsOpened)).toEqual(
      groceries(now)
        .filter((n) => !groceries(old).includes(n))
        .sort(),
    );
    expect(names(changes.pointsClosed)).toEqual(
      groceries(old)
        .filter((n) => !groceries(now).includes(n))
        .sort(),
    );
    expect(names(changes.settlementsLosingAccess)).toEqual(losing.map((s) => s.name).sort());
    expect(names(changes.settlementsGainingAccess)).toEqual(gaining.map((s) => s.name).sort());
    expect(changes.populationLosingAccess).toBe(losing.reduce((n, s) => n + s.population, 0));
    expect(changes.populationGainingAccess).toBe(gaining.reduce((n, s) => n + s.population, 0));
    expect(changes.population65PlusLosingAccess).toBe(
      losing.reduce((n, s) => n + (s.population65Plus ?? 0), 0),
    );
    expect(changes.indicatorDeltas).toEqual([
      {
        areaCode: '2085',
        populationBeyondThresholdDelta:
          now.accessIndicators[0]!.populationBeyondThreshold -
          old.accessIndicators[0]!.populationBeyondThreshold,
      },
    ]);
    // The case is not empty: Berga lost its shop, Ekby got one.
    expect(names(changes.settlementsLosingAccess)).toEqual(['Berga']);
    expect(names(changes.settlementsGainingAccess)).toEqual(['Ekby']);
    const dates = await history.gql<{ snapshotDates: string[] }>('{ snapshotDates }');
    expect(dates.data!.snapshotDates).toEqual(['2024-01-01', '2026-01-01']);
  });

  it('refuses a date that is not a calendar date, and a snapshot without externalIds', async () => {
    await expect(importInto(history, 'settlements', SETTLEMENTS_2024, '2024-02-30')).rejects.toBeInstanceOf(
      ImportOptionError,
    );
    const noIds = file('no-ids.csv', 'name,population,lon,lat\nEkby,100,15,61\n');
    await expect(importInto(history, 'settlements', noIds, '2024-01-01')).rejects.toThrow(/externalId/);
  });
});
