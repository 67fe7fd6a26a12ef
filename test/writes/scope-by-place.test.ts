/**
 * Scope by place, not by claim (issue 19, security (a)): a planner's write is checked against where the
 * point IS by the imported municipality boundaries — before and after a move — not the municipality code
 * a client sends or an earlier import stored. Where no boundary covers the point, planner writes are
 * refused (FORBIDDEN, saying to import boundaries); admin keys may still write. Importing boundaries
 * derives the stored codes again and reports what changed.
 *
 * The probe's case exactly: on a database without boundaries (the demo before this change), the Ludvika
 * (2085) planner created a pharmacy at Falun's coordinates labelled 2085, and could move a point to
 * Stockholm. Expected places come from Turf (point in polygon, distance to the boundary), not from the
 * code under test.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { booleanPointInPolygon, point, pointToLineDistance, polygon, polygonToLine } from '@turf/turf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataVersions } from '../../src/db/data-version.js';
import { runImportJob } from '../../src/modules/imports/import-jobs.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import type { PointView, TestKeys, UserError } from './fixtures.js';
import { AREAS, CLOSE, CREATE, PLACES, REOPEN, UPDATE, UPDATE_SETTLEMENT, createKeys } from './fixtures.js';

const STOCKHOLM = { lon: 18.07, lat: 59.33 };

type Payload = { servicePoint?: PointView | null; settlement?: unknown; errors: UserError[] };

async function write(
  server: TestServer,
  query: string,
  variables: Record<string, unknown>,
  token: string,
): Promise<Payload> {
  const r = await server.gql<Record<string, Payload>>(query, variables, { token });
  expect(r.errors).toBeUndefined();
  return Object.values(r.data!)[0]!;
}

/** A refused write changes nothing: the data version stays. */
async function refused(server: TestServer, run: () => Promise<Payload>): Promise<UserError> {
  const before = await readDataVersions(server.app.db);
  const payload = await run();
  expect(payload.errors).toHaveLength(1);
  expect(await readDataVersions(server.app.db)).toEqual(before);
  return payload.errors[0]!;
}

const ring = ([w, s, e, n]: readonly number[]) => [
  [
    [w, s],
    [e, s],
    [e, n],
    [w, n],
    [w, s],
  ],
];

describe('no boundaries imported: planners cannot write anywhere (nobody can tell where a point is theirs)', () => {
  let server: TestServer;
  let keys: TestKeys;
  let ludvikaPoint: string;
  let ludvikaSettlement: string;
  beforeAll(async () => {
    server = await startTestServer();
    keys = await createKeys(server.app.db);
    await seed(server.app.db, {
      servicePoints: [aServicePoint({ externalId: 'lv', ...PLACES.ludvika, serviceTypes: ['POST'] })],
      settlements: [aSettlement({ externalId: 'lv-s', ...PLACES.ludvika })],
    });
    ludvikaPoint = String(
      (await server.app.db.selectFrom('service_points').select('id').executeTakeFirstOrThrow()).id,
    );
    ludvikaSettlement = String(
      (await server.app.db.selectFrom('settlements').select('id').executeTakeFirstOrThrow()).id,
    );
  });
  afterAll(() => server?.close());

  it('the probe: the Ludvika planner cannot create a pharmacy at Falun labelled 2085', async () => {
    const error = await refused(server, () =>
      write(
        server,
        CREATE,
        {
          input: {
            name: 'Apotek i Falun, märkt Ludvika',
            serviceTypes: ['PHARMACY'],
            location: { lon: PLACES.falun.lon, lat: PLACES.falun.lat },
            municipalityCode: '2085',
          },
        },
        keys.plannerLudvika,
      ),
    );
    expect(error.code).toBe('FORBIDDEN');
    expect(error.field).toBe('input.location');
    expect(error.message).toMatch(/no municipality boundaries are imported/);
    expect(error.message).toMatch(/serviceatlas import areas .* --level MUNICIPALITY/);
    expect(error.message).toMatch(/admin key/);
  });

  it('nor anything else: create at home, edit, move to Stockholm, close, reopen, update a settlement', async () => {
    const cases: [string, Record<string, unknown>][] = [
      [
        CREATE,
        {
          input: {
            name: 'Paketskåp Grangärde',
            serviceTypes: ['POST'],
            location: { lon: PLACES.grangarde.lon, lat: PLACES.grangarde.lat },
          },
        },
      ],
      [UPDATE, { id: ludvikaPoint, input: { name: 'renamed' } }],
      [UPDATE, { id: ludvikaPoint, input: { location: STOCKHOLM } }],
      [CLOSE, { id: ludvikaPoint }],
      [REOPEN, { id: ludvikaPoint }],
      [UPDATE_SETTLEMENT, { id: ludvikaSettlement, input: { broadbandShare: 0.5 } }],
    ];
    for (const [query, variables] of cases) {
      const error = await refused(server, () => write(server, query, variables, keys.plannerLudvika));
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toMatch(/no municipality boundaries are imported/);
    }
    const stored = await server.app.db.selectFrom('service_points').select(['name']).execute();
    expect(stored.map((r) => r.name)).not.toContain('renamed');
  });

  it('an admin key may still write there, with the code it gives', async () => {
    const payload = await write(
      server,
      CREATE,
      {
        input: {
          name: 'Apotek Falun',
          serviceTypes: ['PHARMACY'],
          location: { lon: PLACES.falun.lon, lat: PLACES.falun.lat },
          municipalityCode: '2080',
        },
      },
      keys.admin,
    );
    expect(payload.errors).toEqual([]);
    expect(payload.servicePoint?.municipalityCode).toBe('2080');
  });
});

describe('with boundaries: the place decides, not the stored or claimed code', () => {
  let server: TestServer;
  let keys: TestKeys;
  let dir: string;
  const ids = new Map<string, string>();
  /** Seeded BEFORE the boundaries, with codes that contradict (or are missing from) where they are. */
  const stale = {
    // In Falun's box, but labelled Ludvika (the probe's pharmacy, as an earlier import would have stored it).
    pointInFalun: { ...PLACES.falun, municipalityCode: '2085' },
    pointInLudvika: { ...PLACES.ludvika, municipalityCode: '2085' },
    // Just north of Falun's box (~1.1 km): outside every boundary, within the 2 km snap.
    pointNearFalun: { lon: 15.7, lat: 60.86, municipalityCode: null },
    // Stockholm: no boundary within 2 km; keeps its code.
    pointInStockholm: { ...STOCKHOLM, municipalityCode: '0180' },
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-scope-by-place-'));
    server = await startTestServer();
    keys = await createKeys(server.app.db);
    await seed(server.app.db, {
      servicePoints: Object.entries(stale).map(([name, p]) =>
        aServicePoint({
          externalId: name,
          name,
          lon: p.lon,
          lat: p.lat,
          municipalityCode: p.municipalityCode,
        }),
      ),
      settlements: [
        aSettlement({
          externalId: 'settlementInFalun',
          ...PLACES.falun,
          municipalityCode: '2085',
          countyCode: '20',
        }),
      ],
    });
    for (const r of await server.app.db.selectFrom('service_points').select(['id', 'external_id']).execute())
      ids.set(String(r.external_id), String(r.id));
    for (const r of await server.app.db.selectFrom('settlements').select(['id', 'external_id']).execute())
      ids.set(String(r.external_id), String(r.id));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('importing the boundaries derives the stored codes again and says what changed (Turf as the oracle)', async () => {
    const file = join(dir, 'kommuner.geojson');
    const features = Object.entries(AREAS).map(([code, a]) => ({
      type: 'Feature',
      properties: { code, name: a.name },
      geometry: { type: 'Polygon', coordinates: ring(a.box) },
    }));
    writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features }));
    // The oracle: each seeded row's municipality by Turf — inside a box, else the nearest box within 2 km.
    const expectedCode = (lon: number, lat: number, kept: string | null): string | null => {
      const at = point([lon, lat]);
      for (const f of features)
        if (booleanPointInPolygon(at, polygon(f.geometry.coordinates as number[][][])))
          return f.properties.code;
      let best: { code: string; km: number } | null = null;
      for (const f of features) {
        const km = pointToLineDistance(
          at,
          polygonToLine(polygon(f.geometry.coordinates as number[][][])) as never,
          {
            units: 'kilometers',
          },
        );
        if (km <= 2 && (best === null || km < best.km)) best = { code: f.properties.code, km };
      }
      return best?.code ?? kept;
    };
    const expected = Object.fromEntries(
      Object.entries(stale).map(([name, p]) => [name, expectedCode(p.lon, p.lat, p.municipalityCode)]),
    );
    expect(expected).toEqual({
      pointInFalun: '2080',
      pointInLudvika: '2085',
      pointNearFalun: '2080',
      pointInStockholm: '0180',
    });

    const outcome = await runImportJob(server.app.db, {
      kind: 'areas',
      file,
      options: { level: 'MUNICIPALITY' },
    });
    expect(outcome.lines[0]).toBe(`Imported 3 municipalities from ${file}`);
    // Changed: the Falun point (2085 → 2080), the point near Falun (none → 2080), the Falun settlement.
    expect(outcome.lines[1]).toBe(
      '  codes derived again from the boundaries: 1 settlements and 2 service points changed municipality; ' +
        '1 outside every boundary took the nearest within 2 km; 1 farther out kept their code',
    );
    const points = await server.app.db
      .selectFrom('service_points')
      .select(['external_id', 'municipality_code'])
      .execute();
    expect(Object.fromEntries(points.map((r) => [r.external_id, r.municipality_code]))).toEqual(expected);
    const settlement = await server.app.db
      .selectFrom('settlements')
      .select(['municipality_code', 'county_code'])
      .executeTakeFirstOrThrow();
    expect(settlement).toEqual({ municipality_code: '2080', county_code: '20' });
  });

  it('a point that lies in Falun is for Falun to edit, whatever code a client once gave it', async () => {
    // Put the stale claim back, as a client could have before: the check must not read it.
    await server.app.db
      .updateTable('service_points')
      .set({ municipality_code: '2085' })
      .where('external_id', '=', 'pointInFalun')
      .execute();
    const id = ids.get('pointInFalun')!;
    const error = await refused(server, () =>
      write(server, UPDATE, { id, input: { name: 'renamed by Ludvika' } }, keys.plannerLudvika),
    );
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toMatch(
      /lies in municipality 2080, outside the scope of key k_\w+ \(municipalities 2085\); where a point lies is decided by the imported boundaries/,
    );
    for (const [query, variables] of [
      [CLOSE, { id }],
      [REOPEN, { id }],
    ] as const) {
      expect((await refused(server, () => write(server, query, variables, keys.plannerLudvika))).code).toBe(
        'FORBIDDEN',
      );
    }
    const falun = await write(server, UPDATE, { id, input: { name: 'Apotek Falun' } }, keys.plannerFalun);
    expect(falun.errors).toEqual([]);
    const settlement = ids.get('settlementInFalun')!;
    expect(
      (
        await refused(server, () =>
          write(
            server,
            UPDATE_SETTLEMENT,
            { id: settlement, input: { broadbandShare: 0.4 } },
            keys.plannerLudvika,
          ),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect(
      (
        await write(
          server,
          UPDATE_SETTLEMENT,
          { id: settlement, input: { broadbandShare: 0.4 } },
          keys.plannerFalun,
        )
      ).errors,
    ).toEqual([]);
  });

  it('a move is checked where it goes: Ludvika → Stockholm (no boundary) and → Falun are refused', async () => {
    const id = ids.get('pointInLudvika')!;
    const toStockholm = await refused(server, () =>
      write(server, UPDATE, { id, input: { location: STOCKHOLM } }, keys.plannerLudvika),
    );
    expect(toStockholm.code).toBe('FORBIDDEN');
    expect(toStockholm.field).toBe('input.location');
    expect(toStockholm.message).toMatch(/outside every imported municipality boundary/);
    const toFalun = await refused(server, () =>
      write(
        server,
        UPDATE,
        { id, input: { location: { lon: PLACES.falun.lon, lat: PLACES.falun.lat } } },
        keys.plannerLudvika,
      ),
    );
    expect(toFalun.code).toBe('FORBIDDEN');
    expect(toFalun.message).toMatch(/municipality 2080/);
    const row = await server.app.db
      .selectFrom('service_points')
      .select(['municipality_code'])
      .where('external_id', '=', 'pointInLudvika')
      .executeTakeFirstOrThrow();
    expect(row.municipality_code).toBe('2085');
    // Within Ludvika it moves, and Grangärde is where the README's example creates a point.
    const within = await write(
      server,
      UPDATE,
      { id, input: { location: { lon: PLACES.grangarde.lon, lat: PLACES.grangarde.lat } } },
      keys.plannerLudvika,
    );
    expect(within.errors).toEqual([]);
    expect(within.servicePoint?.municipalityCode).toBe('2085');
  });

  it('a point in Stockholm (no boundary covers it) is refused to planners even of its claimed code', async () => {
    const error = await refused(server, () =>
      write(server, UPDATE, { id: ids.get('pointInStockholm')!, input: { name: 'x' } }, keys.plannerDalarna),
    );
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toMatch(/outside every imported municipality boundary/);
  });

  it('the probe again, with boundaries: creating at Falun as Ludvika is refused and writes nothing', async () => {
    const count = async () =>
      (await server.app.db.selectFrom('service_points').select('id').execute()).length;
    const n = await count();
    for (const municipalityCode of ['2085', undefined]) {
      const error = await refused(server, () =>
        write(
          server,
          CREATE,
          {
            input: {
              name: 'Apotek',
              serviceTypes: ['PHARMACY'],
              location: { lon: PLACES.falun.lon, lat: PLACES.falun.lat },
              ...(municipalityCode ? { municipalityCode } : {}),
            },
          },
          keys.plannerLudvika,
        ),
      );
      expect(['FORBIDDEN', 'BAD_USER_INPUT']).toContain(error.code);
    }
    expect(await count()).toBe(n);
  });
});
