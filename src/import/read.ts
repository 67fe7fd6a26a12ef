/**
 * Reading an import file into raw records: the file's own properties (not yet mapped or validated)
 * and a point, with the record's position for error messages. Formats: GeoJSON, CSV, OSM XML.
 */
import type { Crs } from '../domain.js';
import { ImportError, ImportOptionError } from './errors.js';
import { silentProgress } from './progress.js';
import type { ProgressReporter } from './progress.js';
import { readCsvRecords } from './read-csv.js';
import { readGeoJsonRecords } from './read-geojson.js';
import { readOsmRecords } from './read-osm.js';
import type { ImportFormat, RawRecord } from './record.js';
import { IMPORT_FORMATS } from './record.js';

export type { ImportFormat, PointGeometry, RawRecord, RecordRejection } from './record.js';
export { IMPORT_FORMATS } from './record.js';

/** Options for {@link readRecords}. */
export interface ReadOptions {
  /** Overrides detection by file extension. */
  format?: ImportFormat;
  /** Accept GeoJSON Polygon/MultiPolygon features (settlements) and reduce them to a point. */
  allowPolygons?: boolean;
  /** The CRS the user declared; a GeoJSON file naming another CRS is rejected. */
  crs?: Crs;
  /** Progress in bytes read (GeoJSON: features). Started and stopped by the reader. */
  progress?: ProgressReporter;
  /** Where the bytes are when not at `file` (a server-side upload); messages keep naming `file`. */
  path?: string;
}

const PBF_HINT =
  'OSM PBF is not supported: convert with osmium to .osm (`osmium cat in.osm.pbf -o out.osm`, or `-o out.osm.gz`)';

/**
 * The format named by the file's extension (`.gz` is looked through): `.geojson`/`.json`, `.csv`/`.txt`,
 * `.osm`/`.xml`. PBF and unknown extensions are ImportErrors saying what to do.
 */
export function detectFormat(file: string): ImportFormat {
  const name = file.toLowerCase().replace(/\.(gz|bz2)$/, '');
  if (name.endsWith('.pbf')) throw new ImportError(PBF_HINT, { file });
  if (name.endsWith('.geojson') || name.endsWith('.json')) return 'geojson';
  if (name.endsWith('.csv') || name.endsWith('.txt')) return 'csv';
  if (name.endsWith('.osm') || name.endsWith('.xml')) return 'osm';
  throw new ImportError(
    `cannot tell the format from the file name: pass --format ${IMPORT_FORMATS.join('|')}`,
    { file },
  );
}

/** Checks a `--format` value. */
export function parseFormat(value: string): ImportFormat {
  const format = value.toLowerCase();
  if ((IMPORT_FORMATS as readonly string[]).includes(format)) return format as ImportFormat;
  throw new ImportOptionError('--format', `unknown format "${value}" (known: ${IMPORT_FORMATS.join(', ')})`);
}

/**
 * Streams the records of an import file. Structural problems (unreadable file, not JSON, not a
 * FeatureCollection, broken XML, a CSV quote never closed) throw an {@link ImportError}; problems of
 * one record come back as its `rejection`, so the validator can report them all.
 *
 * GeoJSON is parsed in one piece (files up to a few hundred MB); CSV and OSM XML are streamed.
 *
 * @example
 * for await (const record of readRecords('tatorter.csv')) console.log(record.position.line, record.properties);
 */
export async function* readRecords(file: string, options: ReadOptions = {}): AsyncGenerator<RawRecord> {
  if (file.toLowerCase().replace(/\.gz$/, '').endsWith('.pbf')) throw new ImportError(PBF_HINT, { file });
  const format = options.format ?? detectFormat(file);
  const progress = options.progress ?? silentProgress;
  try {
    switch (format) {
      case 'csv':
        yield* readCsvRecords(file, progress, options.path);
        break;
      case 'geojson':
        yield* readGeoJsonRecords(file, progress, {
          allowPolygons: options.allowPolygons ?? false,
          crs: options.crs ?? null,
          path: options.path,
        });
        break;
      case 'osm':
        yield* readOsmRecords(file, progress, options.path);
        break;
    }
  } finally {
    progress.stop();
  }
}

/** Reads every record into an array (convenient for tests and small files). */
export async function readAllRecords(file: string, options: ReadOptions = {}): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  for await (const record of readRecords(file, options)) records.push(record);
  return records;
}
