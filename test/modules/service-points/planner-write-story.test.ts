/**
 * Issue 11's "done when", as one story: a Ludvika planner's key opens a parcel locker (service type POST,
 * "post and parcel agent") in Ludvika and is refused in Falun; the next query sees the locker; an admin
 * reads both attempts' trail — the accepted one in auditLog, the refused one in the refusal log and the
 * /metrics counter. Then the auditLog connection itself: filters, paging, totalCount, admin only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSettlement, seed } from '../../helpers/seed.js';
import type { TestServer } from '../../helpers/server.js';
import { startTestServer } from '../../helpers/server.js';
import type { PointView, TestKeys, UserError } from '../../writes/fixtures.js';
import { CREATE, PLACES, UPDATE, createKeys, seedAreas } from '../../writes/fixtures.js';
import { captureLog } from '../../writes/log-capture.js';

const AUDIT = `query($first: Int, $after: String, $filter: AuditLogFilter) {
  auditLog(first: $first, after: $after, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { id at actor action entity entityId before after } } }`;

interface AuditPage {
  auditLog: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: {
      id: string;
      at: string;
      actor: string;
      action: string;
      entity: string;
      entityId: string;
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
    }[];
  };
}
type Create = { createServicePoint: { servicePoint: PointView | null; errors: UserError[] } };

describe('done when: a Ludvika planner opens a parcel locker in Ludvika, not in Falun, and it is all on record', () => {
  let server: TestServer;
  let keys: TestKeys;
  const captured = captureLog();
  let lockerId: string;

  beforeAll(async () => {
    server = await startTestServer({ log: captured.log });
    await seedAreas(server.app.db);
    keys = await createKeys(server.app.db);
    await seed(server.app.db, {
      settlements: [
        aSettlement({ name: 'Ludvika', lon: PLACES.ludvika.lon, lat: PLACES.ludvika.lat, population: 14000 }),
      ],
    });
  });
  afterAll(() => server?.close());

  const locker = (place: 'ludvika' | 'falun') => ({
    input: {
      name: `Paketskåp ${place}`,
      serviceTypes: ['POST'],
      location: { lon: PLACES[place].lon + 0.01, lat: PLACES[place].lat },
    },
  });

  it('accepts the locker in Ludvika', async () => {
    const r = await server.gql<Create>(CREATE, locker('ludvika'), { token: keys.plannerLudvika });
    expect(r.data!.createServicePoint.errors).toEqual([]);
    expect(r.data!.createServicePoint.servicePoint).toMatchObject({
      municipalityCode: '2085',
      status: 'OPEN',
    });
    lockerId = r.data!.createServicePoint.servicePoint!.id;
  });

  it('refuses the same in Falun with FORBIDDEN and stores nothing', async () => {
    const r = await server.gql<Create>(CREATE, locker('falun'), { token: keys.plannerLudvika });
    expect(r.errors).toBeUndefined();
    expect(r.data!.createServicePoint.servicePoint).toBeNull();
    expect(r.data!.createServicePoint.errors).toEqual([
      {
        code: 'FORBIDDEN',
        field: 'input.location',
        message: expect.stringMatching(
          /municipality 2080, outside the scope of key k_\w+ \(municipalities 2085\)/,
        ),
      },
    ]);
    const names = await server.app.db.selectFrom('service_points').select('name').execute();
    expect(names.map((n) => n.name)).toEqual(['Paketskåp ludvika']);
  });

  it('the next query sees the new locker', async () => {
    const r = await server.gql<{
      nearestServicePoints: { servicePoint: { id: string; name: string } }[];
      settlements: {
        nodes: { access: { servicePoint: { id: string } | null; withinThreshold: boolean }[] }[];
      };
    }>(
      `query($at: PointInput!) {
        nearestServicePoints(location: $at, serviceType: "POST", limit: 1) { servicePoint { id name } }
        settlements(filter: { municipalityCode: "2085" }) { nodes { access(serviceTypes: ["POST"]) { servicePoint { id } withinThreshold } } } }`,
      { at: { lon: PLACES.ludvika.lon, lat: PLACES.ludvika.lat } },
    );
    expect(r.data!.nearestServicePoints[0]!.servicePoint).toEqual({
      id: lockerId,
      name: 'Paketskåp ludvika',
    });
    // 0.01° of longitude at 60° N is ~0.56 km: well within POST's 15 minutes.
    expect(r.data!.settlements.nodes[0]!.access[0]).toEqual({
      servicePoint: { id: lockerId },
      withinThreshold: true,
    });
  });

  it('an admin reads both attempts’ trail: the accepted write in auditLog, the refusal in the log and the counter', async () => {
    const page = await server.gql<AuditPage>(
      AUDIT,
      { filter: { actor: keys.ids.plannerLudvika } },
      { token: keys.admin },
    );
    expect(page.errors).toBeUndefined();
    expect(page.data!.auditLog.totalCount).toBe(1);
    const [entry] = page.data!.auditLog.nodes;
    expect(entry).toMatchObject({
      actor: keys.ids.plannerLudvika,
      action: 'servicePoint.create',
      entity: 'servicePoint',
      entityId: lockerId,
      before: null,
      after: { name: 'Paketskåp ludvika', municipalityCode: '2085' },
    });
    expect(Date.now() - Date.parse(entry!.at)).toBeLessThan(5 * 60_000);

    const refusals = captured.lines().filter((l) => l.msg === 'write refused');
    expect(refusals).toEqual([
      expect.objectContaining({
        actor: keys.ids.plannerLudvika,
        action: 'createServicePoint',
        code: 'FORBIDDEN',
        reason: expect.stringContaining('municipality 2080'),
      }),
    ]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(
      'serviceatlas_write_refusals_total{action="createServicePoint",code="FORBIDDEN"} 1',
    );
    expect(metrics).toContain('serviceatlas_writes_accepted_total 1');
  });

  it('auditLog is for admins only', async () => {
    const anonymous = await server.gql<AuditPage>(AUDIT, {});
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    for (const token of [keys.plannerLudvika, keys.reader]) {
      const r = await server.gql<AuditPage>(AUDIT, {}, { token });
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(r.data?.auditLog ?? null).toBeNull();
    }
  });

  it('pages newest first with totalCount, and filters by action, entity and time', async () => {
    for (let i = 1; i <= 4; i++) {
      const r = await server.gql<{ updateServicePoint: { errors: UserError[] } }>(
        UPDATE,
        { id: lockerId, input: { name: `Paketskåp ${i}` } },
        { token: i % 2 ? keys.plannerLudvika : keys.admin },
      );
      expect(r.data!.updateServicePoint.errors).toEqual([]);
    }
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const r: { data?: AuditPage } = await server.gql<AuditPage>(
        AUDIT,
        { first: 2, after },
        { token: keys.admin },
      );
      const p: AuditPage['auditLog'] = r.data!.auditLog;
      expect(p.totalCount).toBe(5);
      seen.push(...p.nodes.map((n) => `${n.action}:${(n.after as { name: string }).name}`));
      after = p.pageInfo.hasNextPage ? p.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual([
      'servicePoint.update:Paketskåp 4',
      'servicePoint.update:Paketskåp 3',
      'servicePoint.update:Paketskåp 2',
      'servicePoint.update:Paketskåp 1',
      'servicePoint.create:Paketskåp ludvika',
    ]);

    const byAdmin = await server.gql<AuditPage>(
      AUDIT,
      {
        filter: {
          actor: keys.ids.admin,
          action: 'servicePoint.update',
          entity: 'servicePoint',
          entityId: lockerId,
        },
      },
      { token: keys.admin },
    );
    expect(byAdmin.data!.auditLog.totalCount).toBe(2);
    expect(byAdmin.data!.auditLog.nodes[0]!.before).toMatchObject({ name: 'Paketskåp 3' });

    const all = (await server.gql<AuditPage>(AUDIT, {}, { token: keys.admin })).data!.auditLog.nodes;
    const newest = all[0]!.at;
    const future = new Date(Date.parse(newest) + 1000).toISOString();
    const since = await server.gql<AuditPage>(AUDIT, { filter: { since: future } }, { token: keys.admin });
    expect(since.data!.auditLog.totalCount).toBe(0);
    const until = await server.gql<AuditPage>(
      AUDIT,
      { filter: { until: future, since: '2000-01-01' } },
      { token: keys.admin },
    );
    expect(until.data!.auditLog.totalCount).toBe(5);
    const bad = await server.gql<AuditPage>(AUDIT, { filter: { since: 'yesterday' } }, { token: keys.admin });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
