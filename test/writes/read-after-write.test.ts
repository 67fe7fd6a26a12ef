/**
 * Every accepted write bumps the data version in its transaction, so the very next read of every kind
 * — GraphQL access and nearest, indicators, a saved scenario's evaluation, vector tiles — answers from
 * the new data. The oracle is by hand: Grangärde's only post points are a locker placed on it (0 km)
 * and one in Falun (~53 km, far beyond POST's 15 minutes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { decodedLayer, tileAndLocal } from '../tiles/decode.js';
import type { PointView, TestKeys, UserError } from './fixtures.js';
import {
  CLOSE,
  CREATE,
  PLACES,
  UPDATE_SETTLEMENT,
  createKeys,
  seedAreas,
  seedGrangardeAndFalunPost,
} from './fixtures.js';

const READS = `query($location: PointInput!, $id: ID!) {
  nearestServicePoints(location: $location, serviceType: "POST", limit: 1) { servicePoint { name } straightLineKm }
  settlement(id: $id) { population broadbandShare access(serviceTypes: ["POST"]) { servicePoint { name } withinThreshold } }
  accessIndicators(serviceTypes: ["POST"], groupBy: MUNICIPALITY, area: { municipalityCode: "2085" }) {
    population populationBeyondThreshold settlementsBeyondThreshold }
}`;

interface Reads {
  nearestServicePoints: { servicePoint: { name: string }; straightLineKm: number }[];
  settlement: {
    population: number;
    broadbandShare: number | null;
    access: { servicePoint: { name: string } | null; withinThreshold: boolean }[];
  };
  accessIndicators: {
    population: number;
    populationBeyondThreshold: number;
    settlementsBeyondThreshold: number;
  }[];
}

describe('the next read after a write sees it', () => {
  let server: TestServer;
  let keys: TestKeys;
  let grangarde: string;
  let scenarioId: string;
  const at = { lon: PLACES.grangarde.lon, lat: PLACES.grangarde.lat };

  beforeAll(async () => {
    server = await startTestServer();
    await seedAreas(server.app.db);
    keys = await createKeys(server.app.db);
    grangarde = await seedGrangardeAndFalunPost(server.app.db);
    // Saved before the write: "what if a post agent opened in Grangärde?"
    const saved = await server.gql<{ saveScenario: { id: string } }>(
      `mutation($changes: ScenarioInput!) { saveScenario(name: "Post in Grangärde", changes: $changes) { id } }`,
      { changes: { addServicePoints: [{ name: 'Ombud', location: at, serviceTypes: ['POST'] }] } },
      { token: keys.plannerLudvika },
    );
    scenarioId = saved.data!.saveScenario.id;
  });
  afterAll(() => server?.close());

  const reads = async () => {
    const r = await server.gql<Reads>(READS, { location: at, id: grangarde });
    expect(r.errors).toBeUndefined();
    return r.data!;
  };
  const scenarioGain = async () => {
    const r = await server.gql<{ scenario: { evaluation: { populationGainingAccess: number } } }>(
      'query($id: ID!) { scenario(id: $id) { evaluation { populationGainingAccess } } }',
      { id: scenarioId },
    );
    expect(r.errors).toBeUndefined();
    return r.data!.scenario.evaluation.populationGainingAccess;
  };
  const tileNames = async () => {
    const t = tileAndLocal(at.lon, at.lat, 9);
    const res = await fetch(`${server.url}/tiles/service-points/9/${t.x}/${t.y}.mvt?serviceType=POST`);
    expect(res.status).toBe(200);
    const layer = decodedLayer(new Uint8Array(await res.arrayBuffer()), 'service-points');
    return {
      etag: res.headers.get('etag'),
      names: layer
        ? Array.from({ length: layer.length }, (_, i) => String(layer.feature(i).properties.name))
        : [],
    };
  };

  let lockerId: string;
  let etagBefore: string | null;

  it('before: Falun is nearest, Grangärde is beyond the threshold, the scenario would give it access', async () => {
    const r = await reads();
    expect(r.nearestServicePoints[0]!.servicePoint.name).toBe('Falun post');
    expect(r.nearestServicePoints[0]!.straightLineKm).toBeGreaterThan(40);
    expect(r.settlement.access[0]).toMatchObject({
      servicePoint: { name: 'Falun post' },
      withinThreshold: false,
    });
    expect(r.accessIndicators[0]).toMatchObject({ population: 800, populationBeyondThreshold: 800 });
    expect(await scenarioGain()).toBe(800);
    const tile = await tileNames();
    expect(tile.names).toEqual([]);
    etagBefore = tile.etag;
  });

  it('after createServicePoint: nearest, access, indicators, the saved scenario and the tiles see the locker', async () => {
    const created = await server.gql<{
      createServicePoint: { servicePoint: PointView; errors: UserError[] };
    }>(
      CREATE,
      { input: { name: 'Paketskåp Grangärde', serviceTypes: ['POST'], location: at } },
      { token: keys.plannerLudvika },
    );
    expect(created.data!.createServicePoint.errors).toEqual([]);
    lockerId = created.data!.createServicePoint.servicePoint.id;
    const r = await reads();
    expect(r.nearestServicePoints[0]).toMatchObject({
      servicePoint: { name: 'Paketskåp Grangärde' },
      straightLineKm: 0,
    });
    expect(r.settlement.access[0]).toMatchObject({
      servicePoint: { name: 'Paketskåp Grangärde' },
      withinThreshold: true,
    });
    expect(r.accessIndicators[0]).toMatchObject({
      populationBeyondThreshold: 0,
      settlementsBeyondThreshold: 0,
    });
    expect(await scenarioGain()).toBe(0);
    const tile = await tileNames();
    expect(tile.names).toEqual(['Paketskåp Grangärde']);
    expect(tile.etag).not.toBe(etagBefore);
  });

  it('after closeServicePoint: every read is back to Falun', async () => {
    const closed = await server.gql<{ closeServicePoint: { errors: UserError[] } }>(
      CLOSE,
      { id: lockerId },
      { token: keys.plannerLudvika },
    );
    expect(closed.data!.closeServicePoint.errors).toEqual([]);
    const r = await reads();
    expect(r.nearestServicePoints[0]!.servicePoint.name).toBe('Falun post');
    expect(r.settlement.access[0]!.withinThreshold).toBe(false);
    expect(r.accessIndicators[0]!.populationBeyondThreshold).toBe(800);
    expect(await scenarioGain()).toBe(800);
    expect((await tileNames()).names).toEqual([]);
  });

  it('after updateSettlement: the settlement and the indicators use the new population and broadband share', async () => {
    const updated = await server.gql<{ updateSettlement: { errors: UserError[] } }>(
      UPDATE_SETTLEMENT,
      { id: grangarde, input: { population: 950, broadbandShare: 0.9 } },
      { token: keys.plannerLudvika },
    );
    expect(updated.data!.updateSettlement.errors).toEqual([]);
    const r = await reads();
    expect(r.settlement).toMatchObject({ population: 950, broadbandShare: 0.9 });
    expect(r.accessIndicators[0]).toMatchObject({ population: 950, populationBeyondThreshold: 950 });
    expect(await scenarioGain()).toBe(950);
  });
});
