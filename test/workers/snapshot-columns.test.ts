/**
 * The analysis workers receive a snapshot's settlements as columns (src/workers/settlement-columns.ts)
 * and build the Settlement objects only when a job reads them; their access tables come back in shared
 * memory (src/engine/columns.ts) or transferred (src/workers/result-transfer.ts). Whatever path a snapshot takes, a worker's snapshot must
 * hold exactly the settlements it was built from — every field, nulls, asOf, any Unicode — and give the
 * same answers as the snapshot itself.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildRoadNetwork } from '../../src/engine/travel/network.js';
import { DEFAULT_TRAVEL_MODEL } from '../../src/engine/types.js';
import { AnalysisSnapshot } from '../../src/modules/access/snapshot.js';
import type { ServicePoint } from '../../src/modules/service-points/service-point.repository.js';
import type { Settlement } from '../../src/modules/settlements/settlement.repository.js';
import { ANALYSIS_JOBS } from '../../src/workers/analysis-jobs.js';
import { AnalysisPool } from '../../src/workers/analysis-pool.js';
import { transferableResult } from '../../src/workers/result-transfer.js';
import { ColumnarSettlements } from '../../src/workers/settlement-columns.js';
import { SnapshotReceiver, snapshotPayload } from '../../src/workers/snapshot-transfer.js';
import { seededRandom, serviceType, storedServicePoint } from '../engine/helpers/builders.js';
import { buildEdges, randomNetwork } from '../engine/network/helpers.js';

const NAMES = ['Grangärde', 'Åre', 'Östra Ämtervik', 'Sälen 🏔️', 'Ñandú', 'Ǆemal', 'e\u0301', '', 'Björkö'];
const KINDS = ['TATORT', 'SMAORT', 'VILLAGE'] as const;

/**
 * More settlements than a dictionary column holds (ids, names and external ids go as text), with every
 * nullable field null on some rows, asOf on some, and numbers of every kind a column must keep (-0,
 * fractions, large, negative).
 */
function makeSettlements(n: number, seed: number): Settlement[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i): Settlement => {
    const s: Settlement = {
      id: String(i * 7 + 1),
      name: `${NAMES[i % NAMES.length]}${i % 11 === 0 ? '' : ` ${i}`}`,
      kind: KINDS[i % KINDS.length]!,
      population:
        i % 13 === 0
          ? 0
          : i % 17 === 0
            ? 2_147_483_648 + i
            : i % 19 === 0
              ? 12.5
              : Math.floor(random() * 5000),
      population65Plus: i % 5 === 0 ? null : Math.floor(random() * 800),
      municipalityCode: i % 7 === 0 ? null : String(2000 + (i % 60)),
      countyCode: i % 9 === 0 ? null : String(10 + (i % 12)),
      broadbandShare: i % 4 === 0 ? null : i % 10 === 1 ? -0 : random(),
      externalId: i % 3 === 0 ? null : `SCB-${i}-ö`,
      source: i % 50 === 0 ? 'manual' : 'SCB tätorter 2023',
      lon: i === 5 ? -0 : 15 - 0.01 + random() * 0.16,
      lat: 60 - 0.005 + random() * 0.08,
    };
    if (i % 6 === 1) s.asOf = i % 12 === 1 ? '2021-12-31' : '2024-01-01';
    return s;
  });
}

const catalogue = [serviceType('GROCERY', 8), serviceType('PHARMACY', 12, 9), serviceType('POST', 20)];

function makePoints(seed: number): ServicePoint[] {
  const random = seededRandom(seed);
  return Array.from({ length: 30 }, (_, i) => {
    const lon = 15 + random() * 0.14;
    const lat = 60 + random() * 0.07;
    const types = i % 3 === 0 ? ['GROCERY', 'PHARMACY'] : i % 3 === 1 ? ['GROCERY'] : ['POST', 'PHARMACY'];
    return storedServicePoint(`p${i}`, `Punkt ${i}`, lon, lat, types);
  });
}

const random = seededRandom(4);
const { nodes, specs } = randomNetwork(random, 9);
const network = buildRoadNetwork(buildEdges(nodes, specs), 'columns-test');
const model = DEFAULT_TRAVEL_MODEL;

/** A snapshot as a worker rebuilds it from the payload (shared memory, in this thread). */
function received(snapshot: AnalysisSnapshot): AnalysisSnapshot {
  return new SnapshotReceiver().receive(snapshotPayload(snapshot)).snapshot;
}

describe('a snapshot shipped to the analysis workers', () => {
  const settlements = makeSettlements(7_000, 1);
  const points = makePoints(2);

  it('carries every settlement field exactly, as columns', () => {
    for (const roads of [network, null]) {
      const snapshot = new AnalysisSnapshot(
        7,
        settlements,
        points,
        catalogue,
        roads,
        undefined,
        '2024-06-30',
      );
      const payload = snapshotPayload(snapshot);
      // The columnar path was taken (not the structured clone of the objects) …
      expect(payload.settlements).not.toBeNull();
      // … with dictionaries for the few-valued columns and text for the others.
      const columns = payload.settlements!.columns;
      expect([columns.kind.kind, columns.countyCode.kind, columns.asOf.kind]).toEqual(
        Array(3).fill('dictionary'),
      );
      expect([columns.id.kind, columns.name.kind, columns.externalId.kind]).toEqual(Array(3).fill('text'));
      const copy = received(snapshot);
      expect(copy).not.toBe(snapshot);
      expect(copy.settlements).toStrictEqual(settlements);
      expect(Object.is(copy.settlements[5]!.lon, -0)).toBe(true);
      expect(Object.is(copy.settlements[1]!.broadbandShare, -0)).toBe(true);
      expect([...copy.settlementIndex]).toEqual([...snapshot.settlementIndex]);
      expect([copy.version, copy.asOf, copy.network?.key ?? null]).toEqual([
        7,
        '2024-06-30',
        roads?.key ?? null,
      ]);
      expect(copy.openPoints).toStrictEqual(points);
    }
  });

  it('builds its nearest tables from the coordinates alone, equal to the snapshot’s own', () => {
    const snapshot = new AnalysisSnapshot(1, settlements, points, catalogue, network);
    const copy = received(snapshot);
    const build = vi.spyOn(ColumnarSettlements.prototype, 'settlements');
    try {
      for (const { code } of catalogue) {
        expect(copy.nearestTable(code, model)).toEqual(snapshot.nearestTable(code, model));
      }
      // No Settlement object was built for them …
      expect(build).not.toHaveBeenCalled();
      // … and the other analyses, which read the settlements, get the same answers.
      const args = { indices: null, code: 'GROCERY', model, first: 200 };
      const closures = ANALYSIS_JOBS.closureImpact(copy, args);
      expect(build).toHaveBeenCalled();
      expect(closures.length).toBeGreaterThan(0);
      expect(closures).toStrictEqual(ANALYSIS_JOBS.closureImpact(snapshot, args));
    } finally {
      build.mockRestore();
    }
  });

  it('shares the columns (and the built settlements) between snapshots over the same settlements', () => {
    const base = new AnalysisSnapshot(1, settlements, points, catalogue);
    const scenario = new AnalysisSnapshot(1, base.settlements, points.slice(3), catalogue);
    expect(snapshotPayload(scenario).settlements!.key).toBe(snapshotPayload(base).settlements!.key);
    const receiver = new SnapshotReceiver();
    const a = receiver.receive(snapshotPayload(base)).snapshot;
    const b = receiver.receive(snapshotPayload(scenario)).snapshot;
    expect(b.settlements).toBe(a.settlements);
    // New settlement objects (a new data version) are encoded anew.
    const next = new AnalysisSnapshot(2, makeSettlements(7_000, 1), points, catalogue);
    expect(snapshotPayload(next).settlements!.key).not.toBe(snapshotPayload(base).settlements!.key);
  });

  it('keeps a name that UTF-8 cannot carry (a lone surrogate) and small or empty sets', () => {
    for (const list of [
      [{ ...settlements[0]!, name: 'Half \uD83C pair' }, ...settlements.slice(1)],
      settlements.slice(0, 1),
      [],
    ]) {
      const snapshot = new AnalysisSnapshot(1, list, points, catalogue);
      const columns = snapshotPayload(snapshot).settlements?.columns;
      expect(columns?.count).toBe(list.length);
      if (list.length > 1) expect(columns?.name.kind).toBe('list');
      expect(received(snapshot).settlements).toStrictEqual(list);
    }
  });

  it('ships settlements of another shape as they are (an extra field, a field of another type)', () => {
    const extra = [{ ...settlements[0]!, grid: true } as Settlement, ...settlements.slice(1, 20)];
    const odd = [
      ...settlements.slice(0, 20),
      { ...settlements[20]!, population: '12' } as unknown as Settlement,
    ];
    const undefinedAsOf = [{ ...settlements[0]!, asOf: undefined }, ...settlements.slice(1, 20)];
    for (const list of [extra, odd]) {
      const snapshot = new AnalysisSnapshot(1, list, points, catalogue);
      expect(snapshotPayload(snapshot).settlements).toBeNull();
      expect(received(snapshot).settlements).toStrictEqual(list);
    }
    expect(snapshotPayload(new AnalysisSnapshot(1, undefinedAsOf, points, catalogue)).settlements).toBeNull();
  });
});

describe('results that come back from the workers', () => {
  it('transfer copies of their large typed arrays, leaving the originals intact', () => {
    const big = new Float64Array(20_000).map((_, i) => i / 3);
    const small = new Int32Array([1, 2, 3]);
    const table = { serviceType: 'GROCERY', minutes: big, pointIndex: small, alias: big };
    const result = [table, { nested: { deeper: { deepest: { far: big } } } }];
    const { value, transfer } = transferableResult(result);
    const [t, n] = value as [typeof table, { nested: { deeper: { deepest: { far: Float64Array } } } }];
    expect(transfer).toHaveLength(1);
    expect(t.minutes).not.toBe(big);
    expect(t.minutes).toEqual(big);
    // One copy per array (the transfer list holds each buffer once) …
    expect(t.alias).toBe(t.minutes);
    expect(transfer[0]).toBe(t.minutes.buffer);
    // … small arrays and arrays too deep down are cloned as they are, and the result is not changed.
    expect(t.pointIndex).toBe(small);
    expect(n.nested.deeper.deepest.far).toBe(big);
    expect(result[0]).toBe(table);
    expect(table.minutes).toBe(big);
    structuredClone(value, { transfer });
    expect(big.length).toBe(20_000);
    expect(big[3]).toBe(1);
    expect(transferableResult({ a: 1, b: 'x' }).transfer).toEqual([]);
  });

  describe('on a real pool', () => {
    const pool = new AnalysisPool(1);
    afterAll(() => pool.close());

    it('gives the same nearest tables and closure impacts as in-process, on the worker’s cached tables', async () => {
      const settlements = makeSettlements(5_000, 3);
      const points = makePoints(4);
      const snapshot = new AnalysisSnapshot(1, settlements, points, catalogue, network);
      const local = new AnalysisSnapshot(1, settlements, points, catalogue, network);
      for (const { code } of catalogue) {
        const [table] = await pool.run(snapshot, 'nearestTables', { codes: [code], model });
        expect(table).toEqual(local.nearestTable(code, model));
      }
      expect(pool.stats.snapshotsReceived).toBe(1);
      // The worker's cached tables were not handed over (detached): its later jobs read them.
      for (const { code } of catalogue) {
        const args = { indices: null, code, model, first: 500 };
        const [onPool, inProcess] = [
          await pool.run(snapshot, 'closureImpact', args),
          ANALYSIS_JOBS.closureImpact(local, args),
        ];
        expect(onPool).toStrictEqual(inProcess);
        const again = await pool.run(snapshot, 'nearestTables', { codes: [code], model });
        expect(again).toEqual([local.nearestTable(code, model)]);
      }
      expect(pool.stats.snapshotsReceived).toBe(1);
    });

    it('hands an ESTIMATED table back in shared memory, not copied, and keeps reading its own', async () => {
      const settlements = makeSettlements(5_000, 7);
      const points = makePoints(8);
      const snapshot = new AnalysisSnapshot(2, settlements, points, catalogue);
      const local = new AnalysisSnapshot(2, settlements, points, catalogue);
      for (const { code } of catalogue) {
        const [table] = await pool.run(snapshot, 'nearestTables', { codes: [code], model });
        expect(table).toEqual(local.nearestTable(code, model));
        // engine/columns.ts: the worker built the columns in SharedArrayBuffers, so the structured clone
        // shared them (a copy would arrive in an ArrayBuffer of its own) …
        for (const column of [table!.pointIndex, table!.straightKm, table!.minutes, table!.within]) {
          expect(column.buffer).toBeInstanceOf(SharedArrayBuffer);
        }
        // … while the main thread's own tables stay in ordinary memory.
        expect(local.nearestTable(code, model).minutes.buffer).toBeInstanceOf(ArrayBuffer);
        // The worker still reads the same table for its later jobs.
        const args = { indices: null, code, model, first: 500 };
        expect(await pool.run(snapshot, 'closureImpact', args)).toStrictEqual(
          ANALYSIS_JOBS.closureImpact(local, args),
        );
      }
    });
  });
});

describe('on a pool of two threads', () => {
  const pool = new AnalysisPool(2);
  afterAll(() => pool.close());

  it('runs each type on the thread holding its labels: a new version takes them over or derives them', async () => {
    const settlements = makeSettlements(3_000, 5);
    const points = makePoints(6);
    const codes = catalogue.map((t) => t.code);
    // All types at once, as a server builds them after a write (one job per type), sent in another order
    // each version (so a thread is not chosen by the order alone); the answers in catalogue order.
    let turn = 0;
    const build = async (snapshot: AnalysisSnapshot) => {
      const order = codes.map((_, i) => codes[(i + turn) % codes.length]!);
      turn++;
      const built = await Promise.all(
        order.map((code) => pool.run(snapshot, 'nearestTables', { codes: [code], model })),
      );
      return codes.map((code) => built[order.indexOf(code)]!);
    };
    const sources = (snapshot: AnalysisSnapshot) =>
      Promise.all(codes.map((code) => pool.run(snapshot, 'labelSource', { code, model })));
    const copy = <T extends object>(rows: readonly T[]) => rows.map((r) => ({ ...r }));

    const first = new AnalysisSnapshot(1, copy(settlements), copy(points), catalogue, network);
    await build(first);
    expect(await sources(first)).toEqual(codes.map(() => 'FULL'));

    // A new version with the same points (a settlement edit): every type takes its labels over …
    const same = new AnalysisSnapshot(2, copy(settlements), copy(points), catalogue, network);
    const tables = await build(same);
    expect(await sources(same)).toEqual(codes.map(() => 'REUSED'));
    const local = new AnalysisSnapshot(2, copy(settlements), copy(points), catalogue, network);
    for (const [i, [table]] of tables.entries()) expect(table).toEqual(local.nearestTable(codes[i]!, model));

    // … and one that closes a grocery (of no other type) derives GROCERY's labels, takes over the others'.
    const closed = points.find((p) => p.serviceTypes.join() === 'GROCERY')!.id;
    const fewer = copy(points).filter((p) => p.id !== closed);
    const third = new AnalysisSnapshot(3, copy(settlements), fewer, catalogue, network);
    const after = await build(third);
    expect(await sources(third)).toEqual(codes.map((c) => (c === 'GROCERY' ? 'INCREMENTAL' : 'REUSED')));
    const local3 = new AnalysisSnapshot(3, copy(settlements), copy(fewer), catalogue, network);
    for (const [i, [table]] of after.entries()) expect(table).toEqual(local3.nearestTable(codes[i]!, model));
  });
});
