/** One record of an import file as read (before mapping and validation), shared by the format readers. */
import type { RecordPosition } from './errors.js';

/** File formats `import` understands. */
export type ImportFormat = 'geojson' | 'csv' | 'osm';

/** The formats, for `--format` validation. */
export const IMPORT_FORMATS: readonly ImportFormat[] = ['geojson', 'csv', 'osm'];

/** A GeoJSON Point, in the file's CRS. */
export interface PointGeometry {
  type: 'Point';
  coordinates: [number, number];
}

/** Why the reader could not use a record: an error to report, or a reason to skip it (counted). */
export interface RecordRejection {
  kind: 'error' | 'skip';
  field: string | null;
  message: string;
}

/** One record as read, before mapping and validation. */
export interface RawRecord {
  format: ImportFormat;
  position: RecordPosition;
  /** CSV: the row by header name (all strings); GeoJSON: `properties`; OSM: tags plus our fields. */
  properties: Record<string, unknown>;
  /** GeoJSON/OSM: the point (polygon → representative point); CSV: null (coordinates are columns). */
  geometry: PointGeometry | null;
  rejection?: RecordRejection;
}
