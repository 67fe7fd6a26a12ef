import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataVersion } from '../../src/db/data-version.js';
import { startServer } from '../../src/server.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import type { PointView, TestKeys, UserError } from './fixtures.js';
import {
  CLOSE,
  CREATE,
  PLACES,
  REOPEN,
  UPDATE,
  UPDATE_SETTLEMENT,
  createKeys,
  seedAreas,
} from './fixtures.js';
import { captureLog } from './log-capture.js';

type Payload = { servicePoint: PointView | null; errors: UserError[] };
type Create = { createServicePoint: Payload };
type Update = { updateServicePoint: Payload };

describe('service-point and settlement writes over GraphQL', () => {
  let server: TestServer;
  let keys: TestKeys;
  const captured = captureLog();

  beforeAll(async () => {
    server = await startTestServer({ log: captured.log });
    await seedAreas(server.app.db);
    keys = await createKeys(server.app.db);
    await seed(server.app.db, {
      settlements: [
        aSettlement({
          name: 'Grangärde',
          lon: PLACES.grangarde.lon,
          lat: PLACES.grangarde.lat,
          population: 800,
        }),
        aSettlement({
          name: 'Falun',
          lon: PLACES.falun.lon,
          lat: PLACES.falun.lat,
          population: 40000,
          municipalityCode: '2080',
        }),
      ],
    });
  });
  afterAll(() => server?.close());

  const version = () => readDataVersion(server.app.db);
  const pointRow = (id: string) =>
    server.app.db
      .selectFrom('service_points')
      .select(['name', 'status', 'municipality_code', sql<number>`ST_X(geom)`.as('lon')])
      .where('id', '=', Number(id))
      .executeTakeFirst();
  const auditFor = (id: string) =>
    server.app.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'entity', 'entity_id', 'before', 'after'])
      .where('entity', '=', 'servicePoint')
      .where('entity_id', '=', id)
      .orderBy('id')
      .execute();
  const locker = (place: keyof typeof PLACES, extra: Record<string, unknown> = {}) => ({
    name: `Paketskåp ${place}`,
    serviceTypes: ['POST'],
    location: { lon: PLACES[place].lon, lat: PLACES[place].lat },
    ...extra,
  });

  let lockerId: string;

  it('creates a point in one transaction with its audit row and one data-version bump; the municipality comes from the boundaries', async () => {
    const v0 = await version();
    const r = await server.gql<Create>(
      CREATE,
      { input: locker('grangarde') },
      { token: keys.plannerLudvika },
    );
    expect(r.errors).toBeUndefined();
    const { servicePoint, errors } = r.data!.createServicePoint;
    expect(errors).toEqual([]);
    expect(servicePoint).toMatchObject({
      name: 'Paketskåp grangarde',
      status: 'OPEN',
      municipalityCode: '2085',
    });
    expect(servicePoint!.validFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(servicePoint!.location.coordinates).toEqual([PLACES.grangarde.lon, PLACES.grangarde.lat]);
    lockerId = servicePoint!.id;
    expect(await version()).toBe(v0 + 1);
    const trail = await auditFor(lockerId);
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      actor: keys.ids.plannerLudvika,
      action: 'servicePoint.create',
      before: null,
      after: { id: lockerId, name: 'Paketskåp grangarde', municipalityCode: '2085', status: 'OPEN' },
    });
  });

  it('refuses bad input as payload errors naming the field, and changes nothing', async () => {
    const v0 = await version();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        locker('ludvika', { municipalityCode: '2080' }),
        'input.municipalityCode',
        /lies in municipality 2085/,
      ],
      [locker('ludvika', { municipalityCode: '208' }), 'input.municipalityCode', /4 digits/],
      [
        locker('ludvika', { serviceTypes: ['PARCEL_LOCKER'] }),
        'input.serviceTypes',
        /unknown service type PARCEL_LOCKER; known: .*POST/,
      ],
      [locker('ludvika', { serviceTypes: [] }), 'input.serviceTypes', /at least one/],
      [locker('ludvika', { location: { lon: 15.2, lat: 95 } }), 'input.location', /latitude 95/],
      [locker('ludvika', { location: { lon: 520000, lat: 6670000 } }), 'input.location', /SWEREF 99 TM/],
      [locker('ludvika', { capacity: -1 }), 'input.capacity', /whole number ≥ 0/],
      [locker('ludvika', { capacity: 2.5 }), 'input.capacity', /whole number ≥ 0/],
      [locker('ludvika', { name: '   ' }), 'input.name', /blank/],
      [locker('ludvika', { validFrom: '2026-02-30' }), 'validFrom', /YYYY-MM-DD/],
    ];
    for (const [input, field, message] of cases) {
      const r = await server.gql<Create>(CREATE, { input }, { token: keys.plannerLudvika });
      if (field === 'validFrom') {
        // A malformed Date is refused by the scalar before the resolver runs.
        expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        expect(r.errors?.[0]?.message).toMatch(message);
        continue;
      }
      expect(r.errors, JSON.stringify(input)).toBeUndefined();
      expect(r.data!.createServicePoint.servicePoint).toBeNull();
      const [error] = r.data!.createServicePoint.errors;
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(error!.message).toMatch(message);
    }
    expect(await version()).toBe(v0);
  });

  it('refuses a second point with the same externalId', async () => {
    const first = await server.gql<Create>(
      CREATE,
      { input: locker('ludvika', { externalId: 'pk-1' }) },
      { token: keys.admin },
    );
    expect(first.data!.createServicePoint.errors).toEqual([]);
    const again = await server.gql<Create>(
      CREATE,
      { input: locker('ludvika', { externalId: 'pk-1' }) },
      { token: keys.admin },
    );
    expect(again.data!.createServicePoint.errors[0]).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.externalId',
    });
  });

  it('edits and moves a point inside the scope, and refuses a move out of it (the row unchanged)', async () => {
    const renamed = await server.gql<Update>(
      UPDATE,
      { id: lockerId, input: { name: 'Paketskåp Grangärde', operator: 'PostNord' } },
      { token: keys.plannerLudvika },
    );
    expect(renamed.data!.updateServicePoint.errors).toEqual([]);
    expect(renamed.data!.updateServicePoint.servicePoint!.name).toBe('Paketskåp Grangärde');

    const moved = await server.gql<Update>(
      UPDATE,
      { id: lockerId, input: { location: { lon: PLACES.ludvika.lon, lat: PLACES.ludvika.lat } } },
      { token: keys.plannerLudvika },
    );
    expect(moved.data!.updateServicePoint.errors).toEqual([]);
    expect(moved.data!.updateServicePoint.servicePoint!.location.coordinates).toEqual([
      PLACES.ludvika.lon,
      PLACES.ludvika.lat,
    ]);

    const v0 = await version();
    const away = await server.gql<Update>(
      UPDATE,
      { id: lockerId, input: { location: { lon: PLACES.falun.lon, lat: PLACES.falun.lat } } },
      { token: keys.plannerLudvika },
    );
    expect(away.data!.updateServicePoint.servicePoint).toBeNull();
    expect(away.data!.updateServicePoint.errors[0]).toMatchObject({
      code: 'FORBIDDEN',
      field: 'input.location',
    });
    expect(away.data!.updateServicePoint.errors[0]!.message).toMatch(
      /municipality 2080, outside the scope of key k_/,
    );
    expect(await pointRow(lockerId)).toMatchObject({ municipality_code: '2085', lon: PLACES.ludvika.lon });
    expect(await version()).toBe(v0);

    // The county key covers both ends of the move: the point's municipality follows its new place.
    const county = await server.gql<Update>(
      UPDATE,
      { id: lockerId, input: { location: { lon: PLACES.falun.lon, lat: PLACES.falun.lat } } },
      { token: keys.plannerDalarna },
    );
    expect(county.data!.updateServicePoint.servicePoint!.municipalityCode).toBe('2080');
    const back = await server.gql<Update>(
      UPDATE,
      { id: lockerId, input: { location: { lon: PLACES.grangarde.lon, lat: PLACES.grangarde.lat } } },
      { token: keys.plannerDalarna },
    );
    expect(back.data!.updateServicePoint.servicePoint!.municipalityCode).toBe('2085');
    const trail = await auditFor(lockerId);
    expect(trail.map((t) => t.action)).toEqual([
      'servicePoint.create',
      'servicePoint.update',
      'servicePoint.update',
      'servicePoint.update',
      'servicePoint.update',
    ]);
    expect(trail[3]).toMatchObject({
      actor: keys.ids.plannerDalarna,
      before: { municipalityCode: '2085', lon: PLACES.ludvika.lon },
      after: { municipalityCode: '2080', lon: PLACES.falun.lon },
    });
  });

  it('closes on a date (validTo = that date, OPEN until then — issue 19 — the row kept) and reopens', async () => {
    const closed = await server.gql<{ closeServicePoint: Payload }>(
      CLOSE,
      { id: lockerId, closedOn: '2030-01-15' },
      { token: keys.plannerLudvika },
    );
    expect(closed.data!.closeServicePoint.errors).toEqual([]);
    expect(closed.data!.closeServicePoint.servicePoint).toMatchObject({
      status: 'OPEN',
      validTo: '2030-01-15',
    });
    const again = await server.gql<{ closeServicePoint: Payload }>(
      CLOSE,
      { id: lockerId },
      { token: keys.plannerLudvika },
    );
    expect(again.data!.closeServicePoint.errors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const early = await server.gql<{ closeServicePoint: Payload }>(
      CLOSE,
      { id: lockerId, closedOn: '2000-01-01' },
      { token: keys.plannerLudvika },
    );
    expect(early.data!.closeServicePoint.errors[0]!.code).toBe('BAD_USER_INPUT');

    const reopened = await server.gql<{ reopenServicePoint: Payload }>(
      REOPEN,
      { id: lockerId },
      { token: keys.plannerLudvika },
    );
    expect(reopened.data!.reopenServicePoint.servicePoint).toMatchObject({ status: 'OPEN', validTo: null });
    const twice = await server.gql<{ reopenServicePoint: Payload }>(
      REOPEN,
      { id: lockerId },
      { token: keys.plannerLudvika },
    );
    expect(twice.data!.reopenServicePoint.errors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect((await auditFor(lockerId)).map((t) => t.action).slice(-2)).toEqual([
      'servicePoint.close',
      'servicePoint.reopen',
    ]);
  });

  it('scopes a point imported without a municipality code by the boundary that covers it', async () => {
    await seed(server.app.db, {
      servicePoints: [
        aServicePoint({
          name: 'Uncoded',
          externalId: 'uncoded',
          lon: PLACES.ludvika.lon,
          lat: PLACES.ludvika.lat,
          municipalityCode: null,
        }),
      ],
    });
    const row = await server.app.db
      .selectFrom('service_points')
      .select('id')
      .where('external_id', '=', 'uncoded')
      .executeTakeFirstOrThrow();
    const id = String(row.id);
    const falun = await server.gql<{ closeServicePoint: Payload }>(
      CLOSE,
      { id },
      { token: keys.plannerFalun },
    );
    expect(falun.data!.closeServicePoint.errors[0]).toMatchObject({ code: 'FORBIDDEN', field: 'id' });
    const ludvika = await server.gql<{ closeServicePoint: Payload }>(
      CLOSE,
      { id },
      { token: keys.plannerLudvika },
    );
    expect(ludvika.data!.closeServicePoint.errors).toEqual([]);
  });

  it('answers NOT_FOUND for ids that do not exist or cannot', async () => {
    for (const id of ['999999', 'abc']) {
      const r = await server.gql<{ closeServicePoint: Payload }>(CLOSE, { id }, { token: keys.admin });
      expect(r.data!.closeServicePoint.errors[0]).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    }
  });

  it('updates a settlement’s broadband share and population, with range checks', async () => {
    const ids = await server.app.db.selectFrom('settlements').select(['id', 'name']).execute();
    const grangarde = String(ids.find((s) => s.name === 'Grangärde')!.id);
    type U = {
      updateSettlement: {
        settlement: { broadbandShare: number | null; population: number } | null;
        errors: UserError[];
      };
    };
    const ok = await server.gql<U>(
      UPDATE_SETTLEMENT,
      { id: grangarde, input: { broadbandShare: 0.92, population: 850 } },
      { token: keys.plannerLudvika },
    );
    expect(ok.data!.updateSettlement).toMatchObject({
      settlement: { broadbandShare: 0.92, population: 850 },
      errors: [],
    });
    const percent = await server.gql<U>(
      UPDATE_SETTLEMENT,
      { id: grangarde, input: { broadbandShare: 92 } },
      { token: keys.plannerLudvika },
    );
    expect(percent.data!.updateSettlement.errors[0]).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.broadbandShare',
    });
    expect(percent.data!.updateSettlement.errors[0]!.message).toMatch(/percentage/);
    const elderly = await server.gql<U>(
      UPDATE_SETTLEMENT,
      { id: grangarde, input: { population65Plus: 900 } },
      { token: keys.plannerLudvika },
    );
    expect(elderly.data!.updateSettlement.errors[0]).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.population65Plus',
    });
    const audit = await server.app.db
      .selectFrom('audit_log')
      .select(['before', 'after'])
      .where('entity', '=', 'settlement')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      before: { broadbandShare: null, population: 800 },
      after: { broadbandShare: 0.92, population: 850 },
    });
  });

  it('writes the point and its audit row in one transaction: when the audit insert fails, the point is unchanged', async () => {
    const db = server.app.db;
    await sql`ALTER TABLE audit_log ADD CONSTRAINT test_refuse_updates CHECK (action <> 'servicePoint.update') NOT VALID`.execute(
      db,
    );
    try {
      const v0 = await version();
      const r = await server.gql<Update>(
        UPDATE,
        { id: lockerId, input: { name: 'Never stored' } },
        { token: keys.admin },
      );
      expect(r.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect((await pointRow(lockerId))!.name).toBe('Paketskåp Grangärde');
      expect(await version()).toBe(v0);
    } finally {
      await sql`ALTER TABLE audit_log DROP CONSTRAINT test_refuse_updates`.execute(db);
    }
  });

  it('stores keys as keyed hashes only, under ids not derived from the key', async () => {
    const rows = await server.app.db.selectFrom('api_keys').selectAll().execute();
    const token = keys.plannerLudvika;
    const row = rows.find((r) => r.id === keys.ids.plannerLudvika)!;
    const secret = token.split('.')[1]!;
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(row.key_hash).not.toBe(createHash('sha256').update(token).digest('hex'));
    expect(row.key_hash).not.toBe(createHash('sha256').update(secret).digest('hex'));
    expect(row.id).toMatch(/^k_[a-z0-9]{12}$/);
    expect(createHash('sha256').update(secret).digest('hex')).not.toContain(row.id.slice(2));
  });

  it('refuses writes without a valid key as UNAUTHENTICATED; every refusal is logged with the key id and reason, and counted', async () => {
    const before = server.running.services.refusals.total();
    const none = await server.gql<Create>(CREATE, { input: locker('ludvika') });
    expect(none.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const revoked = await server.gql<Create>(CREATE, { input: locker('ludvika') }, { token: keys.revoked });
    expect(revoked.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(revoked.errors?.[0]?.message).toMatch(/revoked/);
    const forged = `${keys.ids.plannerLudvika}.${'A'.repeat(43)}`;
    const bad = await server.gql<Create>(CREATE, { input: locker('ludvika') }, { token: forged });
    expect(bad.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const reader = await server.gql<Create>(CREATE, { input: locker('ludvika') }, { token: keys.reader });
    expect(reader.data!.createServicePoint.errors[0]).toMatchObject({ code: 'FORBIDDEN' });
    expect(server.running.services.refusals.total()).toBe(before + 4);

    const refusals = captured.lines().filter((l) => l.msg === 'write refused');
    const last = refusals.slice(-4);
    expect(last.map((l) => [l.actor, l.code])).toEqual([
      [null, 'UNAUTHENTICATED'],
      [keys.ids.revoked, 'UNAUTHENTICATED'],
      [keys.ids.plannerLudvika, 'UNAUTHENTICATED'],
      [keys.ids.reader, 'FORBIDDEN'],
    ]);
    expect(String(last[1]!.reason)).toMatch(/revoked/);
    // Never the key itself.
    const logged = JSON.stringify(captured.lines());
    for (const token of [keys.revoked, keys.reader, forged])
      expect(logged).not.toContain(token.split('.')[1]);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /serviceatlas_write_refusals_total\{action="createServicePoint",code="UNAUTHENTICATED"\} 3/,
    );
    expect(metrics).toMatch(
      /serviceatlas_write_refusals_total\{action="createServicePoint",code="FORBIDDEN"\} 1/,
    );
  });

  it('keeps SERVICEATLAS_WRITE_TOKENS working as admin keys (actor write-token#1)', async () => {
    const r = await server.gql<Create>(CREATE, { input: locker('goteborg') }, { token: 'test-writer' });
    expect(r.data!.createServicePoint.servicePoint!.municipalityCode).toBe('1480');
    const [row] = await auditFor(r.data!.createServicePoint.servicePoint!.id);
    expect(row!.actor).toBe('write-token#1');
  });

  it('serves reads to key holders only when SERVICEATLAS_READ_AUTH=key', async () => {
    const closed = await startServer({
      app: server.app,
      config: { ...server.app.config, readAuth: 'key' },
      port: 0,
    });
    try {
      const ask = (token?: string) =>
        fetch(`${closed.url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ query: '{ serviceTypes { code } }' }),
        });
      const anonymous = await ask();
      expect(anonymous.status).toBe(401);
      expect(
        ((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions
          .code,
      ).toBe('UNAUTHENTICATED');
      expect((await ask(keys.revoked)).status).toBe(401);
      expect((await ask(keys.reader)).status).toBe(200);
      expect((await fetch(`${closed.url}/tiles`)).status).toBe(401);
      expect(
        (await fetch(`${closed.url}/tiles`, { headers: { authorization: `Bearer ${keys.reader}` } })).status,
      ).toBe(200);
      expect((await fetch(`${closed.url}/healthz`)).status).toBe(200);
    } finally {
      await closed.close();
    }
  });

  it('rate-limits writes like every request: one bucket per key id, an unknown or revoked key shares its IP’s bucket', async () => {
    const limits = {
      ...server.app.config.limits,
      rateLimitPerIp: 0.01,
      rateBurstPerIp: 1,
      rateLimitPerKey: 0.01,
      rateBurstPerKey: 2,
    };
    const limited = await startServer({ app: server.app, config: { ...server.app.config, limits }, port: 0 });
    try {
      const write = (token?: string) =>
        fetch(`${limited.url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({
            query: UPDATE,
            variables: { id: lockerId, input: { operator: 'PostNord' } },
          }),
        });
      expect((await write()).status).toBe(200);
      expect((await write()).status).toBe(429);
      expect((await write(keys.revoked)).status).toBe(429);
      expect((await write(keys.plannerLudvika)).status).toBe(200);
      expect((await write(keys.plannerLudvika)).status).toBe(200);
      const third = await write(keys.plannerLudvika);
      expect(third.status).toBe(429);
      expect(
        ((await third.json()) as { errors: { extensions: { limit: string } }[] }).errors[0]!.extensions.limit,
      ).toBe('rateLimitPerKey');
      expect((await write(keys.admin)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
