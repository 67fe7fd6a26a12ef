/**
 * The stored road network (table road_edges, one row road_network): batched inserts for the import,
 * and loading it back for the engine as the compact RoadEdges arrays (src/engine/network/types.ts).
 */
import type { Db } from '../../db/db.js';
import { sortedIndexOf } from '../../import/roads/osm-network.js';
import { sql } from 'kysely';
import type { RoadEdges } from '../../engine/network/types.js';
import { renumberNodesForLocality } from '../../engine/network/locality.js';
import type { RoadEdge } from '../../import/roads/index.js';

/** A LineString as hex WKB (little-endian): PostGIS parses it faster than WKT and keeps every bit. */
export function lineWkbHex(coords: readonly number[]): string {
  const n = coords.length / 2;
  const buffer = Buffer.allocUnsafe(9 + 16 * n);
  buffer.writeUInt8(1, 0);
  buffer.writeUInt32LE(2, 1);
  buffer.writeUInt32LE(n, 5);
  for (let i = 0; i < coords.length; i++) buffer.writeDoubleLE(coords[i]!, 9 + 8 * i);
  return buffer.toString('hex');
}

/**
 * A road's name as PostgreSQL text can hold it: a NUL (U+0000, which a PBF string table or a GeoJSON
 * `\u0000` can carry and text cannot) becomes U+FFFD, the usual mark of an unreadable character. The
 * name only labels the edge, so one bad name does not refuse a network of a million ways.
 */
function storableName(name: string | null): string | null {
  return name === null ? null : name.replaceAll('\u0000', '\uFFFD');
}

/**
 * Inserts edges with one statement: every column travels as one array parameter and `unnest` turns them
 * back into rows, so a batch of thousands is 11 parameters, not thousands.
 */
export async function insertRoadEdges(db: Db, edges: readonly RoadEdge[]): Promise<void> {
  if (edges.length === 0) return;
  const col = <T>(f: (e: RoadEdge) => T): T[] => edges.map(f);
  await sql`
    INSERT INTO road_edges (source, target, length_m, speed_kmh, minutes, road_class, oneway, is_ferry,
                            osm_way_id, name, geom)
    SELECT u.source, u.target, u.length_m, u.speed_kmh, u.minutes, u.road_class, u.oneway, u.is_ferry,
           u.osm_way_id, u.name, ST_GeomFromWKB(decode(u.wkb, 'hex'), 4326)
    FROM unnest(${col((e) => e.source)}::bigint[], ${col((e) => e.target)}::bigint[],
                ${col((e) => e.lengthM)}::float8[], ${col((e) => e.speedKmh)}::float8[],
                ${col((e) => e.minutes)}::float8[], ${col((e) => e.roadClass)}::text[],
                ${col((e) => e.oneway)}::boolean[], ${col((e) => e.isFerry)}::boolean[],
                ${col((e) => e.osmWayId)}::bigint[], ${col((e) => storableName(e.name))}::text[],
                ${col((e) => lineWkbHex(e.coords))}::text[])
      AS u(source, target, length_m, speed_kmh, minutes, road_class, oneway, is_ferry, osm_way_id, name, wkb)
  `.execute(db);
}

/** What is loaded, from the road_network row; null before the first road import. */
export interface RoadNetworkInfo {
  edges: number;
  nodes: number;
  source: string;
  file: string;
  importedAt: Date;
}

export async function readRoadNetworkInfo(db: Db): Promise<RoadNetworkInfo | null> {
  const row = await db
    .selectFrom('road_network')
    .select(['edges', 'nodes', 'source', 'file', 'imported_at'])
    .where('id', '=', 1)
    .executeTakeFirst();
  if (!row) return null;
  return {
    edges: row.edges,
    nodes: row.nodes,
    source: row.source,
    file: row.file,
    importedAt: new Date(row.imported_at),
  };
}

/** Rows per keyset page when loading: a country arrives in pages, never as one result. */
export const LOAD_PAGE_SIZE = 50_000;

class F64 {
  data = new Float64Array(1 << 12);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * Appends the vertices of a WKB MultiLineString's `count` lines (either byte order; ST_Collect of one
 * line may also come back as a plain LineString) to `out`, and each line's first vertex number to `starts`.
 */
function appendWkbLines(wkb: Uint8Array, count: number, out: F64, starts: F64): void {
  const view = new DataView(wkb.buffer, wkb.byteOffset, wkb.byteLength);
  const line = (at: number): number => {
    const little = view.getUint8(at) === 1;
    const type = view.getUint32(at + 1, little);
    if (type !== 2) throw new Error(`road_edges.geom: expected a WKB LineString, got type ${type}`);
    const n = view.getUint32(at + 5, little);
    starts.push(out.length / 2);
    for (let i = 0; i < 2 * n; i++) out.push(view.getFloat64(at + 9 + 8 * i, little));
    return at + 9 + 16 * n;
  };
  const little = view.getUint8(0) === 1;
  const type = view.getUint32(1, little);
  if (type === 2 && count === 1) {
    line(0);
    return;
  }
  if (type !== 5) throw new Error(`road_edges page: expected a WKB MultiLineString, got type ${type}`);
  const parts = view.getUint32(5, little);
  if (parts !== count) throw new Error(`road_edges page: ${parts} lines for ${count} edges`);
  let at = 9;
  for (let k = 0; k < parts; k++) at = line(at);
}

/**
 * The stored network as the engine's RoadEdges, or null when none is loaded: edges in id order, read
 * in keyset pages of {@link LOAD_PAGE_SIZE}; stored node ids renumbered densely, then along a Hilbert curve
 * over the nodes' positions (renumberNodesForLocality: routing passes touch far fewer cache lines than in
 * OSM id order); node positions from the edges' end vertices; geometry decoded from WKB.
 */
export async function loadRoadEdges(db: Db, pageSize = LOAD_PAGE_SIZE): Promise<RoadEdges | null> {
  const edgeId = new F64();
  const sourceId = new F64();
  const targetId = new F64();
  const lengthKm = new F64();
  const minutes = new F64();
  const oneway = new F64();
  const vertices = new F64();
  const starts = new F64();
  let after = 0;
  for (;;) {
    // One row per page: numbers as big-endian float8 byte strings, geometry as one MultiLineString WKB.
    // Row-per-edge results cost ~50 µs an edge in PGlite (a JS object and a WKB buffer each); this is
    // a few µs, and the same on the server.
    const page = await sql<{
      n: number;
      last: number | null;
      ids: Uint8Array | null;
      sources: Uint8Array | null;
      targets: Uint8Array | null;
      lengths: Uint8Array | null;
      minutes: Uint8Array | null;
      oneways: Uint8Array | null;
      wkb: Uint8Array | null;
    }>`SELECT count(*)::int AS n, max(id)::float8 AS last,
              string_agg(float8send(id::float8), ''::bytea ORDER BY id) AS ids,
              string_agg(float8send(source::float8), ''::bytea ORDER BY id) AS sources,
              string_agg(float8send(target::float8), ''::bytea ORDER BY id) AS targets,
              string_agg(float8send(length_m), ''::bytea ORDER BY id) AS lengths,
              string_agg(float8send(minutes), ''::bytea ORDER BY id) AS minutes,
              string_agg(CASE WHEN oneway THEN decode('01', 'hex') ELSE decode('00', 'hex') END, ''::bytea ORDER BY id) AS oneways,
              ST_AsBinary(ST_Collect(geom ORDER BY id)) AS wkb
       FROM (SELECT id, source, target, length_m, minutes, oneway, geom FROM road_edges
             WHERE id > ${after} ORDER BY id LIMIT ${pageSize}) AS page`.execute(db);
    const row = page.rows[0];
    if (!row || row.n === 0) break;
    const floats = (bytes: Uint8Array | null, out: F64, scale = 1) => {
      const view = new DataView(bytes!.buffer, bytes!.byteOffset, bytes!.byteLength);
      for (let i = 0; i < row.n; i++) out.push(view.getFloat64(8 * i, false) * scale);
    };
    floats(row.ids, edgeId);
    floats(row.sources, sourceId);
    floats(row.targets, targetId);
    floats(row.lengths, lengthKm, 1 / 1000);
    floats(row.minutes, minutes);
    for (let i = 0; i < row.n; i++) oneway.push(row.oneways![i]!);
    appendWkbLines(row.wkb!, row.n, vertices, starts);
    if (row.n < pageSize) break;
    after = row.last!;
  }
  const count = edgeId.length;
  if (count === 0) return null;
  starts.push(vertices.length / 2);

  const ids = new Float64Array(2 * count);
  ids.set(sourceId.view());
  ids.set(targetId.view(), count);
  ids.sort();
  let nodeCount = 0;
  for (let i = 0; i < ids.length; i++)
    if (nodeCount === 0 || ids[nodeCount - 1] !== ids[i]) ids[nodeCount++] = ids[i]!;
  const nodeIds = ids.subarray(0, nodeCount);

  const source = new Int32Array(count);
  const target = new Int32Array(count);
  const nodeLonLat = new Float64Array(2 * nodeCount);
  const geometryStart = new Uint32Array(count + 1);
  const v = vertices.view();
  const s = starts.view();
  for (let e = 0; e < count; e++) {
    const a = sortedIndexOf(nodeIds, sourceId.data[e]!);
    const b = sortedIndexOf(nodeIds, targetId.data[e]!);
    source[e] = a;
    target[e] = b;
    const first = s[e]!;
    const last = s[e + 1]! - 1;
    nodeLonLat[2 * a] = v[2 * first]!;
    nodeLonLat[2 * a + 1] = v[2 * first + 1]!;
    nodeLonLat[2 * b] = v[2 * last]!;
    nodeLonLat[2 * b + 1] = v[2 * last + 1]!;
    geometryStart[e] = first;
  }
  geometryStart[count] = s[count]!;
  return renumberNodesForLocality({
    count,
    nodeCount,
    source,
    target,
    nodeLonLat,
    lengthKm: lengthKm.view().slice(),
    minutes: minutes.view().slice(),
    oneway: Uint8Array.from(oneway.view()),
    geometryStart,
    vertexLonLat: v.slice(),
    edgeId: edgeId.view().slice(),
  }).edges;
}
