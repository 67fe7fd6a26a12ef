import { describe, expect, it } from 'vitest';
import {
  ImportError,
  readAllRecords,
  representativePoint,
  validateSettlements,
} from '../../src/import/index.js';
import { fixture } from './helpers.js';

function collection(features: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'FeatureCollection', ...extra, features });
}

function feature(
  geometry: unknown,
  properties: Record<string, unknown> = { name: 'A', population: 300 },
): unknown {
  return { type: 'Feature', properties, geometry };
}

const square = (x0: number, y0: number, size: number): number[][] => [
  [x0, y0],
  [x0 + size, y0],
  [x0 + size, y0 + size],
  [x0, y0 + size],
  [x0, y0],
];

describe('reading GeoJSON', () => {
  it('reads Point features with their properties and feature index', async () => {
    const file = fixture(
      'points.geojson',
      collection([
        feature({ type: 'Point', coordinates: [15.19, 60.13] }, { name: 'Ludvika', population: 15614 }),
        feature({ type: 'Point', coordinates: [15.0, 60.0, 120] }, { name: 'B' }),
      ]),
    );
    const records = await readAllRecords(file);
    expect(records).toEqual([
      {
        format: 'geojson',
        position: { line: null, featureIndex: 0 },
        properties: { name: 'Ludvika', population: 15614 },
        geometry: { type: 'Point', coordinates: [15.19, 60.13] },
      },
      {
        format: 'geojson',
        position: { line: null, featureIndex: 1 },
        properties: { name: 'B' },
        geometry: { type: 'Point', coordinates: [15.0, 60.0] },
      },
    ]);
  });

  it('reduces a settlement polygon to its centre of mass', async () => {
    const file = fixture(
      'square.geojson',
      collection([feature({ type: 'Polygon', coordinates: [square(0, 0, 2)] })]),
    );
    const [record] = await readAllRecords(file, { allowPolygons: true });
    expect(record!.geometry).toEqual({ type: 'Point', coordinates: [1, 1] });
  });

  it('keeps the point on a U-shaped settlement whose centre of mass falls in the gap', () => {
    // A U: two 1×3 arms joined by a 3×1 base; the centre of mass (1.5, ~1.2) lies in the gap x∈(1,2), y>1.
    const u = [
      [
        [0, 0],
        [3, 0],
        [3, 3],
        [2, 3],
        [2, 1],
        [1, 1],
        [1, 3],
        [0, 3],
        [0, 0],
      ],
    ];
    const [x, y] = representativePoint([u]);
    const inBase = x >= 0 && x <= 3 && y >= 0 && y <= 1;
    const inArm = ((x >= 0 && x <= 1) || (x >= 2 && x <= 3)) && y >= 0 && y <= 3;
    expect(inBase || inArm).toBe(true);
  });

  it('uses the largest part of a MultiPolygon (not the sea between islands)', async () => {
    const file = fixture(
      'islands.geojson',
      collection([feature({ type: 'MultiPolygon', coordinates: [[square(0, 0, 1)], [square(10, 10, 4)]] })]),
    );
    const [record] = await readAllRecords(file, { allowPolygons: true });
    expect(record!.geometry!.coordinates).toEqual([12, 12]);
  });

  it('rejects polygons unless they are allowed (service points), naming the feature', async () => {
    const file = fixture(
      'poly-points.geojson',
      collection([
        feature({ type: 'Point', coordinates: [15, 60] }),
        feature({ type: 'Polygon', coordinates: [square(15, 60, 0.01)] }),
      ]),
    );
    const records = await readAllRecords(file);
    expect(records[1]!.rejection).toEqual({
      kind: 'error',
      field: 'geometry',
      message: 'geometry type "Polygon" is not supported here (expected Point)',
    });
    const { errors } = validateSettlements(records, { file: 'poly-points.geojson', crs: 'EPSG:4326' });
    expect(errors.map((e) => e.message)).toEqual([
      'poly-points.geojson: feature 1, field "geometry": geometry type "Polygon" is not supported here (expected Point)',
    ]);
  });

  it('rejects other geometry types and malformed coordinates, naming the feature', async () => {
    const file = fixture(
      'lines.geojson',
      collection([
        feature({
          type: 'LineString',
          coordinates: [
            [0, 0],
            [1, 1],
          ],
        }),
        feature({ type: 'Point', coordinates: ['15', 60] }),
        { type: 'Nope' },
      ]),
    );
    const records = await readAllRecords(file, { allowPolygons: true });
    expect(records.map((r) => [r.position.featureIndex, r.rejection?.message])).toEqual([
      [0, 'geometry type "LineString" is not supported (expected Point, Polygon or MultiPolygon)'],
      [1, 'Point coordinates must be [x, y] numbers (got ["15",60])'],
      [2, 'is not a GeoJSON Feature'],
    ]);
  });

  it('leaves geometry null for a feature without one (coordinates may be properties)', async () => {
    const file = fixture('null-geom.geojson', collection([feature(null, { name: 'A', lon: 15, lat: 60 })]));
    const [record] = await readAllRecords(file);
    expect(record!.geometry).toBeNull();
    expect(record!.rejection).toBeUndefined();
  });

  it('rejects a file that is not a FeatureCollection, or not JSON', async () => {
    await expect(readAllRecords(fixture('feature.geojson', JSON.stringify(feature(null))))).rejects.toThrow(
      /feature\.geojson: expected a GeoJSON FeatureCollection \(got type "Feature"\)/,
    );
    await expect(readAllRecords(fixture('broken.geojson', '{"type": "FeatureCollection", '))).rejects.toThrow(
      /broken\.geojson: not valid JSON/,
    );
    await expect(
      readAllRecords(fixture('nofeatures.geojson', '{"type": "FeatureCollection"}')),
    ).rejects.toBeInstanceOf(ImportError);
  });

  it('rejects a file whose declared CRS contradicts --crs', async () => {
    const file = fixture(
      'sweref.geojson',
      collection([feature({ type: 'Point', coordinates: [500000, 6600000] })], {
        crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3006' } },
      }),
    );
    await expect(readAllRecords(file, { crs: 'EPSG:4326' })).rejects.toThrow(
      'declares its CRS as EPSG:3006 but --crs is EPSG:4326: pass --crs EPSG:3006',
    );
    expect(await readAllRecords(file, { crs: 'EPSG:3006' })).toHaveLength(1);
  });
});
