/**
 * 2SFCA on a road network: the engine's capacityAccess over a NETWORK provider equals the formula of Luo &
 * Wang (2003) evaluated plainly over every origin–point pair, with the travel minutes of an independent
 * per-origin Dijkstra oracle (test/engine/network/helpers.ts, no code shared with src/engine/network).
 * Origins and points stand on road nodes, so no snap connector enters the minutes.
 */
import { describe, expect, it } from 'vitest';
import { AccessEngine } from '../../src/engine/access.js';
import { capacityAccess } from '../../src/engine/capacity.js';
import { buildRoadNetwork, NetworkTravelCost } from '../../src/engine/travel/network.js';
import { DEFAULT_TRAVEL_MODEL, type EnginePoint, type ServiceTypeDef } from '../../src/engine/types.js';
import { buildEdges, Oracle, randomNetwork, seededRandom } from './network/helpers.js';

const CARE: ServiceTypeDef = {
  code: 'ELDERLY_CARE',
  nameSv: 'Äldreboende',
  nameEn: 'Elderly care',
  thresholdMinutes: 7.1,
  thresholdKm: null,
  digitalSubstitute: null,
};

describe('2SFCA on a road network equals the formula over oracle road minutes', () => {
  for (const seed of [61, 62, 63, 64, 65, 66]) {
    it(`random network ${seed}`, () => {
      const random = seededRandom(seed);
      const { nodes, specs } = randomNetwork(random, 10);
      const edges = buildEdges(nodes, specs);
      const network = buildRoadNetwork(edges, `cap-${seed}`);
      const nodeAt = (x: number) => ({ lon: edges.nodeLonLat[2 * x]!, lat: edges.nodeLonLat[2 * x + 1]! });
      // Nodes on some road (a node whose links were all dropped would snap onto a neighbour's road).
      const onRoad = [...new Set([...edges.source, ...edges.target])].filter((x) => x < edges.nodeCount - 2);
      const pick = () => onRoad[Math.floor(random() * onRoad.length)]!;
      const originNodes = Array.from({ length: 40 }, pick);
      const pointNodes = Array.from({ length: 6 }, pick);
      const origins = originNodes.map((x, i) => ({ id: `o${i}`, ...nodeAt(x) }));
      const points: EnginePoint[] = pointNodes.map((x, j) => ({
        id: `p${j}`,
        name: `p${j}`,
        ...nodeAt(x),
        serviceTypes: ['ELDERLY_CARE'],
        municipalityCode: null,
      }));
      const demand = Float64Array.from(origins, () => 1 + Math.floor(random() * 50));
      const capacity = Float64Array.from(points, () => Math.floor(random() * 20));
      const T = CARE.thresholdMinutes;

      const travel = new NetworkTravelCost(
        origins,
        new AccessEngine(points, [CARE]),
        DEFAULT_TRAVEL_MODEL,
        network,
      );
      const indexed = travel.engine.index('ELDERLY_CARE').points; // the engine's order of the points
      const engineCapacity = Float64Array.from(indexed, (p) => capacity[Number(p.id.slice(1))]!);
      const got = capacityAccess({
        travel,
        code: 'ELDERLY_CARE',
        demand,
        capacity: engineCapacity,
        thresholdMinutes: T,
      });

      // The oracle: minutes t[i][j] by a per-origin Dijkstra in the driving direction, then the formula.
      const oracle = new Oracle(edges, []);
      const t = originNodes.map((x) => {
        const { minutes } = oracle.from(x);
        return pointNodes.map((y) => minutes[y]!);
      });
      const R = points.map((_, j) => {
        let d = 0;
        for (let k = 0; k < origins.length; k++) if (t[k]![j]! <= T) d += demand[k]!;
        return d > 0 ? capacity[j]! / d : 0;
      });
      const A = origins.map((_, i) => {
        let a = 0;
        for (let j = 0; j < points.length; j++) if (t[i]![j]! <= T) a += R[j]!;
        return a;
      });
      let pairs = 0;
      for (const row of t) for (const m of row) if (m <= T) pairs++;
      expect(pairs).toBeGreaterThan(10); // catchments overlap: the test has something to check
      expect(got.pairs).toBe(pairs);
      indexed.forEach((p, j) => {
        expect(got.ratio[j]).toBeCloseTo(R[Number(p.id.slice(1))]!, 9);
      });
      A.forEach((a, i) => {
        expect(got.access[i]).toBeCloseTo(a, 9);
      });
    });
  }
});
