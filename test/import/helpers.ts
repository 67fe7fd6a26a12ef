/**
 * Small seed builders for the import tests: fixture files in a temporary directory, the catalogue's
 * service-type codes read straight from data/service-types.json, and record builders.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawRecord } from '../../src/import/index.js';

const directory = mkdtempSync(join(tmpdir(), 'serviceatlas-import-'));

/** Writes a fixture file and returns its path. */
export function fixture(name: string, content: string | Buffer): string {
  const path = join(directory, name);
  writeFileSync(path, content);
  return path;
}

/** The service-type codes of the catalogue, read independently of the code under test. */
export const KNOWN_SERVICE_TYPES: ReadonlySet<string> = new Set(
  (
    JSON.parse(readFileSync(new URL('../../data/service-types.json', import.meta.url), 'utf8')) as {
      serviceTypes: Array<{ code: string }>;
    }
  ).serviceTypes.map((type) => type.code),
);

/** A CSV record as the reader would produce it (line 2 = first data row). */
export function csvRecord(properties: Record<string, string>, line = 2): RawRecord {
  return { format: 'csv', position: { line, featureIndex: null }, properties, geometry: null };
}

/** A GeoJSON point record. */
export function featureRecord(
  properties: Record<string, unknown>,
  coordinates: [number, number] = [15.19, 60.13],
  featureIndex = 0,
): RawRecord {
  return {
    format: 'geojson',
    position: { line: null, featureIndex },
    properties,
    geometry: { type: 'Point', coordinates },
  };
}
