/**
 * A generated, seeded, Sweden-shaped road network for the network benchmark: a jittered grid (≈ 0.6 km
 * spacing) clipped to the country outline of country-case.ts, 6% of links missing, every 40th row and
 * column a fast trunk road (100 km/h, the rest 30–70 km/h), 4% one-way, some edges bent by a middle
 * vertex, and car ferries (15 km/h) to islands off the east coast. Not real data — the same every run.
 */
import type { RoadEdges } from '../src/engine/network/types.js';
import { distanceKm } from '../src/engine/geodesic.js';
import { lonRange } from './country-case.js';

export function generateNetwork(random: () => number, spacingKm = 0.6): RoadEdges {
  const latStep = spacingKm / 111.2;
  const lonStepAt = (lat: number) => spacingKm / (111.2 * Math.cos((lat * Math.PI) / 180));
  const rows: { lat: number; firstCol: number; lonStep: number; start: number; count: number }[] = [];
  const nodeLonLat: number[] = [];
  // Rows of nodes; the longitude step is fixed per row so columns line up within bands of rows.
  const lonStep = lonStepAt(62);
  for (let lat = 55.4; lat <= 69; lat += latStep) {
    const [west, east] = lonRange(lat);
    const firstCol = Math.ceil(west / lonStep);
    const lastCol = Math.floor(east / lonStep);
    rows.push({
      lat,
      firstCol: firstCol,
      lonStep,
      start: nodeLonLat.length / 2,
      count: lastCol - firstCol + 1,
    });
    for (let c = firstCol; c <= lastCol; c++) {
      nodeLonLat.push(c * lonStep + (random() - 0.5) * lonStep * 0.3, lat + (random() - 0.5) * latStep * 0.3);
    }
  }
  const nodeCount = nodeLonLat.length / 2;
  const source: number[] = [];
  const target: number[] = [];
  const lengthKm: number[] = [];
  const minutes: number[] = [];
  const oneway: number[] = [];
  const geometryStart: number[] = [];
  const vertex: number[] = [];
  const addEdge = (a: number, b: number, kmh: number, ferry = false) => {
    const ax = nodeLonLat[2 * a]!;
    const ay = nodeLonLat[2 * a + 1]!;
    const bx = nodeLonLat[2 * b]!;
    const by = nodeLonLat[2 * b + 1]!;
    geometryStart.push(vertex.length / 2);
    vertex.push(ax, ay);
    let km: number;
    if (!ferry && random() < 0.2) {
      const mx = (ax + bx) / 2 + (random() - 0.5) * lonStep * 0.3;
      const my = (ay + by) / 2 + (random() - 0.5) * latStep * 0.3;
      vertex.push(mx, my);
      km = distanceKm(ax, ay, mx, my) + distanceKm(mx, my, bx, by);
    } else km = distanceKm(ax, ay, bx, by);
    vertex.push(bx, by);
    source.push(a);
    target.push(b);
    lengthKm.push(km);
    minutes.push((km / kmh) * 60);
    oneway.push(!ferry && random() < 0.04 ? 1 : 0);
  };
  const speed = (trunk: boolean) => (trunk ? 100 : 30 + Math.floor(random() * 5) * 10);
  rows.forEach((row, r) => {
    const trunkRow = r % 40 === 0;
    for (let k = 0; k < row.count; k++) {
      const a = row.start + k;
      if (k + 1 < row.count && (trunkRow || random() > 0.06)) addEdge(a, a + 1, speed(trunkRow));
      const up = rows[r + 1];
      if (up === undefined) continue;
      const column = row.firstCol + k;
      const j = column - up.firstCol;
      if (j < 0 || j >= up.count) continue;
      const trunkCol = column % 40 === 0;
      if (trunkCol || random() > 0.06) addEdge(a, up.start + j, speed(trunkCol));
    }
  });
  // Ferries: from an east-coast node to an island pair of nodes 3–15 km offshore.
  const extra: number[] = [];
  const islands: [number, number][] = [];
  for (let i = 0; i < 200; i++) {
    const r = Math.floor(random() * rows.length * 0.5);
    const row = rows[r]!;
    const coast = row.start + row.count - 1;
    const offKm = 3 + random() * 12;
    const lon = nodeLonLat[2 * coast]! + offKm / (111.2 * Math.cos((row.lat * Math.PI) / 180));
    islands.push([coast, nodeCount + extra.length / 2]);
    extra.push(lon, row.lat, lon + 0.01, row.lat + 0.005);
  }
  nodeLonLat.push(...extra);
  for (const [coast, island] of islands) {
    addEdge(coast, island, 15, true);
    addEdge(island, island + 1, 40);
  }
  geometryStart.push(vertex.length / 2);
  const count = source.length;
  return {
    count,
    nodeCount: nodeLonLat.length / 2,
    source: Int32Array.from(source),
    target: Int32Array.from(target),
    nodeLonLat: Float64Array.from(nodeLonLat),
    lengthKm: Float64Array.from(lengthKm),
    minutes: Float64Array.from(minutes),
    oneway: Uint8Array.from(oneway),
    geometryStart: Uint32Array.from(geometryStart),
    vertexLonLat: Float64Array.from(vertex),
    edgeId: Float64Array.from({ length: count }, (_, e) => e + 1),
  };
}

/**
 * The same network with its node numbers shuffled (seeded): how a stored OpenStreetMap network numbers
 * them — by node id, i.e. roughly in the order things were mapped, not by place. The generator's own
 * row-by-row numbering is already local, which no real import is.
 */
export function shuffleNodes(edges: RoadEdges, random: () => number): RoadEdges {
  const n = edges.nodeCount;
  const newOf = new Int32Array(n);
  for (let i = 0; i < n; i++) newOf[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = newOf[i]!;
    newOf[i] = newOf[j]!;
    newOf[j] = t;
  }
  const nodeLonLat = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    nodeLonLat[2 * newOf[i]!] = edges.nodeLonLat[2 * i]!;
    nodeLonLat[2 * newOf[i]! + 1] = edges.nodeLonLat[2 * i + 1]!;
  }
  return {
    ...edges,
    source: edges.source.map((x) => newOf[x]!),
    target: edges.target.map((x) => newOf[x]!),
    nodeLonLat,
  };
}
