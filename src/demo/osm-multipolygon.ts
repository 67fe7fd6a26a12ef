/**
 * Assembles an OpenStreetMap boundary or multipolygon relation into a GeoJSON MultiPolygon: member ways
 * with role `outer` (or no role) and `inner` are joined end to end into closed rings, each inner ring is
 * put in the outer ring that contains it, and rings are oriented as RFC 7946 asks (outer
 * counter-clockwise). A relation whose ways or nodes are missing from the extract, or whose rings do not
 * close, gives a reason instead of a geometry: nothing is guessed.
 */
import type { OsmExtract, OsmRelation } from './osm-extract.js';

type Ring = [number, number][];

export type AssembledPolygon =
  | { ok: true; geometry: { type: 'MultiPolygon'; coordinates: Ring[][] } }
  | { ok: false; reason: string };

/** Joins node-id sequences end to end into closed rings; null when one cannot be closed. */
export function joinRings(sequences: readonly (readonly number[])[]): number[][] | null {
  const open = sequences.filter((s) => s.length >= 2).map((s) => [...s]);
  const rings: number[][] = [];
  while (open.length > 0) {
    const ring = open.pop()!;
    while (ring[0] !== ring[ring.length - 1]) {
      const end = ring[ring.length - 1]!;
      const i = open.findIndex((s) => s[0] === end || s[s.length - 1] === end);
      if (i < 0) return null;
      const next = open.splice(i, 1)[0]!;
      if (next[0] !== end) next.reverse();
      for (let k = 1; k < next.length; k++) ring.push(next[k]!);
    }
    if (ring.length >= 4) rings.push(ring);
  }
  return rings;
}

/** Twice the signed area (shoelace); positive when counter-clockwise. */
function signedArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++)
    sum += (ring[j]![0] - ring[i]![0]) * (ring[j]![1] + ring[i]![1]);
  return sum;
}

/** Ray casting: whether `p` is inside the closed ring. */
export function ringContains(ring: Ring, p: readonly [number, number]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function assembleMultipolygon(extract: OsmExtract, relation: OsmRelation): AssembledPolygon {
  const outer: number[][] = [];
  const inner: number[][] = [];
  for (const member of relation.members) {
    if (member.type !== 'way') continue;
    if (member.role !== 'outer' && member.role !== '' && member.role !== 'inner') continue;
    const way = extract.ways.get(member.ref);
    if (way === undefined) return { ok: false, reason: `member way ${member.ref} is not in the extract` };
    (member.role === 'inner' ? inner : outer).push([...way.refs]);
  }
  if (outer.length === 0) return { ok: false, reason: 'no outer member ways' };
  const outerIds = joinRings(outer);
  const innerIds = joinRings(inner);
  if (outerIds === null || innerIds === null) return { ok: false, reason: 'its rings do not close' };
  const toRing = (ids: number[]): Ring | string => {
    const ring: Ring = [];
    for (const id of ids) {
      const c = extract.coords.get(id);
      if (c === undefined) return `node ${id} is not in the extract`;
      ring.push([c[0], c[1]]);
    }
    return ring;
  };
  const polygons: Ring[][] = [];
  for (const ids of outerIds) {
    const ring = toRing(ids);
    if (typeof ring === 'string') return { ok: false, reason: ring };
    polygons.push([signedArea(ring) < 0 ? ring.reverse() : ring]);
  }
  for (const ids of innerIds) {
    const ring = toRing(ids);
    if (typeof ring === 'string') return { ok: false, reason: ring };
    const home = polygons.find((p) => ringContains(p[0]!, ring[0]!));
    if (home === undefined) continue; // an inner ring outside every outer ring is dropped (invalid data)
    home.push(signedArea(ring) > 0 ? ring.reverse() : ring);
  }
  return { ok: true, geometry: { type: 'MultiPolygon', coordinates: polygons } };
}
