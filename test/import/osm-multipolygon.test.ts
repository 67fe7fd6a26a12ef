import { execFileSync, spawnSync } from 'node:child_process';
import { area, booleanPointInPolygon, intersect, featureCollection, polygon, multiPolygon } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { buildAndorraDemo } from '../../src/demo/andorra.js';
import type { OsmExtract } from '../../src/demo/osm-extract.js';
import { assembleMultipolygon, joinRings } from '../../src/demo/osm-multipolygon.js';
import { sharedDataFile } from '../helpers/shared-data.js';

const PBF = sharedDataFile('osm-andorra-2020/andorra-2020-05-01.osm.pbf');
/** GDAL's ogr2ogr (installed in CI) is the oracle of the last check; without it that one check cannot run. */
const hasOgr = spawnSync('ogr2ogr', ['--version']).status === 0;

/** A 4×4 square (nodes 1–4, split over two ways, one of them backwards) with a 1×1 hole (nodes 5–8). */
function squareWithHole(): OsmExtract {
  const coords = new Map<number, readonly [number, number]>([
    [1, [0, 0]],
    [2, [4, 0]],
    [3, [4, 4]],
    [4, [0, 4]],
    [5, [1, 1]],
    [6, [1, 2]],
    [7, [2, 2]],
    [8, [2, 1]],
  ]);
  const ways = new Map([
    [10, { id: 10, refs: [1, 2, 3], tags: {} }],
    [11, { id: 11, refs: [1, 4, 3], tags: {} }],
    [12, { id: 12, refs: [5, 6, 7, 8, 5], tags: {} }],
  ]);
  return { coords, taggedNodes: [], ways, relations: [] };
}

describe('assembling OSM boundary relations into multipolygons', () => {
  it('joins ways end to end (either direction), orients rings and puts the hole in its outer ring', () => {
    const r = assembleMultipolygon(squareWithHole(), {
      id: 1,
      tags: {},
      members: [
        { type: 'way', ref: 10, role: 'outer' },
        { type: 'way', ref: 11, role: 'outer' },
        { type: 'way', ref: 12, role: 'inner' },
        { type: 'node', ref: 1, role: 'admin_centre' },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return expect.unreachable();
    const g = r.geometry;
    expect(g.coordinates.length).toBe(1);
    expect(g.coordinates[0]!.length).toBe(2);
    // Turf as the oracle: 16 − 1 area units (planar at the equator ≈ scaled), a point in the hole is out.
    const poly = polygon(g.coordinates[0]!);
    expect(booleanPointInPolygon([1.5, 1.5], poly)).toBe(false);
    expect(booleanPointInPolygon([3, 3], poly)).toBe(true);
    expect(
      area(poly) /
        area(
          polygon([
            [
              [0, 0],
              [4, 0],
              [4, 4],
              [0, 4],
              [0, 0],
            ],
          ]),
        ),
    ).toBeCloseTo(15 / 16, 2);
    // RFC 7946: outer counter-clockwise, hole clockwise (shoelace sign).
    const signed = (ring: number[][]) =>
      ring.reduce(
        (s, p, i) =>
          s + (ring[(i + 1) % ring.length]![0]! - p[0]!) * (ring[(i + 1) % ring.length]![1]! + p[1]!),
        0,
      );
    expect(signed(g.coordinates[0]![0]!)).toBeLessThan(0);
    expect(signed(g.coordinates[0]![1]!)).toBeGreaterThan(0);
  });

  it('gives a reason, not a guess, for a missing way or an unclosed ring', () => {
    const extract = squareWithHole();
    expect(
      assembleMultipolygon(extract, { id: 1, tags: {}, members: [{ type: 'way', ref: 99, role: 'outer' }] }),
    ).toEqual({ ok: false, reason: 'member way 99 is not in the extract' });
    expect(
      assembleMultipolygon(extract, { id: 1, tags: {}, members: [{ type: 'way', ref: 10, role: 'outer' }] }),
    ).toEqual({ ok: false, reason: 'its rings do not close' });
    expect(
      joinRings([
        [1, 2],
        [3, 2],
        [3, 1],
      ]),
    ).toEqual([[3, 1, 2, 3]]);
  });

  it.runIf(hasOgr)(
    'gives Andorra’s parishes as GDAL’s OSM driver assembles them (GDAL as the oracle)',
    async () => {
      const demo = await buildAndorraDemo(PBF);
      const ogr = JSON.parse(
        execFileSync(
          'ogr2ogr',
          [
            '-f',
            'GeoJSON',
            '/vsistdout/',
            PBF,
            'multipolygons',
            '-where',
            "admin_level = '7' AND boundary = 'administrative'",
          ],
          { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, OGR_INTERLEAVED_READING: 'YES' } },
        ).toString('utf8'),
      ) as { features: { properties: { name: string }; geometry: Polygon | MultiPolygon }[] };
      const parishes = demo.areas.filter((a) => a.level === 'MUNICIPALITY');
      expect(parishes.length).toBe(7);
      for (const parish of parishes) {
        const theirs = ogr.features.find((f) => f.properties.name === parish.name);
        expect(theirs, parish.name!).toBeDefined();
        const ours = parish.geometry as MultiPolygon;
        const common = intersect(
          featureCollection([
            multiPolygon(ours.coordinates),
            { type: 'Feature', properties: {}, geometry: theirs!.geometry },
          ]),
        );
        const a = area(multiPolygon(ours.coordinates));
        const b = area(theirs!.geometry);
        expect(Math.abs(a - b) / b, parish.name!).toBeLessThan(1e-6);
        expect(area(common!) / b, parish.name!).toBeGreaterThan(1 - 1e-6);
      }
    },
    120_000,
  );
});
