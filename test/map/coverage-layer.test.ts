import { distance } from '@turf/turf';
import type { Feature, FeatureCollection, Point, Polygon } from 'geojson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertScenario } from '../../src/modules/scenarios/scenario.repository.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import {
  GRANGESBERG,
  IDRE,
  kmToPharmacy,
  LUDVIKA,
  minutesFor,
  PHARMACY,
  PHARMACY_FLAGS,
  PLACES,
  SATER,
  seedWorld,
} from './world.js';

/** `coverageLayer` over GraphQL on seeded data: the parts, their properties, bbox filtering, errors. */

type Props = Record<string, unknown>;
type Coverage = FeatureCollection<Point | Polygon, Props> & {
  serviceType: string;
  thresholdMinutes: number;
  dataVersion: number;
  scenarioId: string | null;
};

const QUERY = /* GraphQL */ `
  query Coverage(
    $type: ServiceTypeCode!
    $bbox: BBoxInput
    $threshold: Float
    $include: [CoverageLayerPart!]
    $scenario: ID
  ) {
    coverageLayer(
      serviceType: $type
      bbox: $bbox
      thresholdMinutes: $threshold
      include: $include
      scenario: $scenario
    )
  }
`;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await seedWorld(server.app.db);
});
afterAll(async () => {
  await server?.close();
});

async function coverage(variables: Record<string, unknown>): Promise<Coverage> {
  const res = await server.gql<{ coverageLayer: Coverage }>(QUERY, variables);
  expect(res.errors).toBeUndefined();
  return res.data!.coverageLayer;
}

const byLayer = (c: Coverage, layer: string) => c.features.filter((f) => f.properties.layer === layer);

describe('coverageLayer', () => {
  it('by default: every settlement with its access, desert and gap flags as an array', async () => {
    const layer = await coverage({ type: 'PHARMACY' });
    expect(layer.type).toBe('FeatureCollection');
    expect(layer).toMatchObject({ serviceType: 'PHARMACY', thresholdMinutes: 20 });
    expect(typeof layer.dataVersion).toBe('number');
    expect(layer.features.every((f) => f.properties.layer === 'settlements')).toBe(true);
    expect(layer.features.map((f) => f.properties.name).sort()).toEqual(PLACES.map((p) => p.name).sort());
    for (const place of PLACES) {
      const feature = layer.features.find((f) => f.properties.name === place.name) as Feature<Point, Props>;
      expect(feature.geometry.coordinates).toEqual([place.lon, place.lat]);
      const p = feature.properties;
      const km = kmToPharmacy(place);
      expect(Math.abs(Number(p.minutes) - minutesFor(km))).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(Math.abs(Number(p.km) - km * 1.35)).toBeLessThanOrEqual(0.05 + 1e-9);
      expect(p.method).toBe('ESTIMATED');
      expect(p.desert).toBe(minutesFor(km) > 20);
      expect(p.flags).toEqual(PHARMACY_FLAGS[place.name]);
      expect(feature.id).toBe(`settlement:${p.id}`);
    }
  });

  it('includes service points and labelled distance buffers on request', async () => {
    const layer = await coverage({
      type: 'PHARMACY',
      threshold: 10,
      include: ['SETTLEMENTS', 'SERVICE_POINTS', 'SERVICE_AREAS'],
    });
    const points = byLayer(layer, 'service-points');
    expect(points).toHaveLength(1);
    expect(points[0]!.properties).toMatchObject({ name: PHARMACY.name, serviceTypes: ['PHARMACY'] });
    expect(points[0]!.geometry).toEqual({ type: 'Point', coordinates: [PHARMACY.lon, PHARMACY.lat] });

    const areas = byLayer(layer, 'service-areas') as Feature<Polygon, Props>[];
    expect(areas).toHaveLength(1);
    const radiusKm = ((10 / 60) * 70) / 1.35;
    expect(areas[0]!.properties).toMatchObject({
      method: 'DISTANCE_BUFFER',
      thresholdMinutes: 10,
      serviceType: 'PHARMACY',
      name: PHARMACY.name,
    });
    expect(String(areas[0]!.properties.label)).toMatch(/Straight-line radius of 8\.64 km.*10 min/);
    for (const vertex of areas[0]!.geometry.coordinates[0]!) {
      const km = distance(vertex, [PHARMACY.lon, PHARMACY.lat], { units: 'kilometers' });
      expect(Math.abs(km - radiusKm)).toBeLessThan(0.01);
    }

    // Grängesberg (≈ 15 min) is a desert at 10 minutes; Ludvika is not.
    const settlements = byLayer(layer, 'settlements');
    const desert = (name: string) => settlements.find((f) => f.properties.name === name)!.properties.desert;
    expect(desert(GRANGESBERG.name)).toBe(true);
    expect(desert(LUDVIKA.name)).toBe(false);
    expect(settlements.every((f) => f.properties.thresholdMinutes === 10)).toBe(true);
    // Drawing order: areas, settlements, points.
    expect([...new Set(layer.features.map((f) => f.properties.layer))]).toEqual([
      'service-areas',
      'settlements',
      'service-points',
    ]);
  });

  it('filters by bbox: points inside, buffers touching it', async () => {
    const bbox = { minLon: 14.9, minLat: 60.0, maxLon: 15.3, maxLat: 60.2 };
    const layer = await coverage({ type: 'PHARMACY', bbox, include: ['SETTLEMENTS', 'SERVICE_AREAS'] });
    expect(
      byLayer(layer, 'settlements')
        .map((f) => f.properties.name)
        .sort(),
    ).toEqual([GRANGESBERG.name, LUDVIKA.name].sort());
    expect(byLayer(layer, 'service-areas')).toHaveLength(1);

    const far = await coverage({
      type: 'PHARMACY',
      bbox: { minLon: 12, minLat: 61.5, maxLon: 13, maxLat: 62 },
      include: ['SETTLEMENTS', 'SERVICE_POINTS', 'SERVICE_AREAS'],
    });
    expect(far.features.map((f) => f.properties.name)).toEqual([IDRE.name]);
    // Idre's connectivity is unknown: an e-service candidate too (issue 24: unknown is not zero).
    expect(far.features[0]!.properties.flags).toEqual([
      'E_SERVICE_CAN_CLOSE',
      'NEW_SERVICE_POINT_NEEDED',
      'CROSS_BORDER_NEAREST',
    ]);
  });

  it('a service type without open points: settlements with no access, no buffers', async () => {
    const layer = await coverage({
      type: 'FUEL',
      include: ['SETTLEMENTS', 'SERVICE_POINTS', 'SERVICE_AREAS'],
    });
    expect(byLayer(layer, 'service-areas')).toHaveLength(0);
    expect(byLayer(layer, 'service-points')).toHaveLength(0);
    const sater = layer.features.find((f) => f.properties.name === SATER.name)!.properties;
    expect(sater).toMatchObject({ desert: true, accessClass: 'none', flags: ['NEW_SERVICE_POINT_NEEDED'] });
    expect(sater.minutes).toBeUndefined();
  });

  it('shows a saved scenario: closed points gone, added ones open', async () => {
    const saved = await insertScenario(server.app.db, {
      name: 'Pharmacy agent in Idre',
      description: null,
      createdBy: 'test',
      changes: {
        closeServicePointIds: [],
        addServicePoints: [
          {
            name: 'Idre apoteksombud',
            location: { lon: IDRE.lon, lat: IDRE.lat },
            serviceTypes: ['PHARMACY'],
            municipalityCode: IDRE.municipalityCode,
          },
        ],
        thresholdMinutes: [],
      },
    });
    const layer = await coverage({
      type: 'PHARMACY',
      scenario: saved.id,
      include: ['SETTLEMENTS', 'SERVICE_POINTS'],
    });
    expect(layer.scenarioId).toBe(saved.id);
    expect(byLayer(layer, 'service-points').map((f) => f.properties.name)).toEqual([
      PHARMACY.name,
      'Idre apoteksombud',
    ]);
    const idre = byLayer(layer, 'settlements').find((f) => f.properties.name === IDRE.name)!.properties;
    expect(idre).toMatchObject({ minutes: 0, desert: false, flags: ['SINGLE_POINT_OF_FAILURE'] });

    const baseline = await coverage({ type: 'PHARMACY' });
    expect(baseline.scenarioId).toBeNull();
    expect(baseline.features.find((f) => f.properties.name === IDRE.name)!.properties.desert).toBe(true);

    const missing = await server.gql(QUERY, { type: 'PHARMACY', scenario: '9999' });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it.each([
    [{ type: 'BAKERY' }, 'serviceType'],
    [{ type: 'PHARMACY', threshold: -5 }, 'thresholdMinutes'],
    [{ type: 'PHARMACY', bbox: { minLon: 16, minLat: 60, maxLon: 15, maxLat: 61 } }, 'bbox'],
    [{ type: 'PHARMACY', include: [] }, 'include'],
  ])('refuses %j with BAD_USER_INPUT', async (variables, field) => {
    const res = await server.gql(QUERY, variables);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });
});
