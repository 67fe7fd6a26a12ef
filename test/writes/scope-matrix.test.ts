/**
 * Every role × mutation × place: which writes are accepted, refused as FORBIDDEN (a payload error), or
 * UNAUTHENTICATED (an exception). The expected outcome is written out by hand from the keys' scopes
 * below — not computed with the code under test — and each accepted write must bump the `writes` version by
 * exactly one (and the snapshot version too, except saved scenarios, which change no snapshot input) while
 * each refusal leaves both (and so every table) untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataVersions } from '../../src/db/data-version.js';
import { insertScenario } from '../../src/modules/scenarios/scenario.repository.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import type { PlaceName, TestKeys } from './fixtures.js';
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

type Actor =
  | 'none'
  | 'revoked'
  | 'reader'
  | 'plannerLudvika'
  | 'plannerFalun'
  | 'plannerDalarna'
  | 'admin'
  | 'writeToken';
const ACTORS: Actor[] = [
  'none',
  'revoked',
  'reader',
  'plannerLudvika',
  'plannerFalun',
  'plannerDalarna',
  'admin',
  'writeToken',
];

/** What each planner key covers, by hand: Ludvika 2085 and Falun 2080 are in county 20, Göteborg 1480 is not. */
const PLANNER_COVERS: Partial<Record<Actor, PlaceName[]>> = {
  plannerLudvika: ['ludvika', 'grangarde'],
  plannerFalun: ['falun'],
  plannerDalarna: ['ludvika', 'grangarde', 'falun'],
};

type Operation =
  | { kind: 'create' | 'update' | 'close' | 'reopen' | 'settlement'; at: PlaceName }
  | { kind: 'move'; from: PlaceName; to: PlaceName }
  | { kind: 'saveScenario' }
  | { kind: 'deleteScenario' };

const PLACE_NAMES: PlaceName[] = ['ludvika', 'falun', 'goteborg'];
const OPERATIONS: Operation[] = [
  ...(['create', 'update', 'close', 'reopen', 'settlement'] as const).flatMap((kind) =>
    PLACE_NAMES.map((at) => ({ kind, at })),
  ),
  { kind: 'move', from: 'ludvika', to: 'grangarde' },
  { kind: 'move', from: 'ludvika', to: 'falun' },
  { kind: 'move', from: 'falun', to: 'ludvika' },
  { kind: 'move', from: 'falun', to: 'goteborg' },
  { kind: 'saveScenario' },
  // Every deleted scenario was saved by the Ludvika planner.
  { kind: 'deleteScenario' },
];

type Outcome = 'accepted' | 'FORBIDDEN' | 'UNAUTHENTICATED';

function expected(actor: Actor, op: Operation): Outcome {
  if (actor === 'none' || actor === 'revoked') return 'UNAUTHENTICATED';
  if (actor === 'reader') return 'FORBIDDEN';
  if (actor === 'admin' || actor === 'writeToken') return 'accepted';
  if (op.kind === 'saveScenario') return 'accepted';
  if (op.kind === 'deleteScenario') return actor === 'plannerLudvika' ? 'accepted' : 'FORBIDDEN';
  const touched = op.kind === 'move' ? [op.from, op.to] : [op.at];
  const covers = PLANNER_COVERS[actor] ?? [];
  return touched.every((p) => covers.includes(p)) ? 'accepted' : 'FORBIDDEN';
}

const label = (op: Operation) =>
  op.kind === 'move' ? `move ${op.from} → ${op.to}` : 'at' in op ? `${op.kind} at ${op.at}` : op.kind;

const CASES = ACTORS.flatMap((actor) => OPERATIONS.map((op, i) => ({ actor, op, n: `${actor}-${i}` })));

describe(`role × mutation × scope: ${ACTORS.length} credentials × ${OPERATIONS.length} operations = ${CASES.length} combinations`, () => {
  let server: TestServer;
  let keys: TestKeys;
  const pointIds = new Map<string, string>();
  const scenarioIds = new Map<string, string>();
  const settlementIds = new Map<PlaceName, string>();

  beforeAll(async () => {
    server = await startTestServer();
    await seedAreas(server.app.db);
    keys = await createKeys(server.app.db);
    // One point of its own for every case that edits one (closed already for the reopen cases).
    const points = CASES.flatMap(({ op, n }) => {
      if (
        op.kind === 'create' ||
        op.kind === 'settlement' ||
        op.kind === 'saveScenario' ||
        op.kind === 'deleteScenario'
      )
        return [];
      const place = PLACES[op.kind === 'move' ? op.from : op.at];
      return [
        aServicePoint({
          name: `case ${n}`,
          externalId: `case:${n}`,
          lon: place.lon,
          lat: place.lat,
          municipalityCode: place.municipalityCode,
          status: op.kind === 'reopen' ? 'CLOSED' : 'OPEN',
          validTo: op.kind === 'reopen' ? '2026-01-01' : null,
        }),
      ];
    });
    await seed(server.app.db, {
      servicePoints: points,
      settlements: PLACE_NAMES.map((p) =>
        aSettlement({
          name: `settlement ${p}`,
          externalId: `settlement:${p}`,
          lon: PLACES[p].lon,
          lat: PLACES[p].lat,
          municipalityCode: PLACES[p].municipalityCode,
          countyCode: PLACES[p].municipalityCode.slice(0, 2),
        }),
      ),
    });
    for (const r of await server.app.db.selectFrom('service_points').select(['id', 'external_id']).execute())
      pointIds.set(String(r.external_id), String(r.id));
    for (const r of await server.app.db.selectFrom('settlements').select(['id', 'external_id']).execute())
      settlementIds.set(String(r.external_id).replace('settlement:', '') as PlaceName, String(r.id));
    for (const { op, n } of CASES) {
      if (op.kind !== 'deleteScenario') continue;
      const saved = await insertScenario(server.app.db, {
        name: `scenario ${n}`,
        description: null,
        changes: { closeServicePointIds: [], addServicePoints: [], thresholdMinutes: [] },
        createdBy: keys.ids.plannerLudvika!,
      });
      scenarioIds.set(n, saved.id);
    }
  });
  afterAll(() => server?.close());

  const tokenOf = (actor: Actor): string | undefined =>
    actor === 'none'
      ? undefined
      : actor === 'writeToken'
        ? 'test-writer'
        : keys[actor as Exclude<Actor, 'none' | 'writeToken'>];

  function request(
    op: Operation,
    n: string,
  ): { query: string; variables: Record<string, unknown>; field: string } {
    const id = pointIds.get(`case:${n}`);
    const at = (p: PlaceName) => ({ lon: PLACES[p].lon, lat: PLACES[p].lat });
    switch (op.kind) {
      case 'create':
        return {
          query: CREATE,
          field: 'createServicePoint',
          variables: { input: { name: `new ${n}`, serviceTypes: ['POST'], location: at(op.at) } },
        };
      case 'update':
        return {
          query: UPDATE,
          field: 'updateServicePoint',
          variables: { id, input: { name: `renamed ${n}` } },
        };
      case 'move':
        return {
          query: UPDATE,
          field: 'updateServicePoint',
          variables: { id, input: { location: at(op.to) } },
        };
      case 'close':
        return { query: CLOSE, field: 'closeServicePoint', variables: { id } };
      case 'reopen':
        return { query: REOPEN, field: 'reopenServicePoint', variables: { id } };
      case 'settlement':
        return {
          query: UPDATE_SETTLEMENT,
          field: 'updateSettlement',
          variables: { id: settlementIds.get(op.at), input: { broadbandShare: 0.5 } },
        };
      case 'saveScenario':
        return {
          query: 'mutation($name: String!) { saveScenario(name: $name, changes: {}) { id createdBy } }',
          field: 'saveScenario',
          variables: { name: `saved ${n}` },
        };
      case 'deleteScenario':
        return {
          query: 'mutation($id: ID!) { deleteScenario(id: $id) }',
          field: 'deleteScenario',
          variables: { id: scenarioIds.get(n) },
        };
    }
  }

  for (const { actor, op, n } of CASES) {
    const outcome = expected(actor, op);
    it(`${actor} · ${label(op)} → ${outcome}`, async () => {
      const { query, variables, field } = request(op, n);
      const v0 = await readDataVersions(server.app.db);
      const r = await server.gql<Record<string, unknown>>(query, variables, { token: tokenOf(actor) });
      const v1 = await readDataVersions(server.app.db);
      const payloadStyle = op.kind !== 'saveScenario' && op.kind !== 'deleteScenario';
      const value = r.data?.[field] as { errors?: { code: string }[] } | boolean | null | undefined;
      if (outcome === 'accepted') {
        expect(r.errors).toBeUndefined();
        if (payloadStyle) expect((value as { errors: unknown[] }).errors).toEqual([]);
        if (op.kind === 'deleteScenario') expect(value).toBe(true);
        expect(v1.writes).toBe(v0.writes + 1);
        expect(v1.snapshot).toBe(v0.snapshot + (payloadStyle ? 1 : 0));
      } else if (outcome === 'UNAUTHENTICATED') {
        expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(v1).toEqual(v0);
      } else {
        if (payloadStyle) {
          expect(r.errors).toBeUndefined();
          expect((value as { errors: { code: string }[] }).errors.map((e) => e.code)).toEqual(['FORBIDDEN']);
        } else expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        expect(v1).toEqual(v0);
      }
    });
  }

  it('audited exactly the accepted combinations, each under its actor id', async () => {
    const accepted = CASES.filter(({ actor, op }) => expected(actor, op) === 'accepted');
    const rows = await server.app.db.selectFrom('audit_log').select(['actor']).execute();
    expect(rows).toHaveLength(accepted.length);
    const actorId = (a: Actor) => (a === 'writeToken' ? 'write-token#1' : keys.ids[a]);
    const expectedCounts = new Map<string, number>();
    for (const { actor } of accepted)
      expectedCounts.set(actorId(actor)!, (expectedCounts.get(actorId(actor)!) ?? 0) + 1);
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.actor!, (counts.get(r.actor!) ?? 0) + 1);
    expect(counts).toEqual(expectedCounts);
  });
});
