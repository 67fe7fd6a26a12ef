/**
 * Incremental road labels for scenarios: a NETWORK provider derived with withPoints from a provider that
 * already holds a type's labels (closures relabelled, added points inserted) must answer exactly as a
 * provider built from scratch over the changed points — every row, first and second point, minutes, km,
 * verdicts and connectors. The from-scratch provider runs one full multi-source search (itself checked
 * against an independent Dijkstra oracle in test/engine/network/oracle.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { AccessEngine, type AccessTable } from '../../src/engine/access.js';
import { buildRoadNetwork, NetworkTravelCost } from '../../src/engine/travel/network.js';
import { EstimatedTravelCost } from '../../src/engine/travel/estimated.js';
import { insertFacility, nodeLabels, RoadGraph, siteSeeds } from '../../src/engine/network/index.js';
import { DEFAULT_TRAVEL_MODEL, type EnginePoint } from '../../src/engine/types.js';
import { ROW_NETWORK } from '../../src/engine/travel/verdict.js';
import {
  groceryPharmacyPoints,
  placedSettlements,
  serviceType,
  servicePoint,
  settlement,
} from './helpers/builders.js';
import { buildEdges, randomNetwork, randomSite, seededRandom, siteOnEdge } from './network/helpers.js';

const FIELDS = [
  'pointIndex',
  'minutes',
  'travelKm',
  'straightKm',
  'within',
  'method',
  'connectorKm',
  'fallback',
  'secondPointIndex',
  'secondMinutes',
  'secondTravelKm',
  'secondWithin',
  'secondConnectorKm',
] as const;

/** Row by row, the point ids (indices differ between engines) and every figure. */
function rows(table: AccessTable, points: readonly EnginePoint[]) {
  const t = table as unknown as Record<string, ArrayLike<number> | undefined>;
  return Array.from({ length: table.pointIndex.length }, (_, i) => {
    const row: Record<string, unknown> = {};
    for (const f of FIELDS) row[f] = t[f]?.[i];
    row.pointIndex = points[table.pointIndex[i]!]?.id ?? null;
    row.secondPointIndex = points[table.secondPointIndex![i]!]?.id ?? null;
    return row;
  });
}

describe('NETWORK scenarios: labels derived incrementally equal a full search', () => {
  for (const seed of [11, 12, 13, 14, 15, 16]) {
    it(`random network ${seed}: close and add points`, () => {
      const random = seededRandom(seed);
      const { nodes, specs } = randomNetwork(random, 12);
      const network = buildRoadNetwork(buildEdges(nodes, specs), `test-${seed}`);
      const place = () => ({ lon: 15 - 0.01 + random() * 0.25, lat: 60 - 0.005 + random() * 0.12 });
      const origins = placedSettlements(150, place);
      const catalogue = [serviceType('GROCERY', 8), serviceType('PHARMACY', 12, 9)];
      const points = groceryPharmacyPoints(24, place);
      const base = new NetworkTravelCost(
        origins,
        new AccessEngine(points, catalogue),
        DEFAULT_TRAVEL_MODEL,
        network,
      );
      for (const t of catalogue) base.table(t.code, { k: 2 }); // the baseline's labels, as a scenario has them

      const closeCount = 1 + Math.floor(random() * 2);
      const closed = new Set(points.filter(() => random() < closeCount / points.length).map((p) => p.id));
      closed.add(points[Math.floor(random() * points.length)]!.id);
      const added = Array.from({ length: 1 + Math.floor(random() * 2) }, (_, i) => {
        const p = place();
        return servicePoint(`new${i}`, p.lon, p.lat, ['GROCERY', 'PHARMACY']);
      });
      const changedPoints = [...points.filter((p) => !closed.has(p.id)), ...added];
      const changed = new AccessEngine(changedPoints, catalogue);

      const derived = base.withPoints(changed) as NetworkTravelCost;
      const fresh = new NetworkTravelCost(origins, changed, DEFAULT_TRAVEL_MODEL, network);
      for (const t of catalogue) {
        const a = derived.table(t.code, { k: 2 });
        const b = fresh.table(t.code, { k: 2 });
        expect(derived.labelSource.get(t.code)).toBe('INCREMENTAL');
        expect(fresh.labelSource.get(t.code)).toBe('FULL');
        const idx = changed.index(t.code).points;
        expect(rows(a, idx)).toEqual(rows(b, idx));
      }
      // The scenario changed something (else equality proves nothing).
      const before = rows(base.table('GROCERY', { k: 2 }), base.engine.index('GROCERY').points);
      expect(rows(derived.table('GROCERY', { k: 2 }), changed.index('GROCERY').points)).not.toEqual(before);
    });
  }

  it('falls back to one full search when most points change', () => {
    const random = seededRandom(3);
    const { nodes, specs } = randomNetwork(random, 8);
    const network = buildRoadNetwork(buildEdges(nodes, specs), 'test-many');
    const catalogue = [serviceType('GROCERY', 8)];
    const points = Array.from({ length: 20 }, (_, i) =>
      servicePoint(`p${i}`, 15 + random() * 0.14, 60 + random() * 0.07),
    );
    const origins = [settlement('s', 15.05, 60.03)];
    const base = new NetworkTravelCost(
      origins,
      new AccessEngine(points, catalogue),
      DEFAULT_TRAVEL_MODEL,
      network,
    );
    base.table('GROCERY', { k: 2 });
    const derived = base.withPoints(new AccessEngine(points.slice(0, 5), catalogue)) as NetworkTravelCost;
    derived.table('GROCERY', { k: 2 });
    expect(derived.labelSource.get('GROCERY')).toBe('FULL');
  });
});

describe('NetworkTravelCost.table: rows the network cannot answer', () => {
  it('carry exactly the ESTIMATED provider figures for those origins, with the reason', () => {
    const random = seededRandom(51);
    const { nodes, specs } = randomNetwork(random, 10);
    const network = buildRoadNetwork(buildEdges(nodes, specs), 'test-fallback');
    const catalogue = [serviceType('GROCERY', 8, 6)];
    const points = Array.from({ length: 10 }, (_, i) =>
      servicePoint(`p${i}`, 15 + random() * 0.2, 60 + random() * 0.1),
    );
    // Half on the network, half 30–60 km east of it (beyond the 5 km snap limit).
    const origins = Array.from({ length: 60 }, (_, i) =>
      i % 2 === 0
        ? settlement(`s${i}`, 15 + random() * 0.2, 60 + random() * 0.1)
        : settlement(`s${i}`, 15.8 + random() * 0.5, 60 + random() * 0.1),
    );
    const engine = new AccessEngine(points, catalogue);
    const net = new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, network).table('GROCERY', {
      k: 2,
    });
    const est = new EstimatedTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL).table('GROCERY', { k: 2 });
    let fallbacks = 0;
    for (let i = 0; i < origins.length; i++) {
      if (net.method[i] === ROW_NETWORK) continue;
      fallbacks++;
      expect(net.fallback![i]).toBeGreaterThan(0);
      for (const f of FIELDS) {
        if (f === 'method' || f === 'connectorKm' || f === 'fallback' || f === 'secondConnectorKm') continue;
        expect([f, net[f]![i]]).toEqual([f, est[f]![i]]);
      }
    }
    expect(fallbacks).toBeGreaterThanOrEqual(30);
    // The figures live in shared memory, so a worker hands the table to the main thread without a copy.
    for (const f of ['pointIndex', 'minutes', 'travelKm', 'straightKm', 'method', 'secondMinutes'] as const)
      expect(net[f]!.buffer, f).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('NetworkTravelCost.nearest', () => {
  it('answers from the sites without a network-wide search, and agrees with the table', () => {
    const random = seededRandom(41);
    const { nodes, specs } = randomNetwork(random, 10);
    const network = buildRoadNetwork(buildEdges(nodes, specs), 'test-nearest');
    const catalogue = [serviceType('GROCERY', 8)];
    const points = Array.from({ length: 12 }, (_, i) =>
      servicePoint(`p${i}`, 15 + random() * 0.2, 60 + random() * 0.1),
    );
    const origins = Array.from({ length: 40 }, (_, i) =>
      settlement(`s${i}`, 15 + random() * 0.2, 60 + random() * 0.1),
    );
    const engine = new AccessEngine(points, catalogue);
    const lazy = new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, network);
    const answers = origins.map((o) => lazy.nearest(o.lon, o.lat, 'GROCERY', 1)[0]);
    expect(lazy.labelSource.has('GROCERY')).toBe(false); // no labels were computed for nearest
    const table = new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, network).table('GROCERY');
    let networkRows = 0;
    answers.forEach((a, i) => {
      if (table.method[i] !== ROW_NETWORK || a === undefined) return;
      networkRows++;
      expect(a.pointId).toBe(engine.index('GROCERY').points[table.pointIndex[i]!]!.id);
      expect(a.travelMinutes).toBeCloseTo(table.minutes[i]!, 9);
    });
    expect(networkRows).toBeGreaterThan(20);
  });

  it('gives the table’s first and second minutes for k = 2, the same again on a second call (typed scratch reset)', () => {
    for (const seed of [42, 43, 44]) {
      const random = seededRandom(seed);
      const { nodes, specs } = randomNetwork(random, 10);
      const network = buildRoadNetwork(buildEdges(nodes, specs), `test-forward-${seed}`);
      const catalogue = [serviceType('GROCERY', 8)];
      const points = Array.from({ length: 10 }, (_, i) =>
        servicePoint(`p${i}`, 15 + random() * 0.2, 60 + random() * 0.1),
      );
      const origins = Array.from({ length: 60 }, (_, i) =>
        settlement(`s${i}`, 15 + random() * 0.2, 60 + random() * 0.1),
      );
      const engine = new AccessEngine(points, catalogue);
      const travel = new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, network);
      const table = travel.table('GROCERY', { k: 2 });
      let checked = 0;
      origins.forEach((o, i) => {
        if (table.method[i] !== ROW_NETWORK) return;
        const first = travel.nearest(o.lon, o.lat, 'GROCERY', 2);
        expect(travel.nearest(o.lon, o.lat, 'GROCERY', 2)).toEqual(first);
        expect(first[0]!.travelMinutes).toBeCloseTo(table.minutes[i]!, 9);
        if (table.secondPointIndex![i]! >= 0) {
          expect(first[1]!.travelMinutes).toBeCloseTo(table.secondMinutes![i]!, 9);
          checked++;
        }
      });
      expect(checked).toBeGreaterThan(20);
    }
  });
});

describe('insertFacility', () => {
  it('breaks exact ties like a full search: a co-located facility wins them only with a lower number', () => {
    const random = seededRandom(31);
    const { nodes, specs } = randomNetwork(random, 10);
    const edges = buildEdges(nodes, specs);
    const graph = RoadGraph.build(edges);
    const at = (facility: number, edge: number, fraction: number) =>
      siteOnEdge(edges, facility, edge, fraction);
    const others = [at(0, 3, 0.5), at(2, 40, 0.25), at(4, 77, 1)];
    // Facility 1 or 3 sits exactly where 2 does: every node reaches both at the same cost.
    for (const twin of [1, 3]) {
      const labels = nodeLabels(graph, siteSeeds(edges, others));
      insertFacility(graph, labels, siteSeeds(edges, [at(twin, 40, 0.25)]));
      const full = nodeLabels(graph, siteSeeds(edges, [...others, at(twin, 40, 0.25)]));
      expect(labels).toEqual(full);
      const owned = Array.from(full.facility1).filter((f) => f === Math.min(twin, 2)).length;
      expect(owned).toBeGreaterThan(5);
    }
  });

  for (const seed of [21, 22, 23, 24]) {
    it(`equals a full search with the facility among the seeds (random network ${seed})`, () => {
      const random = seededRandom(seed);
      const { nodes, specs } = randomNetwork(random, 10);
      const edges = buildEdges(nodes, specs);
      const graph = RoadGraph.build(edges);
      const site = (facility: number) => randomSite(random, edges, facility);
      const sites = Array.from({ length: 6 }, (_, f) => site(f));
      // The new facility gets a number in the middle, so ties against higher and lower numbers both occur.
      const extra = site(3);
      const renumbered = sites.map((s) => (s.facility >= 3 ? { ...s, facility: s.facility + 1 } : s));
      const labels = nodeLabels(graph, siteSeeds(edges, renumbered));
      const changed = insertFacility(graph, labels, siteSeeds(edges, [extra]));
      const full = nodeLabels(graph, siteSeeds(edges, [...renumbered, extra]));
      expect(changed.length).toBeGreaterThan(0);
      expect(labels).toEqual(full);
    });
  }
});

describe('origin snaps are reused across snapshots while the origins stand still', () => {
  it('a new provider over the same positions answers alike; a moved origin is snapped anew', () => {
    const random = seededRandom(21);
    const { nodes, specs } = randomNetwork(random, 10);
    const edges = buildEdges(nodes, specs);
    const network = buildRoadNetwork(edges, 'test-snap-cache');
    const catalogue = [serviceType('GROCERY', 8)];
    const points = Array.from({ length: 12 }, (_, i) =>
      servicePoint(`p${i}`, 15 + random() * 0.18, 60 + random() * 0.09),
    );
    const engine = new AccessEngine(points, catalogue);
    const places = Array.from({ length: 80 }, () => ({
      lon: 15 + random() * 0.18,
      lat: 60 + random() * 0.09,
    }));
    const origins = places.map((p, i) => settlement(`s${i}`, p.lon, p.lat));
    const first = new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, network);
    const before = rows(first.table('GROCERY', { k: 2 }), engine.index('GROCERY').points);
    // A new snapshot: new objects, same positions (the cache's hit), then one origin moved far.
    const again = places.map((p, i) => settlement(`s${i}`, p.lon, p.lat));
    const second = new NetworkTravelCost(again, engine, DEFAULT_TRAVEL_MODEL, network);
    expect(rows(second.table('GROCERY', { k: 2 }), engine.index('GROCERY').points)).toEqual(before);
    const moved = places.map((p, i) => settlement(`s${i}`, i === 7 ? p.lon + 0.09 : p.lon, p.lat));
    const third = new NetworkTravelCost(moved, engine, DEFAULT_TRAVEL_MODEL, network);
    const after = rows(third.table('GROCERY', { k: 2 }), engine.index('GROCERY').points);
    // The oracle for the moved set: a network object of its own (nothing cached on it).
    const alone = buildRoadNetwork(edges, 'test-snap-cache-fresh');
    const fresh = new NetworkTravelCost(moved, engine, DEFAULT_TRAVEL_MODEL, alone);
    expect(after).toEqual(rows(fresh.table('GROCERY', { k: 2 }), engine.index('GROCERY').points));
    expect(after[7]).not.toEqual(before[7]);
    // The reach of a new point reads the same snaps (grouped by edge): equal on both networks.
    const reachA = third.reach(15.09, 60.045, 'GROCERY');
    const reachB = fresh.reach(15.09, 60.045, 'GROCERY');
    expect(Array.from(reachA.index)).toEqual(Array.from(reachB.index));
    expect(reachA.index.length).toBeGreaterThan(0);
  });
});

describe('labels across data versions (providers of a version’s own points)', () => {
  it('a new version takes unchanged labels as they are, derives changed ones, and never a scenario’s', () => {
    const random = seededRandom(33);
    const { nodes, specs } = randomNetwork(random, 10);
    const edges = buildEdges(nodes, specs);
    const network = buildRoadNetwork(edges, 'test-across-versions');
    const catalogue = [serviceType('GROCERY', 8), serviceType('PHARMACY', 12)];
    const points = Array.from({ length: 16 }, (_, i) => ({
      ...servicePoint(`p${i}`, 15 + random() * 0.18, 60 + random() * 0.09),
      serviceTypes: [i % 2 === 0 ? 'GROCERY' : 'PHARMACY'],
    }));
    const origins = Array.from({ length: 60 }, (_, i) =>
      settlement(`s${i}`, 15 + random() * 0.18, 60 + random() * 0.09),
    );
    /** A provider of a data version over these points (new objects, as every load makes them). */
    const version = (pts: typeof points) => {
      const engine = new AccessEngine(
        pts.map((p) => ({ ...p })),
        catalogue,
      );
      return {
        engine,
        provider: new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, network).acrossVersions(),
      };
    };
    /** The oracle: one full search on a network object of its own (nothing shared with the versions). */
    const alone = buildRoadNetwork(edges, 'test-across-versions-fresh');
    const full = (engine: AccessEngine, code: string) =>
      rows(
        new NetworkTravelCost(origins, engine, DEFAULT_TRAVEL_MODEL, alone).table(code, { k: 2 }),
        engine.index(code).points,
      );
    const check = (v: ReturnType<typeof version>, code: string, source: string) => {
      const table = rows(v.provider.table(code, { k: 2 }), v.engine.index(code).points);
      expect(v.provider.labelSource.get(code), code).toBe(source);
      expect(table).toEqual(full(v.engine, code));
    };

    const v1 = version(points);
    check(v1, 'GROCERY', 'FULL');
    check(v1, 'PHARMACY', 'FULL');
    // Version 2: a grocery closed. The pharmacies' labels are taken as they are; the groceries' derived.
    const closedOne = points.filter((p) => p.id !== 'p4');
    const v2 = version(closedOne);
    check(v2, 'PHARMACY', 'REUSED');
    check(v2, 'GROCERY', 'INCREMENTAL');
    // A scenario on version 2 (a pharmacy closed) derives from version 2 and leaves nothing behind.
    const scenarioEngine = new AccessEngine(
      closedOne.filter((p) => p.id !== 'p5'),
      catalogue,
    );
    const scenario = v2.provider.withPoints(scenarioEngine) as NetworkTravelCost;
    expect(rows(scenario.table('PHARMACY', { k: 2 }), scenarioEngine.index('PHARMACY').points)).toEqual(
      full(scenarioEngine, 'PHARMACY'),
    );
    // Version 3 has version 2's points: both types reused from version 2, not from the scenario.
    const v3 = version(closedOne);
    check(v3, 'PHARMACY', 'REUSED');
    check(v3, 'GROCERY', 'REUSED');
    // Version 4 moves every pharmacy: too many changes to derive, one full search.
    const v4 = version(
      closedOne.map((p) => (p.serviceTypes[0] === 'PHARMACY' ? { ...p, lat: p.lat + 0.004 } : p)),
    );
    check(v4, 'PHARMACY', 'FULL');
  });
});
