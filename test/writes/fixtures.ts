import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/tables.js';
import { upsertAreas } from '../../src/modules/areas/area.repository.js';
import { createApiKey, revokeKey } from '../../src/modules/keys/api-key.service.js';
import { TEST_KEY_SECRET } from '../helpers/db.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';

/**
 * Municipality boundaries for the write tests: boxes around the real towns, far enough apart that a
 * point's municipality is obvious by hand (Ludvika and Falun are in Dalarna, county 20; Göteborg is in
 * Västra Götaland, county 14).
 */
export const AREAS = {
  '2085': { name: 'Ludvika', box: [14.6, 59.9, 15.6, 60.35] },
  '2080': { name: 'Falun', box: [15.3, 60.45, 16.1, 60.85] },
  '1480': { name: 'Göteborg', box: [11.8, 57.6, 12.2, 57.85] },
} as const;

/** Places inside the boxes above. */
export const PLACES = {
  ludvika: { lon: 15.19, lat: 60.15, municipalityCode: '2085' },
  grangarde: { lon: 14.98, lat: 60.26, municipalityCode: '2085' },
  falun: { lon: 15.63, lat: 60.61, municipalityCode: '2080' },
  goteborg: { lon: 11.97, lat: 57.71, municipalityCode: '1480' },
} as const;
export type PlaceName = keyof typeof PLACES;

const ring = ([w, s, e, n]: readonly number[]) => [
  [
    [w, s],
    [e, s],
    [e, n],
    [w, n],
    [w, s],
  ],
];

export async function seedAreas(db: Kysely<Database>): Promise<void> {
  await upsertAreas(
    db,
    Object.entries(AREAS).map(([code, a]) => ({
      code,
      level: 'MUNICIPALITY' as const,
      name: a.name,
      parentCode: code.slice(0, 2),
      geometry: { type: 'Polygon', coordinates: ring(a.box) },
    })),
  );
}

/**
 * The read-after-write case: Grangärde (800 inhabitants) with one post point, in Falun (2080), beyond the
 * post threshold. Returns Grangärde's id.
 */
export async function seedGrangardeAndFalunPost(db: Kysely<Database>): Promise<string> {
  await seed(db, {
    settlements: [
      aSettlement({
        name: 'Grangärde',
        lon: PLACES.grangarde.lon,
        lat: PLACES.grangarde.lat,
        population: 800,
      }),
    ],
    servicePoints: [
      aServicePoint({
        name: 'Falun post',
        serviceTypes: ['POST'],
        lon: PLACES.falun.lon,
        lat: PLACES.falun.lat,
        municipalityCode: '2080',
      }),
    ],
  });
  return String((await db.selectFrom('settlements').select('id').executeTakeFirstOrThrow()).id);
}

export interface TestKeys {
  reader: string;
  plannerLudvika: string;
  plannerDalarna: string;
  plannerFalun: string;
  admin: string;
  revoked: string;
  ids: Record<string, string>;
}

/** One key of every kind, created the way `keys create` does (the revoked one revoked at once). */
export async function createKeys(db: Kysely<Database>): Promise<TestKeys> {
  const make = async (role: string, municipalityCodes: string[], countyCodes: string[], name: string) =>
    createApiKey(db, TEST_KEY_SECRET, { role, municipalityCodes, countyCodes, name });
  const reader = await make('reader', [], [], 'reader');
  const ludvika = await make('planner', ['2085'], [], 'Ludvika planners');
  const dalarna = await make('planner', [], ['20'], 'Region Dalarna');
  const falun = await make('planner', ['2080'], [], 'Falun planners');
  const admin = await make('admin', [], [], 'admin');
  const revoked = await make('planner', ['2085'], [], 'revoked Ludvika key');
  await revokeKey(db, revoked.key.id);
  return {
    reader: reader.token,
    plannerLudvika: ludvika.token,
    plannerDalarna: dalarna.token,
    plannerFalun: falun.token,
    admin: admin.token,
    revoked: revoked.token,
    ids: {
      reader: reader.key.id,
      plannerLudvika: ludvika.key.id,
      plannerDalarna: dalarna.key.id,
      plannerFalun: falun.key.id,
      admin: admin.key.id,
      revoked: revoked.key.id,
    },
  };
}

export const POINT_FIELDS = 'id name status municipalityCode validFrom validTo serviceTypes location';

export const CREATE = `mutation($input: ServicePointInput!) {
  createServicePoint(input: $input) { servicePoint { ${POINT_FIELDS} } errors { code field message } } }`;
export const UPDATE = `mutation($id: ID!, $input: ServicePointPatch!) {
  updateServicePoint(id: $id, input: $input) { servicePoint { ${POINT_FIELDS} } errors { code field message } } }`;
export const CLOSE = `mutation($id: ID!, $closedOn: Date) {
  closeServicePoint(id: $id, closedOn: $closedOn) { servicePoint { ${POINT_FIELDS} } errors { code field message } } }`;
export const REOPEN = `mutation($id: ID!) {
  reopenServicePoint(id: $id) { servicePoint { ${POINT_FIELDS} } errors { code field message } } }`;
export const UPDATE_SETTLEMENT = `mutation($id: ID!, $input: SettlementPatch!) {
  updateSettlement(id: $id, input: $input) {
    settlement { id population population65Plus broadbandShare municipalityCode } errors { code field message } } }`;

export interface UserError {
  code: string;
  field: string | null;
  message: string;
}
export interface PointView {
  id: string;
  name: string;
  status: string;
  municipalityCode: string | null;
  validFrom: string | null;
  validTo: string | null;
  serviceTypes: string[];
  location: { type: 'Point'; coordinates: [number, number] };
}
