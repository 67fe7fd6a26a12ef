/**
 * Reading road networks for `serviceatlas import roads`: OSM (`.osm.pbf`, `.osm`, `.osm.gz`,
 * `.osm.bz2`) and GeoJSON lines, filtered to car-usable roads and cut into edges (see README.md).
 */
import type { Crs } from '../coordinates.js';
import { ImportOptionError } from '../errors.js';
import type { ClipArea } from './clip.js';
import { parseFieldMap } from '../field-map.js';
import type { ProgressReporter } from '../progress.js';
import { silentProgress } from '../progress.js';
import { readGeoJsonRoads } from './geojson-network.js';
import type { PreparedRoads } from './osm-network.js';
import { readOsmRoads } from './osm-network.js';
import { pbfPasses, xmlPasses } from './osm-source.js';
import { loadRoadSpeeds } from './speeds.js';

export type { ClipArea } from './clip.js';
export { clipArea, clipAreaLevel, polygonsOfGeoJson, readClipFile } from './clip.js';
export type { RoadEdge } from './edges.js';
export type { PreparedRoads } from './osm-network.js';
export type { RoadSpeeds } from './speeds.js';
export { loadRoadSpeeds, mergeSpeeds } from './speeds.js';
export { classifyWay, parseDuration, parseMaxspeed, parseOneway } from './tags.js';
export { haversineM, polylineLengthM, swerefToWgs84 } from './geo.js';

export type RoadFormat = 'osm' | 'pbf' | 'geojson';
export const ROAD_FORMATS: readonly RoadFormat[] = ['osm', 'pbf', 'geojson'];

/** The format by the file name: `.pbf` → pbf, `.osm[.gz|.bz2]` → osm, `.geojson`/`.json` → geojson. */
export function detectRoadFormat(file: string): RoadFormat {
  const name = file.toLowerCase().replace(/\.(gz|bz2)$/, '');
  if (name.endsWith('.pbf')) return 'pbf';
  if (name.endsWith('.osm') || name.endsWith('.xml')) return 'osm';
  if (name.endsWith('.geojson') || name.endsWith('.json')) return 'geojson';
  throw new ImportOptionError(
    '--format',
    `cannot tell the format of ${file} from its name: pass --format osm|pbf|geojson`,
  );
}

export function parseRoadFormat(value: string): RoadFormat {
  const v = value.trim().toLowerCase();
  if ((ROAD_FORMATS as readonly string[]).includes(v)) return v as RoadFormat;
  throw new ImportOptionError('--format', `unknown road format "${value}" (use ${ROAD_FORMATS.join(', ')})`);
}

export interface RoadReadOptions {
  format?: RoadFormat;
  /** GeoJSON only; OSM is always WGS84. */
  crs?: Crs;
  /** `--map highway=vagtyp,maxspeed=hastighet` (GeoJSON only). */
  map?: string;
  /** `--speeds <file.json>` merged over data/road-speeds.json. */
  speedsFile?: string;
  /** A reporter per reading pass (default: silent). */
  progressFor?: (label: string) => ProgressReporter;
  /** `--clip`: keep only the ways with a node inside (OSM files; see clip.ts). */
  clip?: ClipArea;
}

/** Reads and filters a road file; the returned edges are cut lazily, for batched inserts. */
export async function prepareRoads(file: string, options: RoadReadOptions = {}): Promise<PreparedRoads> {
  const format = options.format ?? detectRoadFormat(file);
  const speeds = loadRoadSpeeds(options.speedsFile);
  const progressFor = options.progressFor ?? (() => silentProgress);
  if (format === 'geojson') {
    if (options.clip !== undefined)
      throw new ImportOptionError(
        '--clip',
        'applies to OSM files; cut a GeoJSON road file with ogr2ogr -clipsrc before importing it',
      );
    return readGeoJsonRoads(file, {
      crs: options.crs ?? 'EPSG:4326',
      fieldMap: parseFieldMap(options.map, 'roads'),
      speeds,
      progress: progressFor(`Reading ${file}`),
    });
  }
  if (options.map !== undefined)
    throw new ImportOptionError('--map', 'applies to GeoJSON road files; OSM files are read by their tags');
  if (options.crs !== undefined && options.crs !== 'EPSG:4326')
    throw new ImportOptionError('--crs', 'OSM files are always EPSG:4326');
  return readOsmRoads(
    file,
    format === 'pbf' ? pbfPasses(file) : xmlPasses(file),
    speeds,
    progressFor,
    options.clip,
  );
}
