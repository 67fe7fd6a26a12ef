/**
 * GeoJSON road lines → edges: a FeatureCollection of LineStrings/MultiLineStrings (NVDB and other road
 * data after `ogr2ogr`), properties read as OSM tags after `--map` (e.g. `highway=vagtyp,
 * maxspeed=hastighet`). A feature without a class is a plain `road`. Line ends are graph nodes, and so is
 * any vertex another line (or the same line again) shares — same coordinate to 1e-7° (~1 cm). Node ids
 * are synthetic (1, 2, …). The file is parsed in one piece like the other GeoJSON imports (~500 MB
 * limit); EPSG:3006 is projected to WGS84 here so lengths and node matching work in one system.
 */
import type { Crs } from '../coordinates.js';
import { checkCoordinates } from '../coordinates.js';
import { ImportError, ImportOptionError, describeValue } from '../errors.js';
import type { FieldMap } from '../field-map.js';
import { IMPORT_FIELDS, sourceKey } from '../field-map.js';
import type { ProgressReporter } from '../progress.js';
import { declaredCrs } from '../read-geojson.js';
import { fileSize, readText } from '../source.js';
import { EdgeSplitter, type WayAttributes, WayVertices } from './edges.js';
import { swerefToWgs84 } from './geo.js';
import { Growable } from './growable.js';
import type { PreparedRoads } from './osm-network.js';
import type { RoadSpeeds } from './speeds.js';
import { type Tags, classifyWay } from './tags.js';

const ROAD_FIELDS = IMPORT_FIELDS.roads;

async function parseCollection(file: string, progress: ProgressReporter, crs: Crs): Promise<unknown[]> {
  let document: unknown;
  progress.start(fileSize(file));
  try {
    document = JSON.parse(await readText(file, progress));
  } catch (error) {
    if (error instanceof ImportError) throw error;
    if (error instanceof RangeError)
      throw new ImportError('too large to parse as one JSON document (> ~500 MB): split it', { file });
    throw new ImportError(`not valid JSON: ${(error as Error).message}`, { file });
  } finally {
    progress.stop();
  }
  const collection = document as { type?: unknown; features?: unknown; crs?: unknown } | null;
  if (collection === null || typeof collection !== 'object' || collection.type !== 'FeatureCollection')
    throw new ImportError(
      `expected a GeoJSON FeatureCollection (got type ${describeValue(collection?.type ?? collection)})`,
      { file },
    );
  if (!Array.isArray(collection.features))
    throw new ImportError('the FeatureCollection has no "features" array', { file });
  const declared = declaredCrs(collection);
  if (declared !== null && declared !== crs)
    throw new ImportError(
      `the file declares its CRS as ${declared} but --crs is ${crs}: pass --crs ${declared}`,
      {
        file,
      },
    );
  return collection.features;
}

function tagValue(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** Canonical node per coordinate (rounded to 1e-7°), with use counts. */
class NodeTable {
  private readonly byKey = new Map<string, number>();
  readonly lonLat = new Growable(Float64Array);
  readonly uses = new Growable(Uint32Array);
  readonly ends = new Growable(Uint8Array);

  index(lon: number, lat: number): number {
    const key = `${Math.round(lon * 1e7)},${Math.round(lat * 1e7)}`;
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this.uses.length;
      this.byKey.set(key, i);
      this.lonLat.push(lon);
      this.lonLat.push(lat);
      this.uses.push(0);
      this.ends.push(0);
    }
    return i;
  }
}

interface KeptLine {
  nodes: Int32Array;
  way: WayAttributes;
}

export async function readGeoJsonRoads(
  file: string,
  options: { crs: Crs; fieldMap: FieldMap; speeds: RoadSpeeds; progress: ProgressReporter },
): Promise<PreparedRoads> {
  const { crs, fieldMap, speeds } = options;
  const features = await parseCollection(file, options.progress, crs);
  for (const [ours, theirs] of fieldMap) {
    const present = features.some((f) => {
      const p = (f as { properties?: Record<string, unknown> } | null)?.properties;
      return p != null && typeof p === 'object' && theirs in p;
    });
    if (!present && features.length > 0)
      throw new ImportOptionError(
        '--map',
        `${file}: property "${theirs}" (mapped to ${ours}) is in none of the ${features.length} features`,
      );
  }
  const table = new NodeTable();
  const lines: KeptLine[] = [];
  const rejected: Record<string, number> = {};
  let waysRead = 0;
  let ferryWays = 0;
  const reject = (reason: string) => {
    rejected[reason] = (rejected[reason] ?? 0) + 1;
  };
  for (let featureIndex = 0; featureIndex < features.length; featureIndex++) {
    const feature = features[featureIndex] as {
      properties?: Record<string, unknown> | null;
      geometry?: { type?: unknown; coordinates?: unknown } | null;
    } | null;
    waysRead++;
    const geometry = feature?.geometry;
    if (geometry?.type !== 'LineString' && geometry?.type !== 'MultiLineString') {
      reject('not a LineString or MultiLineString');
      continue;
    }
    const properties = feature?.properties ?? {};
    const tags: Record<string, string | undefined> = {};
    for (const field of ROAD_FIELDS) tags[field] = tagValue(properties[sourceKey(fieldMap, field)]);
    tags.highway ??= 'road';
    const kept = classifyWay(tags as Tags, speeds);
    if (typeof kept === 'string') {
      reject(kept);
      continue;
    }
    const parts = (geometry.type === 'LineString' ? [geometry.coordinates] : geometry.coordinates) as unknown;
    if (!Array.isArray(parts))
      throw new ImportError('geometry has no coordinates array', { file, featureIndex, field: 'geometry' });
    for (const part of parts) {
      if (!Array.isArray(part) || part.length < 2)
        throw new ImportError('a line needs at least 2 positions', { file, featureIndex, field: 'geometry' });
      const nodes = new Int32Array(part.length);
      for (let j = 0; j < part.length; j++) {
        const position = part[j] as unknown;
        const x = Array.isArray(position) ? position[0] : undefined;
        const y = Array.isArray(position) ? position[1] : undefined;
        if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y))
          throw new ImportError(`position ${j} is not [x, y] numbers (got ${describeValue(position)})`, {
            file,
            featureIndex,
            field: 'geometry',
          });
        const problem = checkCoordinates(x, y, crs);
        if (problem)
          throw new ImportError(`position ${j}: ${problem.problem}`, {
            file,
            featureIndex,
            field: 'geometry',
          });
        const [lon, lat] = crs === 'EPSG:3006' ? swerefToWgs84(x, y) : [x, y];
        nodes[j] = table.index(lon, lat);
      }
      if (kept.direction === -1) nodes.reverse();
      // Uses count each pass of a line through a node once per visit (not repeated vertices in a row).
      for (let j = 0; j < nodes.length; j++)
        if (j === 0 || nodes[j] !== nodes[j - 1]) table.uses.data[nodes[j]!]!++;
      table.ends.data[nodes[0]!] = 1;
      table.ends.data[nodes[nodes.length - 1]!] = 1;
      lines.push({
        nodes,
        way: {
          roadClass: kept.roadClass,
          speedKmh: kept.speedKmh,
          oneway: kept.direction !== 0,
          isFerry: kept.isFerry,
          wayMinutes: kept.minutes,
          osmWayId: null,
          name: tags.name ?? null,
        },
      });
    }
    if (kept.isFerry) ferryWays++;
  }
  if (lines.length === 0)
    throw new ImportError(
      `no car-usable road lines in the file (${waysRead} features read: ${JSON.stringify(rejected)})`,
      { file },
    );
  const count = table.uses.length;
  const isGraphNode = new Uint8Array(count);
  for (let i = 0; i < count; i++)
    isGraphNode[i] = table.uses.data[i]! >= 2 || table.ends.data[i] === 1 ? 1 : 0;
  const splitter = new EdgeSplitter(isGraphNode, new Uint8Array(count));
  const lonLat = table.lonLat.view();
  return {
    format: 'geojson',
    waysRead,
    waysKept: waysRead - Object.values(rejected).reduce((a, b) => a + b, 0),
    ferryWays,
    rejected,
    stats: () => splitter.stats,
    nodes: () => splitter.nodes,
    *edges() {
      const v = new WayVertices();
      for (const line of lines) {
        v.reset(line.nodes.length);
        for (let j = 0; j < line.nodes.length; j++) {
          const i = line.nodes[j]!;
          v.keys[j] = i + 1;
          v.index[j] = i;
          v.coords[2 * j] = lonLat[2 * i]!;
          v.coords[2 * j + 1] = lonLat[2 * i + 1]!;
        }
        yield* splitter.split(v, line.way);
      }
    },
  };
}
