import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/calendar-date.js';
import { backend, testConfig } from '../helpers/db.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

/**
 * Issue 19 "values that exist": an instant whose date does not exist (2026-02-30T10:00:00+01:00 was read as
 * 2 March) is refused by the DateTime scalar and by tiles `?at=`; numbers that overflow to Infinity
 * (`1e999`) are refused wherever a Float or a JSON number enters, literal or variable.
 */

describe('parseInstant', () => {
  it.each([
    '2026-02-30T10:00:00+01:00',
    '2026-02-29T10:00:00Z', // 2026 is not a leap year
    '2026-13-01T10:00:00Z',
    '2026-04-31T00:00Z',
    '2026-06-06T24:00:00Z',
    '2026-06-06T10:60:00Z',
    '2026-06-06T10:00:60Z',
    '2026-06-06T10:00:00+24:00',
    '2026-06-06T10:00:00+01:60',
    '2026-06-06T10:00:00',
    '2026-06-06',
  ])('refuses %s', (text) => {
    expect(parseInstant(text)).toBeNull();
  });

  it.each([
    ['2028-02-29T10:00:00+01:00', '2028-02-29T09:00:00.000Z'],
    ['2026-06-06T16:00:00+02:00', '2026-06-06T14:00:00.000Z'],
    ['2026-12-31T23:59:59.999Z', '2026-12-31T23:59:59.999Z'],
    ['2026-01-01T00:00-05:30', '2026-01-01T05:30:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseInstant(text)?.toISOString()).toBe(iso);
  });
});

describe(`over HTTP (${backend})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { limits: { ...testConfig().limits, rateLimitPerIp: 0, rateLimitPerKey: 0 } },
    });
    await seed(server.app.db, {
      settlements: [aSettlement({ lon: 15, lat: 60 })],
      servicePoints: [aServicePoint({ lon: 15.01, lat: 60, serviceTypes: ['GROCERY'] })],
    });
  });
  afterAll(() => server?.close());

  const NEAREST =
    'query($at: DateTime) { nearestServicePoints(location: { lon: 15, lat: 60 }, serviceType: GROCERY, at: $at) { travelMinutes } }';

  it('refuses an instant on 30 February as a variable and as a literal (BAD_USER_INPUT)', async () => {
    const v = await server.gql(NEAREST, { at: '2026-02-30T10:00:00+01:00' });
    expect(v.status).toBe(400);
    expect(v.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(v.errors![0]!.message).toMatch(/exists/);
    const l = await server.gql(
      '{ nearestServicePoints(location: { lon: 15, lat: 60 }, serviceType: GROCERY, at: "2026-02-30T10:00:00+01:00") { travelMinutes } }',
    );
    expect(l.errors![0]!.extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    expect(l.data ?? null).toBeNull();
  });

  it('still answers on an instant that exists (2 March)', async () => {
    const r = await server.gql<{ nearestServicePoints: unknown[] }>(NEAREST, {
      at: '2026-03-02T10:00:00+01:00',
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!.nearestServicePoints.length).toBe(1);
  });

  it('tiles refuse ?at= on 30 February with 400 naming the parameter', async () => {
    const res = await fetch(
      `${server.url}/tiles/settlements/8/138/72.mvt?at=${encodeURIComponent('2026-02-30T10:00:00+01:00')}`,
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; field: string } };
    expect(body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'at' });
    const ok = await fetch(
      `${server.url}/tiles/settlements/8/138/72.mvt?at=${encodeURIComponent('2026-03-02T10:00:00+01:00')}`,
    );
    expect(ok.status).toBe(200);
  });

  it('refuses 1e999 written in the query (a Float literal, read as Infinity before)', async () => {
    for (const query of [
      '{ capacityAccess(serviceType: GROCERY, decayBands: [{ upToMinutes: 1e999, weight: 1 }]) { method } }',
      '{ nearestServicePoints(location: { lon: 15, lat: 60 }, serviceType: GROCERY, travel: { speedKmh: 1e999 }) { travelMinutes } }',
      '{ serviceDeserts(serviceType: GROCERY, area: { polygon: { type: "Polygon", coordinates: [[[15, 60], [16, 60], [16, 1e999], [15, 60]]] } }) { totalCount } }',
    ]) {
      const r = await server.gql(query);
      expect(r.status).toBe(400);
      expect(r.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toContain('1e999 is not a finite number');
    }
  });

  it('refuses 1e999 in variables, naming where, also inside a JSON value', async () => {
    const body = `{"query":"query($p: JSON) { serviceDeserts(serviceType: GROCERY, area: { polygon: $p }) { totalCount } }","variables":{"p":{"type":"Polygon","coordinates":[[[15,60],[16,60],[16,1e999],[15,60]]]}}}`;
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    const r = (await res.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(r.errors[0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'variables.p.coordinates[0][2][1]',
    });
  });
});
