import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv } from '../../src/csv.js';
import { OSM_DEMO_TYPES } from '../../src/demo/real-points.js';
import { type DemoServicePoint, generateDemoServicePoints } from '../../src/demo/service-points.js';
import { buildDemoSettlements } from '../../src/demo/settlements.js';
import { runImportJob } from '../../src/modules/imports/import-jobs.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

/**
 * Issue 21's dated-status case on the demo's own post points (every POST point the demo generates, all
 * of Sweden), not a hand-made valley: a 2024 snapshot holds the demo's open post points, a 2026 snapshot
 * drops every tenth of them and adds a few. A page asked `asOf: "2024-06-01"` with `status: OPEN` must
 * count every point open that day, and each node must say OPEN, although today a tenth of them are closed.
 * The oracle is the two files themselves (which points each snapshot lists), not the history code.
 */
const demoPost: DemoServicePoint[] = generateDemoServicePoints(
  buildDemoSettlements(),
  new Set(Object.values(OSM_DEMO_TYPES)),
).filter((p) => p.status === 'OPEN' && p.validTo === null && p.serviceTypes.includes('POST'));
const closedBy2026 = new Set(demoPost.filter((_, i) => i % 10 === 3).map((p) => p.externalId));
const openedBy2026: DemoServicePoint[] = demoPost.slice(0, 5).map((p, i) => ({
  ...p,
  externalId: `${p.externalId}:new2026:${i}`,
  name: `${p.name} (ny 2026)`,
  lon: p.lon + 0.01,
}));
const points2024 = demoPost;
const points2026 = [...demoPost.filter((p) => !closedBy2026.has(p.externalId)), ...openedBy2026];

const dir = mkdtempSync(join(tmpdir(), 'sa-demo-post-history-'));
const write = (name: string, points: DemoServicePoint[]) => {
  const path = join(dir, name);
  writeFileSync(
    path,
    toCsv(
      ['externalId', 'name', 'serviceTypes', 'municipalityCode', 'openingHours', 'lon', 'lat'],
      points.map((p) => [
        p.externalId,
        p.name,
        p.serviceTypes.join(';'),
        p.municipalityCode,
        p.openingHours,
        p.lon,
        p.lat,
      ]),
      { quoted: new Set(['municipalityCode']) },
    ),
  );
  return path;
};

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: { externalId: string; status: string; validFrom: string | null; validTo: string | null }[];
}

describe('history as it stood, on the demo’s post points (2024 and 2026 snapshots)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { maxPageSize: 1000 } });
    for (const [points, asOf] of [
      [points2024, '2024-01-01'],
      [points2026, '2026-01-01'],
    ] as const) {
      const file = write(`post-${asOf}.csv`, points);
      await runImportJob(server.app.db, { kind: 'service-points', file, options: { asOf } });
    }
  }, 300_000);
  afterAll(() => server?.close());

  /** Every node of `servicePoints(filter: { serviceType: POST, status }, asOf)`, page by page. */
  const everyPost = async (status: 'OPEN' | 'CLOSED', asOf?: string) => {
    const nodes: Page['nodes'] = [];
    let totalCount = -1;
    let after: string | null = null;
    for (;;) {
      const res: { errors?: unknown; data?: { servicePoints: Page } } = await server.gql<{
        servicePoints: Page;
      }>(
        `query($asOf: Date, $after: String) {
          servicePoints(first: 1000, after: $after, asOf: $asOf, filter: { serviceType: POST, status: ${status} }) {
            totalCount pageInfo { hasNextPage endCursor } nodes { externalId status validFrom validTo } } }`,
        { asOf, after },
      );
      expect(res.errors).toBeUndefined();
      const page: Page = res.data!.servicePoints;
      totalCount = page.totalCount;
      nodes.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    return { totalCount, nodes };
  };

  it('holds enough demo post points for the case to mean something', () => {
    expect(points2024.length).toBeGreaterThan(1000);
    expect(closedBy2026.size).toBeGreaterThan(100);
  });

  it('counts every point open on 2024-06-01, each node saying OPEN, although a tenth are closed today', async () => {
    const open = await everyPost('OPEN', '2024-06-01');
    expect(open.totalCount).toBe(points2024.length);
    expect(open.nodes.map((n) => n.externalId).sort()).toEqual(points2024.map((p) => p.externalId).sort());
    expect(new Set(open.nodes.map((n) => n.status))).toEqual(new Set(['OPEN']));
    // The rows closed by the 2026 snapshot are among them, with the day they closed.
    const closedLater = open.nodes.filter((n) => closedBy2026.has(n.externalId));
    expect(closedLater).toHaveLength(closedBy2026.size);
    for (const n of closedLater) expect(n).toMatchObject({ validFrom: '2024-01-01', validTo: '2026-01-01' });
    // None was closed that day.
    expect((await everyPost('CLOSED', '2024-06-01')).totalCount).toBe(0);
  });

  it('counts the 2026 snapshot on a 2026 date (the closed points gone), and today’s closed points without a date', async () => {
    const open2026 = await everyPost('OPEN', '2026-06-01');
    expect(open2026.totalCount).toBe(points2026.length);
    expect(new Set(open2026.nodes.map((n) => n.status))).toEqual(new Set(['OPEN']));
    expect(open2026.nodes.filter((n) => closedBy2026.has(n.externalId))).toEqual([]);
    // A dated page holds the rows valid that day: a point closed on 2026-01-01 is not in the 2026 picture.
    expect((await everyPost('CLOSED', '2026-06-01')).totalCount).toBe(0);
    expect((await everyPost('OPEN')).totalCount).toBe(points2026.length);
    const closedToday = await everyPost('CLOSED');
    expect(closedToday.nodes.map((n) => n.externalId).sort()).toEqual([...closedBy2026].sort());
  });
});
