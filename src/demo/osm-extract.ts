/**
 * A small OpenStreetMap extract read whole into memory, for the Andorra demo (1.6 MB of PBF, 235,550
 * nodes): every node's coordinates, the tagged nodes, the ways and the relations. Road imports never do
 * this (they stream, src/import/roads/); this reader refuses files above {@link MAX_EXTRACT_BYTES}.
 */
import { createReadStream, statSync } from 'node:fs';
import { OSMTransform } from 'osm-pbf-parser-node';

/** Files larger than this are not read into memory (the demo's extract is 1.6 MB). */
export const MAX_EXTRACT_BYTES = 64 * 1024 * 1024;

export interface OsmNode {
  id: number;
  lon: number;
  lat: number;
  tags: Readonly<Record<string, string>>;
}

export interface OsmWayElement {
  id: number;
  refs: readonly number[];
  tags: Readonly<Record<string, string>>;
}

export interface OsmMember {
  type: 'node' | 'way' | 'relation';
  ref: number;
  role: string;
}

export interface OsmRelation {
  id: number;
  members: readonly OsmMember[];
  tags: Readonly<Record<string, string>>;
}

export interface OsmExtract {
  /** Coordinates of every node, by id: [lon, lat]. */
  coords: Map<number, readonly [number, number]>;
  /** Nodes with at least one tag. */
  taggedNodes: OsmNode[];
  ways: Map<number, OsmWayElement>;
  relations: OsmRelation[];
}

interface PbfItem {
  type?: 'node' | 'way' | 'relation';
  id: number;
  lat?: number;
  lon?: number;
  refs?: number[];
  members?: OsmMember[];
  tags?: Record<string, string>;
}

/** Reads a small `.osm.pbf` whole. */
export async function readOsmExtract(file: string): Promise<OsmExtract> {
  const size = statSync(file).size;
  if (size > MAX_EXTRACT_BYTES)
    throw new Error(
      `${file}: ${size} bytes is too large to read whole (limit ${MAX_EXTRACT_BYTES}); this reader is for the demo's small extract`,
    );
  const extract: OsmExtract = { coords: new Map(), taggedNodes: [], ways: new Map(), relations: [] };
  const bytes = createReadStream(file);
  const items = bytes.pipe(new OSMTransform({ withTags: true, withInfo: false }));
  bytes.on('error', (error) => items.destroy(error));
  for await (const chunk of items as AsyncIterable<PbfItem[]>) {
    for (const item of chunk) {
      const tags = item.tags ?? {};
      if (item.type === 'node') {
        extract.coords.set(item.id, [item.lon!, item.lat!]);
        if (Object.keys(tags).length > 0)
          extract.taggedNodes.push({ id: item.id, lon: item.lon!, lat: item.lat!, tags });
      } else if (item.type === 'way') {
        extract.ways.set(item.id, { id: item.id, refs: item.refs ?? [], tags });
      } else if (item.type === 'relation') {
        extract.relations.push({ id: item.id, members: item.members ?? [], tags });
      }
    }
  }
  return extract;
}

/** The centroid of a way's nodes (mean of its distinct coordinates), or null when none is in the extract. */
export function wayCentroid(extract: OsmExtract, way: OsmWayElement): [number, number] | null {
  const seen = new Set<number>();
  let lon = 0;
  let lat = 0;
  for (const ref of way.refs) {
    if (seen.has(ref)) continue;
    const c = extract.coords.get(ref);
    if (c === undefined) continue;
    seen.add(ref);
    lon += c[0];
    lat += c[1];
  }
  return seen.size === 0 ? null : [lon / seen.size, lat / seen.size];
}
