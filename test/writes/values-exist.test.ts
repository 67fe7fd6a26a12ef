import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scbMunicipalityCodes } from '../../src/modules/areas/municipality-codes.js';
import { backend } from '../helpers/db.js';
import { sharedDataFile } from '../helpers/shared-data.js';
import { aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import type { PointView, TestKeys, UserError } from './fixtures.js';
import { CLOSE, CREATE, UPDATE, createKeys } from './fixtures.js';

/**
 * Issue 19 "values that exist", through the write API (no boundaries imported, as on the demo):
 * - opening hours the `opening_hours` library cannot parse are refused (they were stored, then counted as
 *   always open), with the import's rule;
 * - a closing date ahead keeps the point OPEN until then — `status` and the analyses agree;
 * - a municipality code that does not exist (neither SCB's nor an imported boundary's) is refused, also for
 *   an admin.
 */

type Payload = { servicePoint: PointView | null; errors: UserError[] };

let server: TestServer;
let keys: TestKeys;
beforeAll(async () => {
  server = await startTestServer();
  keys = await createKeys(server.app.db);
  await seed(server.app.db, {
    settlements: [
      aSettlement({ name: 'Nära', lon: 15.0, lat: 60.0, municipalityCode: '2085', population: 500 }),
    ],
  });
});
afterAll(() => server?.close());

const create = async (input: Record<string, unknown>) =>
  (await server.gql<{ createServicePoint: Payload }>(CREATE, { input }, { token: keys.admin })).data!
    .createServicePoint;

const pharmacy = (extra: Record<string, unknown> = {}) => ({
  name: 'Apoteket Nära',
  serviceTypes: ['PHARMACY'],
  location: { lon: 15.01, lat: 60.0 },
  municipalityCode: '2085',
  ...extra,
});

describe(`opening hours through the API (${backend})`, () => {
  it.each(['Mo-Fr 25:00-26:00', 'whenever', 'Mo-Fr 08:00-', 'Xy 10:00-12:00'])(
    'refuses %j with BAD_USER_INPUT naming input.openingHours',
    async (openingHours) => {
      const p = await create(pharmacy({ openingHours }));
      expect(p.servicePoint).toBeNull();
      expect(p.errors).toEqual([
        expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.openingHours' }),
      ]);
      expect(p.errors[0]!.message).toMatch(/opening_hours syntax/);
    },
  );

  it('refuses them on update too, and keeps valid hours', async () => {
    const made = await create(pharmacy({ openingHours: 'Mo-Fr 09:00-18:00; PH off' }));
    expect(made.errors).toEqual([]);
    const id = made.servicePoint!.id;
    const bad = await server.gql<{ updateServicePoint: Payload }>(
      UPDATE,
      { id, input: { openingHours: 'Mo-Fr nine to five' } },
      { token: keys.admin },
    );
    expect(bad.data!.updateServicePoint.errors[0]).toMatchObject({ field: 'input.openingHours' });
    const row = await server.app.db
      .selectFrom('service_points')
      .select('opening_hours')
      .where('id', '=', Number(id))
      .executeTakeFirstOrThrow();
    expect(row.opening_hours).toBe('Mo-Fr 09:00-18:00; PH off');
  });
});

describe(`a closing date ahead (${backend})`, () => {
  it('keeps the point OPEN and counted until that date; a past date closes it at once', async () => {
    const made = await create(pharmacy({ name: 'Apoteket Framtid' }));
    const id = made.servicePoint!.id;
    const nearest = async () =>
      (
        await server.gql<{ nearestServicePoints: { servicePoint: { id: string } }[] }>(
          '{ nearestServicePoints(location: { lon: 15, lat: 60 }, serviceType: PHARMACY, limit: 10) { servicePoint { id } } }',
        )
      ).data!.nearestServicePoints.map((n) => n.servicePoint.id);
    expect(await nearest()).toContain(id);

    const closed = await server.gql<{ closeServicePoint: Payload }>(
      CLOSE,
      { id, closedOn: '2099-01-01' },
      { token: keys.admin },
    );
    expect(closed.data!.closeServicePoint.errors).toEqual([]);
    expect(closed.data!.closeServicePoint.servicePoint).toMatchObject({
      status: 'OPEN',
      validTo: '2099-01-01',
    });
    // The analyses count it today, and the status filter agrees with them.
    expect(await nearest()).toContain(id);
    const open = await server.gql<{ servicePoints: { nodes: { id: string }[] } }>(
      '{ servicePoints(filter: { status: OPEN, serviceType: PHARMACY }, first: 50) { nodes { id } } }',
    );
    expect(open.data!.servicePoints.nodes.map((n) => n.id)).toContain(id);
    // On the closing date it is out of service (asOf), and CLOSED from then.
    const later = await server.gql<{ nearestServicePoints: { servicePoint: { id: string } }[] }>(
      '{ nearestServicePoints(location: { lon: 15, lat: 60 }, serviceType: PHARMACY, limit: 10, asOf: "2099-01-01") { servicePoint { id } } }',
    );
    expect(later.data!.nearestServicePoints.map((n) => n.servicePoint.id)).not.toContain(id);

    const other = (await create(pharmacy({ name: 'Apoteket Igår', validFrom: '2020-01-01' }))).servicePoint!
      .id;
    const today = new Date().toISOString().slice(0, 10);
    const now = await server.gql<{ closeServicePoint: Payload }>(
      CLOSE,
      { id: other, closedOn: today },
      { token: keys.admin },
    );
    expect(now.data!.closeServicePoint.servicePoint).toMatchObject({ status: 'CLOSED', validTo: today });
    expect(await nearest()).not.toContain(other);
  });
});

describe(`municipality codes that exist (${backend})`, () => {
  it('the vendored list is the 290 codes of the SCB boundaries', () => {
    const geo = JSON.parse(
      readFileSync(sharedDataFile('scb-kommuner-lan-2024/kommuner_2024_generalized.geojson'), 'utf8'),
    ) as { features: { properties: { kommunkod: string } }[] };
    const codes = new Set(geo.features.map((f) => f.properties.kommunkod));
    expect(codes.size).toBe(290);
    expect([...scbMunicipalityCodes()].sort()).toEqual([...codes].sort());
  });

  it.each(['9999', '2099', '0000'])('an admin cannot store municipality %s', async (code) => {
    const p = await create(pharmacy({ name: `Apoteket ${code}`, municipalityCode: code }));
    expect(p.servicePoint).toBeNull();
    expect(p.errors).toEqual([
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.municipalityCode' }),
    ]);
  });

  it('an existing code is stored (no boundaries: SCB’s list decides), also on update', async () => {
    const p = await create(pharmacy({ name: 'Apoteket Falun', municipalityCode: '2080' }));
    expect(p.errors).toEqual([]);
    expect(p.servicePoint!.municipalityCode).toBe('2080');
    const bad = await server.gql<{ updateServicePoint: Payload }>(
      UPDATE,
      { id: p.servicePoint!.id, input: { municipalityCode: '9999' } },
      { token: keys.admin },
    );
    expect(bad.data!.updateServicePoint.errors[0]).toMatchObject({ field: 'input.municipalityCode' });
  });
});
